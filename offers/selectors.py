"""Reads of offers for consumers: what is visible, lists, the offer page."""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from merchants.models import Category, City, Merchant, Store
from merchants.selectors import top_rated_merchants

from .filters import OfferFilter
from .models import Offer


def visible_offers() -> QuerySet[Offer]:
    """Live offers of approved merchants, inside their sale window."""
    now = timezone.now()
    return Offer.objects.filter(
        status=Offer.Status.LIVE,
        merchant__status=Merchant.Status.APPROVED,
    ).filter(
        Q(sale_starts_at__isnull=True) | Q(sale_starts_at__lte=now),
        Q(sale_ends_at__isnull=True) | Q(sale_ends_at__gt=now),
    )


def offers_for_cards(qs: QuerySet[Offer]) -> QuerySet[Offer]:
    """What an offer card shows, fetched in a fixed number of queries."""
    return qs.select_related("merchant", "category").prefetch_related(
        Prefetch("stores", queryset=Store.objects.select_related("district").order_by("pk"))
    )


def offer_list(*, params: Any, city: City | None = None) -> OfferFilter:
    qs = visible_offers()
    if city is not None:
        qs = qs.filter(merchant__city=city)
    qs = offers_for_cards(qs).order_by("-sold_count", "-pk")
    return OfferFilter(params, queryset=qs)


def home(*, city: City | None) -> dict[str, Any]:
    qs = visible_offers()
    if city is not None:
        qs = qs.filter(merchant__city=city)
    cards = offers_for_cards(qs)
    return {
        "categories": list(Category.objects.all()),
        "hot_offers": list(cards.order_by("-sold_count", "-pk")[:8]),
        "new_offers": list(cards.order_by("-published_at", "-pk")[:8]),
        "top_merchants": list(top_rated_merchants(city=city)),
    }


def offer_detail(*, offer_id: int, user: User | None = None) -> Offer:
    """The offer page. Staff of the merchant and admins may preview offers
    that are not live; everyone else gets DoesNotExist."""
    qs = Offer.objects.select_related("merchant", "category", "merchant__city").prefetch_related(
        Prefetch("stores", queryset=Store.objects.select_related("district").order_by("pk")),
        "images",
    )
    offer = qs.get(pk=offer_id)
    if offer.is_live and offer.merchant.is_approved:
        return offer
    if (
        user is not None
        and user.is_authenticated
        and (user.is_staff or offer.merchant.memberships.filter(user_id=user.pk).exists())
    ):
        return offer
    if offer.status == Offer.Status.ENDED and offer.merchant.is_approved:
        return offer  # shareable links keep working and say the deal has ended
    raise Offer.DoesNotExist


def merchant_offers(*, merchant: Merchant) -> QuerySet[Offer]:
    return offers_for_cards(visible_offers().filter(merchant=merchant)).order_by("-sold_count")


def offers_for_merchant_dashboard(*, merchant: Merchant) -> QuerySet[Offer]:
    return (
        Offer.objects.filter(merchant=merchant).select_related("category").order_by("-updated_at")
    )
