"""Reads for the merchant dashboard that combine the apps: each deal's
marketing funnel (views, orders, paid units, redemptions, reviews) and the
headline numbers."""

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from merchants.models import Merchant
from offers.models import Offer
from orders.models import Order, Redemption, Voucher
from orders.rules import PAID_STATUSES, used
from reviews.models import Review


def _count(qs: QuerySet, field: str = "pk") -> Coalesce:  # type: ignore[type-arg]
    """A correlated COUNT/SUM per offer, so one query serves the whole table."""
    return Coalesce(Subquery(qs.values("offer").annotate(n=Count(field)).values("n")[:1]), 0)


def offer_funnel(merchant: Merchant) -> QuerySet[Offer]:
    """Each offer of the merchant with its marketing funnel:
    views → orders → paid units → redeemed vouchers → reviews."""
    paid = PAID_STATUSES
    return (
        Offer.objects.filter(merchant=merchant)
        .select_related("category")
        .annotate(
            n_orders=_count(Order.objects.filter(offer=OuterRef("pk"))),
            n_paid_units=Coalesce(
                Subquery(
                    Order.objects.filter(offer=OuterRef("pk"), status__in=paid)
                    .values("offer")
                    .annotate(n=Sum("quantity"))
                    .values("n")[:1]
                ),
                0,
            ),
            n_redeemed=_count(Voucher.objects.filter(used(), offer=OuterRef("pk"))),
            n_reviews=_count(
                Review.objects.filter(offer=OuterRef("pk"), status=Review.Status.VISIBLE)
            ),
        )
        .order_by("-status", "-updated_at")
    )


def merchant_summary(merchant: Merchant) -> dict[str, int]:
    """Headline numbers for the dashboard, each one aggregate query."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    paid = PAID_STATUSES
    repeat = (
        Order.objects.filter(offer__merchant=merchant, status__in=paid)
        .values("user")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "live_offers": Offer.objects.filter(merchant=merchant, status=Offer.Status.LIVE).count(),
        "vouchers_sold": Order.objects.filter(offer__merchant=merchant, status__in=paid).aggregate(
            n=Coalesce(Sum("quantity"), 0)
        )["n"],
        "redeemed_today": Redemption.objects.filter(
            voucher__offer__merchant=merchant, created_at__gte=today, undone_at__isnull=True
        ).count(),
        "reviews": Review.objects.filter(merchant=merchant, status=Review.Status.VISIBLE).count(),
        "repeat_customers": repeat,
    }
