"""Reads of orders and vouchers; each is scoped to who may see it."""

from django.db.models import QuerySet, Sum

from accounts.models import User
from merchants.models import Membership, Merchant
from merchants.selectors import stores_member_works_at

from .models import Order, Redemption, Voucher
from .rules import ACTIVE_ORDER_STATUSES


def units_held(offer_id: int, unpaid_only: bool) -> int:
    """Units of the offer sold, or reserved by unpaid orders (with
    `unpaid_only`, those reserved only). Registered with offers.stock."""
    statuses = [Order.Status.PENDING_PAYMENT] if unpaid_only else ACTIVE_ORDER_STATUSES
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
