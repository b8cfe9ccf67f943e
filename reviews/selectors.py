"""Reads of reviews."""

from django.db.models import QuerySet

from merchants.models import Merchant
from offers.models import Offer

from .models import Review


def reviews_for_offer(offer: Offer) -> QuerySet[Review]:
    return (
        Review.objects.filter(offer=offer, status=Review.Status.VISIBLE)
        .select_related("user", "reply")
        .order_by("-created_at")
    )


def reviews_for_merchant(merchant: Merchant, *, include_hidden: bool = False) -> QuerySet[Review]:
    qs = Review.objects.filter(merchant=merchant)
    if not include_hidden:
        qs = qs.filter(status=Review.Status.VISIBLE)
    return qs.select_related("user", "reply", "offer").order_by("-created_at")
