"""The moderation queue: what waits for an admin, oldest first.

It shows and decides merchants, offers and reviews, so it sits above them all.
"""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from merchants import services
from merchants.models import Merchant
from o2o.errors import DomainError
from offers import services as offer_services
from offers.models import Offer
from reviews import services as review_services
from reviews.models import Review


@staff_member_required
def queue(request: HttpRequest) -> HttpResponse:
    merchants = list(
        Merchant.objects.filter(status=Merchant.Status.PENDING)
        .select_related("category", "city")
        .prefetch_related("stores__district")
        .order_by("created_at", "pk")
    )
    offers = list(
        Offer.objects.filter(status=Offer.Status.PENDING_REVIEW)
        .select_related("merchant", "category")
        .order_by("updated_at", "pk")
    )
    reviews = list(
        Review.objects.select_related("user", "offer", "merchant").order_by("-created_at")[:20]
    )
    return render(
        request,
        "moderation/queue.html",
        {
            "pending_merchants": merchants,
            "pending_offers": offers,
            "reviews": reviews,
            "waiting": len(merchants) + len(offers),
            "max_reason": review_services.MAX_REASON,
        },
    )


def _decide(
    request: HttpRequest, name: str, actions: dict[str, Callable[[str], object]]
) -> HttpResponseRedirect:
    """Run the chosen moderation service; its refusal becomes the message."""
    action = actions.get(request.POST.get("action", ""))
    if action is None:
        messages.error(request, _("Unknown action."))
        return redirect("moderation:queue")
    try:
        action(request.POST.get("reason", ""))
    except DomainError as err:
        messages.error(request, str(err))
    else:
        messages.success(request, _("%(name)s: done.") % {"name": name})
    return redirect("moderation:queue")


@staff_member_required
@require_POST
def merchant_decide(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    merchant = get_object_or_404(Merchant, pk=pk)
    by: User = request.user  # type: ignore[assignment]  # staff_member_required
    return _decide(
        request,
        merchant.name,
        {
            "approve": lambda reason: services.merchant_approve(merchant=merchant, by=by),
            "reject": lambda reason: services.merchant_reject(
                merchant=merchant, by=by, reason=reason
            ),
            "suspend": lambda reason: services.merchant_suspend(
                merchant=merchant, by=by, reason=reason
            ),
        },
    )


@staff_member_required
@require_POST
def offer_decide(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    offer = get_object_or_404(Offer, pk=pk)
    by: User = request.user  # type: ignore[assignment]  # staff_member_required
    return _decide(
        request,
        offer.title,
        {
            "approve": lambda reason: offer_services.offer_approve(offer=offer, by=by),
            "reject": lambda reason: offer_services.offer_reject(offer=offer, by=by, reason=reason),
        },
    )


@staff_member_required
@require_POST
def review_decide(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    review = get_object_or_404(Review, pk=pk)
    by: User = request.user  # type: ignore[assignment]  # staff_member_required
    hide = request.POST.get("action") == "hide"
    try:
        if hide:
            review_services.review_hide(
                review_id=review.pk, by=by, reason=request.POST.get("reason", "")
            )
        else:
            review_services.review_restore(review_id=review.pk, by=by)
    except DomainError as err:
        messages.error(request, str(err))
    else:
        messages.success(
            request,
            _("Review hidden; the reviewer is told why.") if hide else _("Review updated."),
        )
    return redirect("moderation:queue")
