"""Buying: an order reserves units, is paid (vouchers issued) or cancelled.

Locks are taken in the same order: user, offer, order, then its payment
(payments.services) and the vouchers it issues.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2o.errors import Conflict, DomainError, NotFound
from o2o.http import parse_id, parse_int
from o2o.models import check_transition
from offers import stock
from offers.models import Offer
from offers.selectors import offer_for_order

from .. import signals
from ..codes import generate_code
from ..models import DiscountBy, Order, Voucher
from ..rules import ACTIVE_ORDER_STATUSES, PAID_STATUSES
from . import coupons
from ._base import order_event

SOLD_OUT = stock.SOLD_OUT


def _parse_quantity(quantity: object) -> int:
    value = parse_int(quantity)
    if value is None:
        raise DomainError("invalid_quantity", _("Quantity must be a whole number."))
    if value < 1:
        raise DomainError("invalid_quantity", _("Quantity must be at least 1."))
    if value > settings.MAX_ORDER_QUANTITY:
        raise DomainError(
            "invalid_quantity",
            _("You can buy at most %(n)s at once.") % {"n": settings.MAX_ORDER_QUANTITY},
        )
    return value


def units_bought(*, user: User, offer: Offer) -> int:
    return (
        Order.objects.filter(user=user, offer=offer, status__in=ACTIVE_ORDER_STATUSES).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )


def order_create(
    *,
    user: User,
    offer_id: object,
    quantity: object,
    coupon_id: object = None,
    promo_code: object = None,
) -> Order:
    """Reserve `quantity` units of a live offer for `user`, unpaid, less a
    coupon of theirs (`coupon_id`) or one a promo code gives (`promo_code`).

    The stock is taken by the offer's own conditional UPDATE
    (offers.stock.stock_take), so however many buyers arrive at once the offer
    never sells more than it has. Once it has found nothing left, a flash
    crowd's later requests are answered from a short-lived hint without a
    transaction. A coupon discounts one order: the same conditional UPDATE
    idea spends it (orders.services.coupons.coupon_spend).
    """
    qty = _parse_quantity(quantity)
    offer_pk = parse_id(offer_id)
    if offer_pk is None:
        raise NotFound("offer_not_found", _("This deal does not exist."))
    if stock.known_sold_out(offer_pk):
        raise Conflict("sold_out", SOLD_OUT)
    return _order_create(
        user=user, offer_pk=offer_pk, qty=qty, coupon_id=coupon_id, promo_code=promo_code
    )


@transaction.atomic
def _order_create(
    *, user: User, offer_pk: int, qty: int, coupon_id: object = None, promo_code: object = None
) -> Order:
    found = offer_for_order(offer_pk)
    if found is None:
        raise NotFound("offer_not_found", _("This deal does not exist."))
    offer, on_sale = found
    if not on_sale:
        raise Conflict("offer_not_available", _("This deal is not on sale right now."))

    if offer.limit_per_user is not None:
        # One buyer's orders are serialised by locking their row, so two tabs
        # cannot both slip under the per-customer limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        already = units_bought(user=user, offer=offer)
        if already + qty > offer.limit_per_user:
            raise Conflict(
                "limit_exceeded",
                _("You can buy at most %(limit)s of this deal; you already have %(n)s.")
                % {"limit": offer.limit_per_user, "n": already},
            )

    subtotal = offer.price * qty
    coupon = None
    if coupon_id is not None or promo_code is not None:
        coupon = coupons.coupon_to_spend(
            user=user, offer=offer, subtotal=subtotal, coupon_id=coupon_id, promo_code=promo_code
        )
    discount = coupons.coupon_discount(coupon.campaign, subtotal) if coupon else Decimal("0.00")
    order = Order.objects.create(
        user=user,
        offer=offer,
        quantity=qty,
        unit_price=offer.price,
        subtotal=subtotal,
        discount=discount,
        discount_by=coupons.discount_by(coupon.campaign) if coupon else "",
        total=subtotal - discount,
        currency=offer.currency,
        payment_deadline=timezone.now() + settings.PAYMENT_WINDOW,
    )
    order_event(order, "created", by=user)
    if coupon is not None:
        coupons.coupon_spend(coupon=coupon, order=order)
    if offer.stock is not None:
        # Last, so the offer's row lock, which every buyer of a flash deal
        # queues for, is held only from here to the commit.
        stock.stock_take(offer=offer, qty=qty)
    return order


@transaction.atomic
def order_cancel(*, order_id: int, by: User | None = None, reason: str = "cancelled") -> Order:
    """Cancel an unpaid order and give its units back to the offer's stock."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if by is not None and not by.is_staff and order.user_id != by.pk:
        raise NotFound("order_not_found", _("Order not found."))
    check_transition(Order, order.status, Order.Status.CANCELLED)
    stock.stock_give_back(offer_id=order.offer_id, qty=order.quantity)
    coupons.coupon_give_back(order=order)
    order_event(order, "cancelled", by=by, to=Order.Status.CANCELLED, note=reason)
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    return order


def commission_rate_for(offer: Offer) -> Decimal:
    """The deal's own rate, else its merchant's, else the platform's."""
    if offer.commission_rate is not None:
        return offer.commission_rate
    if offer.merchant.commission_rate is not None:
        return offer.merchant.commission_rate
    return settings.PLATFORM_COMMISSION_RATE


@transaction.atomic
def order_mark_paid(*, order_id: int, amount: Decimal, currency: str, payer: str = "") -> Order:
    """The gateway captured `amount` for the order: issue one voucher per unit.
    `payer`: who paid, as the provider tells it (a fingerprint; Order.payer).

    Safe to call again for the same order (a repeated or late gateway report):
    vouchers are issued once, guarded by the row lock and by the unique
    (order, number) constraint. Raises Conflict if the order was cancelled,
    so the caller can refund the capture.
    """
    order = Order.objects.select_for_update().select_related("offer__merchant").get(pk=order_id)
    if order.status in PAID_STATUSES:
        return order
    if order.status == Order.Status.CANCELLED:
        raise Conflict("order_cancelled", _("This order was cancelled before it was paid."))
    if amount != order.total or currency != order.currency:
        raise DomainError(
            "amount_mismatch",
            _("The amount paid does not match the order total."),
        )
    check_transition(Order, order.status, Order.Status.PAID)
    now = timezone.now()
    offer = order.offer
    order_event(order, "paid", to=Order.Status.PAID)
    order.status = Order.Status.PAID
    order.paid_at = now
    order.commission_rate = commission_rate_for(offer)
    order.vouchers_usable = order.quantity
    order.payer = payer[: Order._meta.get_field("payer").max_length]  # type: ignore[union-attr]
    order.save(
        update_fields=[
            "status",
            "paid_at",
            "commission_rate",
            "vouchers_usable",
            "payer",
            "updated_at",
        ]
    )

    expires_at = now + timedelta(days=offer.validity_days)
    off = coupons.discount_shares(order.discount, order.quantity)
    platform_pays = order.discount_by == DiscountBy.PLATFORM
    Voucher.objects.bulk_create(
        [
            Voucher(
                order=order,
                offer=offer,
                user_id=order.user_id,
                number=n,
                code=generate_code(),
                value=order.unit_price - off[n - 1],
                subsidy=off[n - 1] if platform_pays else Decimal("0.00"),
                currency=order.currency,
                uses_allowed=offer.uses_per_voucher,
                uses_left=offer.uses_per_voucher,
                expires_at=expires_at,
            )
            for n in range(1, order.quantity + 1)
        ]
    )
    stock.stock_count_sold(offer_id=offer.pk, qty=order.quantity)
    signals.order_paid.send(sender=Order, order=order)
    return order


def cancel_unpaid_orders(*, now: datetime | None = None) -> int:
    """Cancel orders whose payment window ran out. Idempotent."""
    now = now or timezone.now()
    ids = list(
        Order.objects.filter(status=Order.Status.PENDING_PAYMENT, payment_deadline__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    cancelled = 0
    for order_id in ids:
        try:
            order_cancel(order_id=order_id, reason="payment_window_passed")
            cancelled += 1
        except Conflict:
            continue  # paid or cancelled meanwhile
    return cancelled
