"""Reads of orders and vouchers; each is scoped to who may see it."""

from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from merchants.models import Membership, Merchant
from merchants.selectors import stores_member_works_at
from offers.models import Offer

from .models import Order, Redemption, Voucher


def units_held(offer_id: int, unpaid_only: bool) -> int:
    """Units of the offer sold, or reserved by unpaid orders (with
    `unpaid_only`, those reserved only). Registered with offers.stock."""
    statuses = [Order.Status.PENDING_PAYMENT]
    if not unpaid_only:
        statuses += [Order.Status.PAID, Order.Status.COMPLETED]
    held = Order.objects.filter(offer_id=offer_id, status__in=statuses)
    return held.aggregate(n=Sum("quantity"))["n"] or 0


def orders_for_user(user: User) -> QuerySet[Order]:
    return Order.objects.filter(user_id=user.pk).select_related("offer__merchant")


def order_for_user(*, user: User, order_id: int) -> Order:
    """The user's own order; someone else's is indistinguishable from none."""
    return orders_for_user(user).get(pk=order_id)


def vouchers_for_user(user: User) -> QuerySet[Voucher]:
    return (
        Voucher.objects.filter(user_id=user.pk)
        .select_related("offer__merchant", "order", "review")
        .order_by("status", "expires_at", "pk")
    )


def voucher_for_user(*, user: User, voucher_id: int) -> Voucher:
    return vouchers_for_user(user).get(pk=voucher_id)


def orders_for_merchant(merchant: Merchant) -> QuerySet[Order]:
    return (
        Order.objects.filter(offer__merchant=merchant)
        .select_related("offer", "user")
        .order_by("-created_at")
    )


def redemptions_for_member(membership: Membership) -> QuerySet[Redemption]:
    """The redemptions a member of staff may see: their merchant's, at the
    stores where they may act (merchants.selectors.works_at)."""
    return (
        Redemption.objects.filter(
            voucher__offer__merchant_id=membership.merchant_id,
            store__in=stores_member_works_at(membership),
        )
        .select_related("voucher__offer", "store", "by")
        .order_by("-created_at")
    )


def _count(qs: QuerySet, field: str = "pk") -> Coalesce:  # type: ignore[type-arg]
    """A correlated COUNT/SUM per offer, so one query serves the whole table."""
    return Coalesce(Subquery(qs.values("offer").annotate(n=Count(field)).values("n")[:1]), 0)


def offer_funnel(merchant: Merchant) -> QuerySet[Offer]:
    """Each offer of the merchant with its marketing funnel:
    views → orders → paid units → redeemed vouchers → reviews."""
    from reviews.models import Review

    paid = [Order.Status.PAID, Order.Status.COMPLETED]
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
            n_redeemed=_count(
                Voucher.objects.filter(offer=OuterRef("pk")).exclude(uses_left=F("uses_allowed"))
            ),
            n_reviews=_count(
                Review.objects.filter(offer=OuterRef("pk"), status=Review.Status.VISIBLE)
            ),
        )
        .order_by("-status", "-updated_at")
    )


def merchant_summary(merchant: Merchant) -> dict[str, int]:
    """Headline numbers for the dashboard, each one aggregate query."""
    from reviews.models import Review

    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    paid = [Order.Status.PAID, Order.Status.COMPLETED]
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
