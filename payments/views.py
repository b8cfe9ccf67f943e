"""Payment pages: the development gateway's pages (card, Alipay, WeChat Pay),
Stripe's card form and WeChat Pay QR page, the status the QR page polls, and
Stripe's webhook endpoint."""

import logging
from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from o2o.errors import DomainError
from o2o.qr import qr_svg

from . import services
from .gateways import DEV, GatewayError, is_test_mode
from .models import Payment

logger = logging.getLogger(__name__)


def _own_payment(request: HttpRequest, key: str, gateway: str) -> Payment:
    payment = (
        Payment.objects.select_related("order__offer__merchant")
        .filter(idempotency_key=key, gateway=gateway, order__user=request.user)  # type: ignore[misc]
        .first()
    )
    if payment is None:
        raise Http404
    return payment


@login_required
def dev_pay(request: HttpRequest, key: str) -> HttpResponse:
    """The development gateway's page: mounted only while that gateway is the
    configured one (payments.urls), and its services refuse otherwise too."""
    payment = _own_payment(request, key, DEV)
    if not is_test_mode():
        raise Http404
    if request.method == "POST":
        outcome = request.POST.get("outcome")
        try:
            if outcome == "succeed":
                services.payment_dev_capture(payment_id=payment.pk, user=request.user)  # type: ignore[arg-type]
                messages.success(request, _("Payment received. Your vouchers are ready."))
            elif outcome == "cancel":
                services.payment_dev_decline(
                    payment_id=payment.pk,
                    user=request.user,  # type: ignore[arg-type]
                    canceled=True,
                )
                messages.error(request, _("The payment was cancelled. You can try again."))
            else:
                services.payment_dev_decline(payment_id=payment.pk, user=request.user)  # type: ignore[arg-type]
                messages.error(request, _("The payment was declined. You can try again."))
        except DomainError as err:
            messages.error(request, str(err))
        return redirect("orders:detail", pk=payment.order_id)
    refusal = (
        services.payment_refusal(payment.order)
        if payment.status == Payment.Status.PENDING
        else None
    )
    context: dict[str, object] = {
        "payment": payment,
        "order": payment.order,
        "refusal": refusal,
    }
    if payment.method == Payment.Method.WECHAT_PAY:
        # What a real QR code would carry: an address only this dev page knows.
        context["qr_svg"] = qr_svg(request.build_absolute_uri(), scale=5)
    return render(request, DEV_PAGES[payment.method], context)


# The development gateway's page per method, each drawn like the real one.
DEV_PAGES: dict[str, str] = {
    Payment.Method.CARD: "payments/dev_pay.html",
    Payment.Method.ALIPAY: "payments/dev_alipay.html",
    Payment.Method.WECHAT_PAY: "payments/dev_wechat_pay.html",
}


def stripe_csp() -> dict[str, list[str]]:
    """What Stripe.js needs from the Content-Security-Policy (Stripe's own list
    for its card form): its script and frames from the Stripe.js host, the
    3-D Secure frames from hooks.stripe.com, and calls to its API. Added to
    the site's policy on the card page only: no other page loads Stripe.js."""
    parts = urlsplit(settings.STRIPE_JS_URL)
    js = f"{parts.scheme}://{parts.netloc}"
    return {
        "script-src": [js, "https://*.js.stripe.com"],
        "frame-src": [js, "https://*.js.stripe.com", "https://hooks.stripe.com"],
        "connect-src": [js, "https://api.stripe.com"],
    }


@login_required
def stripe_pay(request: HttpRequest, key: str) -> HttpResponseBase:
    """Our page for a Stripe attempt: the card form (Stripe.js confirms the
    PaymentIntent), WeChat Pay's QR code, or on to Alipay's page."""
    payment = _own_payment(request, key, "stripe")
    if payment.status != Payment.Status.PENDING:
        return redirect("orders:detail", pk=payment.order_id)
    if payment.method == Payment.Method.ALIPAY:
        url = payment.action.get("redirect_url", "")
        if not url.startswith("https://"):
            raise Http404
        return redirect(url)
    if payment.method == Payment.Method.WECHAT_PAY:
        # The QR code comes inline (a data: image, which the site's policy
        # allows) or is drawn here from its text: no outside request.
        svg = ""
        if not payment.action.get("qr_image"):
            svg = qr_svg(payment.action.get("qr_data", ""), scale=5)
        return render(
            request,
            "payments/wechat_pay.html",
            {"payment": payment, "order": payment.order, "qr_svg": svg},
        )
    context = {
        "payment": payment,
        "order": payment.order,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
    }

    def card_page(request: HttpRequest) -> HttpResponseBase:
        return render(request, "payments/stripe_pay.html", context)

    return csp_update(stripe_csp())(card_page)(request)  # the settings of this request


@login_required
def payment_status(request: HttpRequest, key: str) -> JsonResponse:
    """The payer's own attempt as we know it (webhooks keep it current): what
    the WeChat Pay page polls to move on once the code is paid."""
    payment = (
        Payment.objects.filter(idempotency_key=key, order__user=request.user)  # type: ignore[misc]
        .only("status", "gateway", "idempotency_key", "order_id")
        .first()
    )
    if payment is None:
        raise Http404
    return JsonResponse(
        {
            "status": payment.status,
            "next": reverse("payments:stripe_return", args=[payment.idempotency_key])
            if payment.gateway == "stripe"
            else reverse("orders:detail", args=[payment.order_id]),
        }
    )


@login_required
def stripe_return(request: HttpRequest, key: str) -> HttpResponse:
    """Back from Stripe's form: ask Stripe how it went, then show the order as it is."""
    payment = _own_payment(request, key, "stripe")
    try:
        payment = services.payment_refresh(payment_id=payment.pk)
    except GatewayError:
        logger.warning("could not refresh payment %s on return", payment.pk)
    if payment.status == Payment.Status.SUCCEEDED:
        messages.success(request, _("Payment received. Your vouchers are ready."))
    elif payment.status == Payment.Status.PENDING:
        messages.info(
            request,
            _("Your payment is being confirmed. Vouchers appear as soon as it is."),
        )
    else:
        messages.error(request, _("The payment did not go through. You can try again."))
    return redirect("orders:detail", pk=payment.order_id)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Verify, store once, process. A forged or unsigned request gets 400."""
    try:
        event = services.webhook_receive(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except DomainError as err:
        return JsonResponse({"code": err.code, "detail": str(err)}, status=400)
    try:
        services.webhook_process(event_pk=event.pk)
    except Exception:
        logger.exception("webhook %s failed; Stripe will retry", event.event_id)
        return JsonResponse({"code": "processing_failed"}, status=500)
    return JsonResponse({"received": True})
