"""Every write on orders, vouchers and redemptions.

Locks are always taken in the same order: user, offer, order, voucher.
"""

import logging
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from merchants.models import Store
from merchants.services import staff_membership
from o2o import pagecache
from o2o.errors import Conflict, DomainError, NotFound, PermissionDenied
from o2o.models import check_transition
from o2o.tasks import enqueue
from offers.models import Offer
from offers.selectors import visible_offers
from payments import ledger

from . import soldout
from .codes import generate_code, normalize_code
from .models import Order, OrderEvent, Redemption, Voucher

logger = logging.getLogger(__name__)

ACTIVE_ORDER_STATUSES = (
    Order.Status.PENDING_PAYMENT,
    Order.Status.PAID,
    Order.Status.COMPLETED,
)


class RedemptionRefused(DomainError):
    """A voucher could not be redeemed; `code` says why."""


def _parse_quantity(quantity: object) -> int:
    try:
        value = int(str(quantity))
    except (TypeError, ValueError):
        raise DomainError("invalid_quantity", _("Quantity must be a whole number.")) from None
    if value < 1:
        raise DomainError("invalid_quantity", _("Quantity must be at least 1."))
    if value > settings.MAX_ORDER_QUANTITY:
        raise DomainError(
            "invalid_quantity",
            _("You can buy at most %(n)s at once.") % {"n": settings.MAX_ORDER_QUANTITY},
        )
    return value


def _event(
    order: Order, kind: str, *, by: User | None = None, to: str = "", note: str = ""
) -> None:
    OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=order.status,
        to_status=to or order.status,
        by=by,
        note=note,
    )


def units_bought(*, user: User, offer: Offer) -> int:
    return (
        Order.objects.filter(user=user, offer=offer, status__in=ACTIVE_ORDER_STATUSES).aggregate(
            n=Sum("quantity")
        )["n"]
        or 0
    )


SOLD_OUT = _("Sorry, this deal is sold out.")


def order_create(*, user: User, offer_id: object, quantity: object) -> Order:
    """Reserve `quantity` units of a live offer for `user`, unpaid.

    Stock is taken by one conditional UPDATE, so however many buyers arrive
    at once the offer never sells more than it has. Once that UPDATE has found
    nothing left, a flash crowd's later requests are answered from a
    short-lived hint (orders.soldout) without a transaction.
    """
    qty = _parse_quantity(quantity)
    try:
        offer_pk = int(str(offer_id))
    except (ValueError, TypeError):
        raise NotFound("offer_not_found", _("This deal does not exist.")) from None
    if soldout.known(offer_pk):
        raise Conflict("sold_out", SOLD_OUT)
    return _order_create(user=user, offer_pk=offer_pk, qty=qty)


@transaction.atomic
def _order_create(*, user: User, offer_pk: int, qty: int) -> Order:
    offer = visible_offers().select_related("merchant").filter(pk=offer_pk).first()
    if offer is None:
        if Offer.objects.filter(pk=offer_pk).exists():
            raise Conflict("offer_not_available", _("This deal is not on sale right now."))
        raise NotFound("offer_not_found", _("This deal does not exist."))

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

    order = Order.objects.create(
        user=user,
        offer=offer,
        quantity=qty,
        unit_price=offer.price,
        total=offer.price * qty,
        currency=offer.currency,
        payment_deadline=timezone.now() + settings.PAYMENT_WINDOW,
    )
    _event(order, "created", by=user)

    if offer.stock is not None:
        # The deal page's count is exact; the lists learn of a sell-out at once
        # (as far as this read of the stock can tell) or within their cache time.
        pagecache.offer_stock_changed(
            offer.pk, crossed_zero=offer.stock_left is not None and offer.stock_left <= qty
        )
        # Last, so the offer's row lock, which every buyer of a flash deal
        # queues for, is held only from here to the commit.
        taken = Offer.objects.filter(
            pk=offer.pk, status=Offer.Status.LIVE, stock_left__gte=qty
        ).update(stock_left=F("stock_left") - qty)
        if not taken:
            left = Offer.objects.values_list("stock_left", flat=True).get(pk=offer.pk) or 0
            if left == 0:
                soldout.remember(offer.pk)
                raise Conflict("sold_out", SOLD_OUT)
            raise Conflict(
                "not_enough_stock", _("Only %(n)s left: please lower the quantity.") % {"n": left}
            )
    return order


@transaction.atomic
def order_cancel(*, order_id: int, by: User | None = None, reason: str = "cancelled") -> Order:
    """Cancel an unpaid order and give its units back to the offer's stock."""
    order = Order.objects.select_for_update().get(pk=order_id)
    if by is not None and not by.is_staff and order.user_id != by.pk:
        raise NotFound("order_not_found", _("Order not found."))
    check_transition(Order, order.status, Order.Status.CANCELLED)
    returned = Offer.objects.filter(pk=order.offer_id, stock_left__isnull=False).update(
        stock_left=F("stock_left") + order.quantity
    )
    if returned:
        soldout.forget(order.offer_id)
        left = Offer.objects.values_list("stock_left", flat=True).get(pk=order.offer_id)
        pagecache.offer_stock_changed(order.offer_id, crossed_zero=left == order.quantity)
    _event(order, "cancelled", by=by, to=Order.Status.CANCELLED, note=reason)
    order.status = Order.Status.CANCELLED
    order.cancelled_at = timezone.now()
    order.save(update_fields=["status", "cancelled_at", "updated_at"])
    return order


def commission_rate_for(offer: Offer) -> Decimal:
    if offer.commission_rate is not None:
        return offer.commission_rate
    if offer.merchant.commission_rate is not None:
        return offer.merchant.commission_rate
    return settings.PLATFORM_COMMISSION_RATE


@transaction.atomic
def order_mark_paid(*, order_id: int, amount: Decimal, currency: str) -> Order:
    """The gateway captured `amount` for the order: issue one voucher per unit.

    Safe to call again for the same order (a repeated or late gateway report):
    vouchers are issued once, guarded by the row lock and by the unique
    (order, number) constraint. Raises Conflict if the order was cancelled,
    so the caller can refund the capture.
    """
    order = Order.objects.select_for_update().select_related("offer__merchant").get(pk=order_id)
    if order.status in (Order.Status.PAID, Order.Status.COMPLETED):
        return order
    if order.status == Order.Status.CANCELLED:
        raise Conflict("order_cancelled", _("This order was cancelled before it was paid."))
    if amount != order.total or currency != order.currency:
        raise DomainError(
            "amount_mismatch",
            _("The amount paid does not match the order total."),
        )
    now = timezone.now()
    offer = order.offer
    _event(order, "paid", to=Order.Status.PAID)
    order.status = Order.Status.PAID
    order.paid_at = now
    order.commission_rate = commission_rate_for(offer)
    order.save(update_fields=["status", "paid_at", "commission_rate", "updated_at"])

    expires_at = now + timedelta(days=offer.validity_days)
    Voucher.objects.bulk_create(
        [
            Voucher(
                order=order,
                offer=offer,
                user_id=order.user_id,
                number=n,
                code=generate_code(),
                value=order.unit_price,
                currency=order.currency,
                uses_allowed=offer.uses_per_voucher,
                uses_left=offer.uses_per_voucher,
                expires_at=expires_at,
            )
            for n in range(1, order.quantity + 1)
        ]
    )
    Offer.objects.filter(pk=offer.pk).update(sold_count=F("sold_count") + order.quantity)
    pagecache.offer_stock_changed(offer.pk)

    from notifications.tasks import notify_order_paid

    enqueue(notify_order_paid, order.pk)
    return order


def _lock_voucher_by_code(raw_code: str) -> Voucher:
    code = normalize_code(raw_code)
    if code is None:
        raise RedemptionRefused(
            "malformed_code",
            _("That is not a valid voucher code. Check it and try again."),
        )
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("offer__merchant", "order")
        .filter(code=code)
        .first()
    )
    if voucher is None:
        raise RedemptionRefused("unknown_code", _("No voucher has this code."), status=404)
    return voucher


@transaction.atomic
def voucher_redeem(*, code: str, store: Store, by: User) -> Redemption:
    """Consume one use of a voucher at a store, by a member of its merchant's staff."""
    voucher = _lock_voucher_by_code(code)
    offer = voucher.offer
    staff_membership(
        by, offer.merchant, store=store if store.merchant_id == offer.merchant_id else None
    )
    if store.merchant_id != offer.merchant_id or not offer.stores.filter(pk=store.pk).exists():
        raise RedemptionRefused(
            "not_usable_at_store",
            _("This voucher cannot be used at %(store)s.") % {"store": store.name},
            status=409,
        )
    now = timezone.now()
    if voucher.status == Voucher.Status.REDEEMED:
        last = voucher.redemptions.filter(undone_at__isnull=True).select_related("store").first()
        when = timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M") if last else ""
        raise RedemptionRefused(
            "already_redeemed",
            _("This voucher was already used (%(when)s).") % {"when": when},
            status=409,
        )
    if voucher.status == Voucher.Status.REFUNDED:
        raise RedemptionRefused("voucher_refunded", _("This voucher was refunded."), status=409)
    if voucher.status == Voucher.Status.EXPIRED or voucher.expires_at <= now:
        raise RedemptionRefused("voucher_expired", _("This voucher has expired."), status=409)

    # The row lock already serialises cashiers; the conditional UPDATE is the
    # belt to those braces (and the only guard on databases without locks).
    # The last use also marks the voucher redeemed, in the same statement.
    last_use = Q(uses_left=1)
    used = Voucher.objects.filter(
        pk=voucher.pk, status=Voucher.Status.ISSUED, uses_left__gt=0
    ).update(
        uses_left=F("uses_left") - 1,
        status=Case(When(last_use, then=Value(Voucher.Status.REDEEMED)), default=F("status")),
        redeemed_at=Case(When(last_use, then=Value(now)), default=F("redeemed_at")),
        updated_at=now,
    )
    if not used:
        raise RedemptionRefused("already_redeemed", _("This voucher was already used."), status=409)
    voucher.uses_left -= 1  # what the UPDATE wrote: nobody else can touch the locked row
    if voucher.uses_left == 0:
        voucher.status = Voucher.Status.REDEEMED
        voucher.redeemed_at = now
    redemption = Redemption.objects.create(voucher=voucher, store=store, by=by)
    redemption.voucher = voucher
    ledger.book_redemption(redemption, use_number=voucher.uses_allowed - voucher.uses_left)
    _event(voucher.order, "redeemed", by=by, note=f"voucher {voucher.pk} at store {store.pk}")
    if voucher.status == Voucher.Status.REDEEMED:
        _complete_orders_without_usable_vouchers([voucher.order_id], now)

    from notifications.tasks import notify_redeemed

    enqueue(notify_redeemed, redemption.pk)
    return redemption


@transaction.atomic
def redemption_undo(*, redemption_id: int, by: User) -> Redemption:
    """Give a use back, within the undo window, for a cashier's mistake."""
    redemption = (
        Redemption.objects.select_related("voucher__offer__merchant", "store")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None:
        raise NotFound("redemption_not_found", _("Redemption not found."))
    staff_membership(by, redemption.voucher.offer.merchant)
    voucher = Voucher.objects.select_for_update().get(pk=redemption.voucher_id)
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    if redemption.undone_at is not None:
        raise Conflict("already_undone", _("This redemption was already undone."))
    if timezone.now() - redemption.created_at > settings.REDEMPTION_UNDO_WINDOW:
        raise Conflict(
            "undo_window_passed",
            _("A redemption can only be undone within %(n)s minutes.")
            % {"n": int(settings.REDEMPTION_UNDO_WINDOW.total_seconds() // 60)},
        )
    if hasattr(voucher, "review"):
        raise Conflict("already_reviewed", _("The customer has already reviewed this visit."))
    now = timezone.now()
    redemption.undone_at = now
    redemption.undone_by = by
    redemption.save(update_fields=["undone_at", "undone_by"])
    ledger.book_undo(redemption)
    voucher.uses_left = F("uses_left") + 1
    if voucher.status == Voucher.Status.REDEEMED:
        voucher.status = Voucher.Status.ISSUED
        voucher.redeemed_at = None
    voucher.save(update_fields=["uses_left", "status", "redeemed_at", "updated_at"])
    order = Order.objects.select_for_update().get(pk=voucher.order_id)
    _event(order, "redemption_undone", by=by, note=f"voucher {voucher.pk}")
    if order.status == Order.Status.COMPLETED:
        order.status = Order.Status.PAID
        order.save(update_fields=["status", "updated_at"])
    return redemption


class RefundReason:
    CUSTOMER = "customer"
    EXPIRY = "expiry"
    ADMIN = "admin"
    EXTERNAL = "external"  # refunded at the provider, outside the platform


@transaction.atomic
def voucher_refund(
    *, voucher_id: int, by: User | None, reason: str, reference: str = ""
) -> Voucher:
    """Refund an unused voucher: the consumer's request (if the offer allows
    it), or an admin's decision. The money moves through the gateway after
    commit; the voucher is unusable from this moment on."""
    voucher = (
        Voucher.objects.select_for_update(of=("self",))
        .select_related("offer")
        .filter(pk=voucher_id)
        .first()
    )
    if voucher is None:
        raise NotFound("voucher_not_found", _("Voucher not found."))
    if reason == RefundReason.CUSTOMER:
        if by is None or voucher.user_id != by.pk:
            raise NotFound("voucher_not_found", _("Voucher not found."))
        if not voucher.offer.refundable:
            raise Conflict("not_refundable", _("This deal cannot be refunded."))
    elif reason == RefundReason.ADMIN and (by is None or not by.is_staff):
        raise PermissionDenied("admins_only", _("Only admins can do this."))
    if voucher.status == Voucher.Status.REFUNDED:
        raise Conflict("already_refunded", _("This voucher was already refunded."))
    if voucher.status == Voucher.Status.REDEEMED or voucher.uses_left < voucher.uses_allowed:
        raise Conflict("already_redeemed", _("A used voucher cannot be refunded."))
    if voucher.status == Voucher.Status.EXPIRED:
        raise Conflict("voucher_expired", _("This voucher has expired."))
    now = timezone.now()
    voucher.status = Voucher.Status.REFUNDED
    voucher.refunded_at = now
    voucher.save(update_fields=["status", "refunded_at", "updated_at"])
    order = Order.objects.get(pk=voucher.order_id)
    _event(order, "voucher_refunded", by=by, note=f"voucher {voucher.pk}: {reason}")

    from payments.services import refund_request

    refund_request(
        order=order, voucher=voucher, amount=voucher.value, reason=reason, reference=reference
    )
    _complete_orders_without_usable_vouchers([order.pk], now)
    return voucher


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


def expire_vouchers(
    *, now: datetime | None = None, batch_size: int = 1000, deadline: float | None = None
) -> int:
    """Vouchers past validity become expired, or refunded when their offer
    refunds on expiry. Works in batches of locked rows, skipping rows another
    worker holds, so several workers can share the work; idempotent. Stops
    between batches once time.monotonic() passes `deadline`."""
    now = now or timezone.now()
    done = 0
    if connection.vendor == "postgresql":
        done += _expire_in_sql(now=now, batch_size=batch_size, deadline=deadline)
    return done + _expire_in_python(now=now, batch_size=batch_size, deadline=deadline)


def vouchers_to_expire(*, now: datetime | None = None, more_than: int = 0) -> bool:
    """Are more than `more_than` vouchers waiting to expire?"""
    waiting = Voucher.objects.filter(
        status=Voucher.Status.ISSUED, expires_at__lte=now or timezone.now()
    )
    return waiting[more_than : more_than + 1].exists()


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# One statement per batch on PostgreSQL for vouchers that simply expire (the
# nightly millions): lock a batch, mark it expired, book the untouched ones'
# earnings and write the order events. Vouchers to refund on expiry are left
# to _expire_in_python. Composed of constants only; values are parameters.
EXPIRE_BATCH_SQL = "".join(
    (
        """
WITH batch AS (
    SELECT v.id, v.expires_at FROM orders_voucher v
    WHERE v.status = 'issued' AND v.expires_at <= %(now)s
      AND (v.expires_at, v.id) > (%(after_at)s, %(after_id)s)
      AND (v.uses_left < v.uses_allowed OR NOT EXISTS (
          SELECT 1 FROM offers_offer f WHERE f.id = v.offer_id AND f.refund_on_expiry
      ))
    ORDER BY v.expires_at, v.id
    LIMIT %(limit)s
    FOR UPDATE OF v SKIP LOCKED
), expired AS (
    UPDATE orders_voucher v SET status = 'expired', updated_at = %(now)s
    FROM batch WHERE v.id = batch.id AND v.status = 'issued'
    RETURNING v.id, v.order_id, v.offer_id, v.value, v.currency, v.uses_left, v.uses_allowed
), expiring AS (""",
        ledger.EXPIRING_FROM_EXPIRED,
        """), booked AS (""",
        ledger.EXPIRY_LEGS_INSERT,
        """), events AS (
    INSERT INTO orders_orderevent (order_id, kind, from_status, to_status, note, created_at)
    SELECT DISTINCT order_id, 'vouchers_expired', '', '', '', %(now)s FROM expired
)
SELECT count(*),
       coalesce(array_agg(DISTINCT order_id), '{}'),
       coalesce(array_agg(id) FILTER (WHERE uses_left < uses_allowed), '{}'),
       (SELECT expires_at FROM batch ORDER BY expires_at DESC, id DESC LIMIT 1),
       (SELECT id FROM batch ORDER BY expires_at DESC, id DESC LIMIT 1)
FROM expired
""",
    )
)


def _expire_in_sql(*, now: datetime, batch_size: int, deadline: float | None) -> int:
    # Each worker walks the partial index forward from where its last batch
    # ended, so it never rescans the rows done (or held) before; rows a
    # failed worker let go are left to the next run.
    after_at, after_id = EPOCH, 0
    done = 0
    while not _out_of_time(deadline):
        with transaction.atomic(), connection.cursor() as cursor:
            params: dict[str, datetime | int] = {
                "now": now,
                "limit": batch_size,
                "after_at": after_at,
                "after_id": after_id,
            }
            cursor.execute(EXPIRE_BATCH_SQL, params)
            count, order_ids, partly_used, last_at, last_id = cursor.fetchone()
            if last_id is None:
                return done
            after_at, after_id = last_at, last_id
            # What a partly used voucher still held needs its ledger history.
            ledger.book_expiries_in_python(partly_used)
            _complete_orders_without_usable_vouchers(order_ids, now)
            done += count
    return done


def _complete_orders_without_usable_vouchers(order_ids: Iterable[int], now: datetime) -> None:
    """A paid order is completed when none of its vouchers can be used any more."""
    Order.objects.filter(pk__in=order_ids, status=Order.Status.PAID).exclude(
        vouchers__status=Voucher.Status.ISSUED
    ).update(status=Order.Status.COMPLETED, updated_at=now)


def _expire_in_python(*, now: datetime, batch_size: int, deadline: float | None) -> int:
    from payments.services import refunds_request_bulk

    after_at, after_id = EPOCH, 0  # as in _expire_in_sql
    done = 0
    while not _out_of_time(deadline):
        with transaction.atomic():
            rows = list(
                Voucher.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=Voucher.Status.ISSUED, expires_at__lte=now)
                .filter(Q(expires_at__gt=after_at) | Q(expires_at=after_at, pk__gt=after_id))
                .order_by("expires_at", "pk")
                .values(
                    "pk",
                    "order_id",
                    "value",
                    "uses_left",
                    "uses_allowed",
                    "expires_at",
                    "offer__refund_on_expiry",
                )[:batch_size]
            )
            if not rows:
                return done
            after_at, after_id = rows[-1]["expires_at"], rows[-1]["pk"]
            to_refund = [
                r
                for r in rows
                if r["offer__refund_on_expiry"] and r["uses_left"] == r["uses_allowed"]
            ]
            refund_ids = {r["pk"] for r in to_refund}
            expire_ids = [r["pk"] for r in rows if r["pk"] not in refund_ids]
            Voucher.objects.filter(pk__in=expire_ids, status=Voucher.Status.ISSUED).update(
                status=Voucher.Status.EXPIRED, updated_at=now
            )
            # What an expired, unrefunded voucher still held is earned by its merchant.
            ledger.book_expiries_bulk(expire_ids)
            Voucher.objects.filter(pk__in=refund_ids, status=Voucher.Status.ISSUED).update(
                status=Voucher.Status.REFUNDED, refunded_at=now, updated_at=now
            )
            refunds_request_bulk(vouchers=[dict(r) for r in to_refund], reason=RefundReason.EXPIRY)
            order_ids = {r["order_id"] for r in rows}
            OrderEvent.objects.bulk_create(
                [OrderEvent(order_id=oid, kind="vouchers_expired") for oid in order_ids]
            )
            _complete_orders_without_usable_vouchers(order_ids, now)
            done += len(rows)
    return done
