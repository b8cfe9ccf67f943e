"""The development gateway's payment page, standing in for a provider's."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .models import Payment


@login_required
def dev_pay(request: HttpRequest, key: str) -> HttpResponse:
    payment = (
        Payment.objects.select_related("order__offer__merchant")
        .filter(idempotency_key=key, gateway="dev", order__user=request.user)  # type: ignore[misc]
        .first()
    )
    if payment is None:
        raise Http404
    if request.method == "POST":
        if request.POST.get("outcome") == "succeed":
            services.payment_succeeded(payment_id=payment.pk)
            payment.order.refresh_from_db()
            if payment.order.status == payment.order.Status.PAID:
                messages.success(request, _("Payment received. Your vouchers are ready."))
            else:
                messages.warning(
                    request,
                    _("This order was cancelled before the payment arrived; it will be refunded."),
                )
        else:
            services.payment_failed(payment_id=payment.pk, message="declined on the test page")
            messages.error(request, _("The payment was declined. You can try again."))
        return redirect("orders:detail", pk=payment.order_id)
    return render(request, "payments/dev_pay.html", {"payment": payment, "order": payment.order})
