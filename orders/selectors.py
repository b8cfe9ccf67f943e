"""Reads of orders and vouchers; each is scoped to who may see it."""

from django.db.models import QuerySet, Sum

from accounts.models import User
from merchants.models import Merchant
from offers.models import Offer

from .models import Order, Redemption, Voucher


def units_taken(offer: Offer) -> int:
    """Units sold or reserved by unpaid orders."""
    return (
        Order.objects.filter(
            offer=offer,
            status__in=[Order.Status.PENDING_PAYMENT, Order.Status.PAID, Order.Status.COMPLETED],
        ).aggregate(n=Sum("quantity"))["n"]
        or 0
    )


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


def redemptions_for_merchant(merchant: Merchant) -> QuerySet[Redemption]:
    return (
        Redemption.objects.filter(voucher__offer__merchant=merchant)
        .select_related("voucher__offer", "store", "by")
        .order_by("-created_at")
    )
