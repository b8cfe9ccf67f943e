"""Every write on orders, vouchers and redemptions.

Locks are taken in the same order: user, offer, order, then its payment
(payments.services) and the vouchers it issues. A voucher's use, refund or
expiry locks the voucher first and then its order (a refund then the
payment); nothing locks an order and then its existing vouchers, and
nothing locks a payment and then its order.
"""

import functools
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Field, Q, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from merchants.services import (
    require_staff,
    require_staff_at_store,
    staff_membership,
    store_not_found,
)
from notifications.services import (
    REDEEMED_NOTICE_INSERT,
    notify_redeemed,
    redeemed_notice,
    redeemed_notice_params,
)
from o2o import pagecache, rawsql
from o2o.errors import Conflict, DomainError, NotFound, PermissionDenied
from o2o.http import parse_id, parse_int
from o2o.models import check_transition
from o2o.tasks import enqueue
from offers.models import Offer
from offers.selectors import offer_for_order
from payments import ledger

from . import soldout, throttle
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
    offer_pk = parse_id(offer_id)
    if offer_pk is None:
        raise NotFound("offer_not_found", _("This deal does not exist."))
    if soldout.known(offer_pk):
        raise Conflict("sold_out", SOLD_OUT)
    return _order_create(user=user, offer_pk=offer_pk, qty=qty)


# The flash deal's one contended write, prepared: the ORM took four times
# as long to build this UPDATE as PostgreSQL took to run it.
TAKE_STOCK_SQL = rawsql.compact("""
UPDATE offers_offer SET stock_left = stock_left - %(qty)s
WHERE id = %(offer)s AND status = %(live)s AND stock_left >= %(qty)s
""")


@transaction.atomic
def _order_create(*, user: User, offer_pk: int, qty: int) -> Order:
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
        taken = rawsql.execute(
            TAKE_STOCK_SQL, {"offer": offer.pk, "qty": qty, "live": Offer.Status.LIVE}
        )
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
    order.vouchers_usable = order.quantity
    order.save(
        update_fields=["status", "paid_at", "commission_rate", "vouchers_usable", "updated_at"]
    )

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


# Every fact the redemption rules need, read with the voucher row locked:
# the voucher, its order and deal, the store, and whether `user` is staff
# there. Portable SQL: PostgreSQL runs it inside REDEEM_SQL below (which
# locks the row), other databases on its own.
REDEEM_FACTS_SQL = """
SELECT v.id, v.code, v.status, v.uses_left, v.uses_allowed, v.value, v.currency,
       v.expires_at, v.order_id, v.offer_id, v.user_id,
       o.status AS order_status, o.commission_rate, f.merchant_id, f.title AS offer_title,
       s.merchant_id AS store_merchant_id, s.name AS store_name,
       m.id IS NOT NULL AS is_member,
       EXISTS (SELECT 1 FROM merchants_membership_stores a
               WHERE a.membership_id = m.id) AS limited_to_stores,
       EXISTS (SELECT 1 FROM merchants_membership_stores a
               WHERE a.membership_id = m.id AND a.store_id = s.id) AS works_at_store,
       EXISTS (SELECT 1 FROM offers_offer_stores fs
               WHERE fs.offer_id = f.id AND fs.store_id = s.id) AS sold_at_store
FROM orders_voucher v
JOIN orders_order o ON o.id = v.order_id
JOIN offers_offer f ON f.id = v.offer_id
LEFT JOIN merchants_store s ON s.id = %(store)s
LEFT JOIN merchants_membership m ON m.merchant_id = f.merchant_id AND m.user_id = %(user)s
WHERE v.code = %(code)s
"""
VOUCHER_FACTS = (
    "id", "code", "status", "uses_left", "uses_allowed", "value", "currency",
    "expires_at", "order_id", "offer_id", "user_id",
)  # fmt: skip


@functools.cache
def _facts_fields() -> tuple[Field | None, ...]:
    voucher = [cast(Field, Voucher._meta.get_field(name)) for name in VOUCHER_FACTS]
    commission_rate = cast(Field, Order._meta.get_field("commission_rate"))
    return (*voucher, None, commission_rate)  # the rest as they come


@dataclass(frozen=True)
class _RedeemFacts:
    voucher: Voucher  # as read, before this use
    order_status: str
    commission_rate: Decimal | None
    merchant_id: int
    offer_title: str
    store_merchant_id: int | None  # None: no such store
    store_name: str
    is_member: bool
    limited_to_stores: bool
    works_at_store: bool
    sold_at_store: bool

    @classmethod
    def from_row(cls, row: list[Any]) -> "_RedeemFacts":
        n = len(VOUCHER_FACTS)
        voucher = rawsql.instance(Voucher, dict(zip(VOUCHER_FACTS, row[:n], strict=True)))
        order_status, rate, merchant_id, title, store_merchant_id, store_name = row[n : n + 6]
        member, limited, works_here, sold_here = (bool(flag) for flag in row[n + 6 : n + 10])
        return cls(
            voucher=voucher,
            order_status=order_status,
            commission_rate=rate,
            merchant_id=merchant_id,
            offer_title=title,
            store_merchant_id=store_merchant_id,
            store_name=store_name,
            is_member=member,
            limited_to_stores=limited,
            works_at_store=works_here,
            sold_at_store=sold_here,
        )


FACTS_COLUMNS = len(VOUCHER_FACTS) + 10


def _check_redeemable(facts: _RedeemFacts, *, now: datetime) -> None:
    """The redemption rules, in the order a cashier should hear them."""
    if facts.store_merchant_id is None:  # the store's own columns came back NULL
        raise store_not_found()
    store_is_merchants = facts.store_merchant_id == facts.merchant_id
    require_staff(
        is_member=facts.is_member,
        # A store of another merchant is the voucher's problem (409), not the cashier's.
        works_at_store=(
            not store_is_merchants or not facts.limited_to_stores or facts.works_at_store
        ),
    )
    if not (store_is_merchants and facts.sold_at_store):
        raise RedemptionRefused(
            "not_usable_at_store",
            _("This voucher cannot be used at %(store)s.") % {"store": facts.store_name},
            status=409,
        )
    voucher = facts.voucher
    if voucher.status == Voucher.Status.REDEEMED:
        last = voucher.redemptions.filter(undone_at__isnull=True).first()
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
    if voucher.uses_left < 1:  # an issued voucher always has a use left (check constraint)
        raise RedemptionRefused("already_redeemed", _("This voucher was already used."), status=409)


def voucher_redeem(*, code: str, store_id: int, by: User) -> Redemption:
    """Consume one use of a voucher at a store, by a member of its merchant's staff.

    The writes: the use, the redemption, the merchant's earning, the order's
    history (and completion, after its last usable voucher), and the
    consumer's inbox entry. On PostgreSQL one statement reads the facts
    under a row lock and makes the writes if every rule passes; the rules
    below then judge the same facts to say why not. Elsewhere: read, judge,
    then write, in one transaction.

    Whoever may not act at the store is refused first (404 for an unknown
    store, else 403), before the code is parsed or looked up and before the
    wrong-code windows are read: a stranger learns nothing of the code, and
    their refusals, never counted, cannot close the store's window on its
    cashiers.
    """
    require_staff_at_store(user_id=by.pk, store_id=store_id)
    window = throttle.Window.current(staff_id=by.pk, store_id=store_id)
    normalized = normalize_code(code)
    if normalized is None:
        window.refuse_if_closed(window.failures())
        raise RedemptionRefused(
            "malformed_code",
            _("That is not a valid voucher code. Check it and try again."),
        )
    params = {"code": normalized, "store": store_id, "user": by.pk}
    if connection.vendor == "postgresql":
        return _redeem_in_one_statement(params, window=window, by=by)
    return _redeem_portably(params, window=window, by=by)


def _judge(
    row: list[Any] | None, *, failures: int, window: throttle.Window, now: datetime
) -> _RedeemFacts:
    """The facts of a redeemable voucher, or the refusal a cashier should hear."""
    window.refuse_if_closed(failures)
    if row is None or row[0] is None:  # NULL facts for an unknown code
        raise RedemptionRefused("unknown_code", _("No voucher has this code."), status=404)
    facts = _RedeemFacts.from_row(row)
    _check_redeemable(facts, now=now)
    return facts


def redeem_statement(
    params: dict[str, Any], window: throttle.Window, now: datetime
) -> list[Any] | None:
    """REDEEM_SQL run for the code, store and user (who redeems) in `params`:
    the facts, the redemption's id and legs if it wrote, the wrong-code count."""
    extra = {"now": now, "by": params["user"], **window.params(), **redeemed_notice_params()}
    return rawsql.fetch_one(REDEEM_SQL, {**params, **extra}, _facts_fields())


def _redeem_in_one_statement(
    params: dict[str, Any], *, window: throttle.Window, by: User
) -> Redemption:
    """REDEEM_SQL writes only when every rule passes, so a refusal leaves the
    transaction with nothing to undo, and it commits rather than rolls back:
    psycopg forgets every statement the connection has prepared on a
    rollback, and after each wrong or used code the cashier's next
    redemption paid 2 ms for preparing them again."""
    now = timezone.now()
    refusal: DomainError | None = None
    with transaction.atomic():
        row = redeem_statement(params, window, now)
        redemption_id, accounts, amounts, failures = row[FACTS_COLUMNS:] if row else (None,) * 4
        try:
            facts = _judge(row, failures=failures or 0, window=window, now=now)
        except DomainError as refused:
            if redemption_id is not None:  # the statement and the rules disagree: undo
                logger.error("redemption statement wrote although refused: %s", refused.code)
                raise
            refusal = refused
        else:
            legs = dict(_legs(facts))  # of the use as read, before _redemption_of
            redemption = _redemption_of(facts, store_id=params["store"], by=by, now=now)
            booked = dict(zip(accounts or (), amounts or (), strict=True))
            if redemption_id is None or booked != legs:
                # The statement and the rules disagree: book nothing.
                logger.error("redemption statement wrote %s, expected %s", booked, legs)
                raise Conflict("redemption_failed", _("The voucher could not be used. Try again."))
            redemption.pk = redemption_id
            redemption._state.adding = False
    if refusal is not None:
        raise refusal
    return redemption


@transaction.atomic
def _redeem_portably(params: dict[str, Any], *, window: throttle.Window, by: User) -> Redemption:
    failures = window.failures()
    row = rawsql.fetch_one(REDEEM_FACTS_SQL, params, _facts_fields())
    now = timezone.now()
    facts = _judge(row, failures=failures, window=window, now=now)
    use_number = _use_number(facts)
    redemption = _redemption_of(facts, store_id=params["store"], by=by, now=now)
    _redemption_writes(redemption, facts=facts, use_number=use_number, now=now)
    redemption._state.adding = False
    return redemption


def _use_number(facts: _RedeemFacts) -> int:
    """Which use this is, of the voucher as read."""
    return facts.voucher.uses_allowed - facts.voucher.uses_left + 1


def _legs(facts: _RedeemFacts) -> list[tuple[str, Decimal]]:
    return ledger.redemption_legs(
        facts.voucher, use_number=_use_number(facts), commission_rate=facts.commission_rate
    )


def _redemption_of(facts: _RedeemFacts, *, store_id: int, by: User, now: datetime) -> Redemption:
    """The redemption of the voucher as read, with the voucher as the use leaves it."""
    voucher = facts.voucher
    # What the writes make of the locked row: nobody else can touch it.
    voucher.uses_left -= 1
    if voucher.uses_left == 0:
        voucher.status = Voucher.Status.REDEEMED
        voucher.redeemed_at = now
    voucher.offer = rawsql.instance(
        Offer,
        {"id": voucher.offer_id, "merchant_id": facts.merchant_id, "title": facts.offer_title},
    )
    return Redemption(voucher=voucher, store_id=store_id, by=by, created_at=now)


def _redemption_writes(
    redemption: Redemption, *, facts: _RedeemFacts, use_number: int, now: datetime
) -> None:
    voucher = redemption.voucher
    # SQLite takes its write lock when the transaction starts, so nobody
    # changed the voucher since it was read; the conditional UPDATE is the
    # belt to those braces.
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
    Redemption.objects.bulk_create([redemption])
    ledger.book_redemption(redemption, use_number=use_number)
    _event(voucher.order, "redeemed", by=redemption.by, note=_redemption_note(redemption))
    if voucher.uses_left == 0:
        _count_down_usable([voucher.order_id], now)
    notice = redeemed_notice(store_name=facts.store_name, offer_title=facts.offer_title)
    notify_redeemed(redemption_id=redemption.pk, user=voucher.user, notice=notice)


def _redemption_note(redemption: Redemption) -> str:
    return f"voucher {redemption.voucher_id} at store {redemption.store_id}"


# The redemption in one statement (PostgreSQL): the facts, read with the
# voucher locked, then the same writes as _redemption_writes if every rule
# of _judge passes: the same rules, written again in SQL, so that a refusal
# writes nothing (tests hold the two to each other, refusal by refusal).
# Returns the facts (NULLs for an unknown code), the redemption's id and the
# legs booked (NULLs if nothing was written), and the wrong-code count that
# throttles this cashier or store. The voucher's last use counts down the
# order's usable vouchers (completing it at zero) by updating the order row:
# a concurrent use of a sibling voucher waits for that row, and PostgreSQL
# then applies the update to the count that use left. (A NOT EXISTS over the
# sibling vouchers would read this statement's snapshot, where each of two
# concurrent uses still sees the other's voucher usable.)
REDEEM_SQL = rawsql.compact(
    "".join(
        (
            "WITH th AS (SELECT ",
            throttle.SQL,
            " AS failures), fa AS (",
            REDEEM_FACTS_SQL,
            """    FOR UPDATE OF v
), used AS (
    UPDATE orders_voucher v
    SET uses_left = v.uses_left - 1,
        status = CASE WHEN v.uses_left = 1 THEN 'redeemed' ELSE v.status END,
        redeemed_at = CASE WHEN v.uses_left = 1 THEN %(now)s ELSE v.redeemed_at END,
        updated_at = %(now)s
    FROM fa, th
    WHERE v.id = fa.id AND v.status = 'issued' AND v.uses_left > 0
      AND v.expires_at > %(now)s AND th.failures < %(throttle_limit)s AND fa.is_member
      AND fa.store_merchant_id = fa.merchant_id AND fa.sold_at_store
      AND (fa.works_at_store OR NOT fa.limited_to_stores)
    RETURNING v.id, v.order_id, v.uses_left
), redemption AS (
    INSERT INTO orders_redemption (voucher_id, store_id, by_id, created_at)
    SELECT id, %(store)s, %(by)s, %(now)s FROM used
    RETURNING id
), earning AS (
    SELECT gen_random_uuid() AS transfer, u.amount,
           ROUND(u.amount * COALESCE(fa.commission_rate, 0), 2) AS commission,
           fa.currency, fa.merchant_id, fa.order_id, fa.id AS voucher_id,
           'redemption:' || r.id AS source, %(now)s AS created_at
    FROM redemption r, fa, LATERAL (SELECT """,
            ledger.USE_VALUE_SQL.format(
                n="fa.uses_allowed - fa.uses_left + 1", allowed="fa.uses_allowed", value="fa.value"
            ),
            """ AS amount) u
), booked AS (""",
            ledger.EARNING_LEGS_INSERT,
            """    RETURNING account, amount
), event AS (
    INSERT INTO orders_orderevent (order_id, kind, from_status, to_status, note, by_id, created_at)
    SELECT fa.order_id, 'redeemed', fa.order_status, fa.order_status,
           'voucher ' || fa.id || ' at store ' || %(store)s, %(by)s, %(now)s
    FROM used, fa
), completed AS (
    UPDATE orders_order o
    SET vouchers_usable = o.vouchers_usable - 1, updated_at = %(now)s,
        status = CASE WHEN o.status = 'paid' AND o.vouchers_usable = 1 THEN 'completed'
                      ELSE o.status END
    FROM used u
    WHERE o.id = u.order_id AND u.uses_left = 0
), redeemed AS (
    SELECT r.id, fa.user_id AS consumer_id, fa.store_name, fa.offer_title FROM redemption r, fa
), notified AS (""",
            REDEEMED_NOTICE_INSERT,
            """)
SELECT fa.*, (SELECT id FROM redemption),
       (SELECT array_agg(account) FROM booked), (SELECT array_agg(amount) FROM booked),
       th.failures
FROM th LEFT JOIN fa ON true
""",
        )
    )
)


@transaction.atomic
def redemption_undo(*, redemption_id: int, by: User) -> Redemption:
    """Give a use back, within the undo window, for a cashier's mistake.

    Only staff who may act at the redemption's store undo it: a cashier
    limited to other stores is refused (403 not_your_store), as they would
    be redeeming there.
    """
    redemption = (
        Redemption.objects.select_related("voucher__offer__merchant", "store")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None:
        raise NotFound("redemption_not_found", _("Redemption not found."))
    staff_membership(by, redemption.voucher.offer.merchant, store=redemption.store)
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
    usable_again = voucher.status == Voucher.Status.REDEEMED
    if usable_again:
        voucher.status = Voucher.Status.ISSUED
        voucher.redeemed_at = None
    voucher.save(update_fields=["uses_left", "status", "redeemed_at", "updated_at"])
    order = Order.objects.select_for_update().get(pk=voucher.order_id)
    _event(order, "redemption_undone", by=by, note=f"voucher {voucher.pk}")
    if usable_again:
        order.vouchers_usable += 1
        if order.status == Order.Status.COMPLETED:
            order.status = Order.Status.PAID
        order.save(update_fields=["vouchers_usable", "status", "updated_at"])
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
    # Locked before refund_request locks the payment: the order before its payment.
    order = Order.objects.select_for_update().get(pk=voucher.order_id)
    _event(order, "voucher_refunded", by=by, note=f"voucher {voucher.pk}: {reason}")

    from payments.services import refund_request

    refund_request(
        order=order, voucher=voucher, amount=voucher.value, reason=reason, reference=reference
    )
    _count_down_usable([order.pk], now)
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
# earnings, write the order events and count down the orders' usable
# vouchers (completing those left with none). Vouchers to refund on expiry are left
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
), earning AS (""",
        ledger.EARNING_FROM_EXPIRED,
        """), booked AS (""",
        ledger.EARNING_LEGS_INSERT,
        """), events AS (
    INSERT INTO orders_orderevent (order_id, kind, from_status, to_status, note, created_at)
    SELECT DISTINCT order_id, 'vouchers_expired', '', '', '', %(now)s FROM expired
), closing AS (
    -- Locked in id order, so workers sharing orders queue instead of deadlocking.
    SELECT o.id, e.n FROM orders_order o
    JOIN (SELECT order_id, count(*) AS n FROM expired GROUP BY order_id) e ON e.order_id = o.id
    ORDER BY o.id
    FOR UPDATE OF o
), counted_down AS (
    UPDATE orders_order o
    SET vouchers_usable = o.vouchers_usable - c.n, updated_at = %(now)s,
        status = CASE WHEN o.status = 'paid' AND o.vouchers_usable = c.n THEN 'completed'
                      ELSE o.status END
    FROM closing c WHERE o.id = c.id
)
SELECT count(*),
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
            count, partly_used, last_at, last_id = cursor.fetchone()
            if last_id is None:
                return done
            after_at, after_id = last_at, last_id
            # What a partly used voucher still held needs its ledger history.
            ledger.book_expiries_in_python(partly_used)
            done += count
    return done


def _count_down_usable(order_ids: Iterable[int], now: datetime) -> None:
    """Each id is one of the order's vouchers that can no longer be used (an
    id may repeat); a paid order whose last usable voucher this was is
    completed. The rows are locked in id order first, so two workers closing
    vouchers of the same orders queue instead of deadlocking."""
    closed = Counter(order_ids)
    if len(closed) > 1:
        list(
            Order.objects.filter(pk__in=closed).order_by("pk").select_for_update().values_list("pk")
        )
    by_count: defaultdict[int, list[int]] = defaultdict(list)
    for order_id, n in closed.items():
        by_count[n].append(order_id)
    for n, ids in by_count.items():
        Order.objects.filter(pk__in=ids).update(
            vouchers_usable=F("vouchers_usable") - n,
            status=Case(
                When(
                    Q(status=Order.Status.PAID, vouchers_usable=n),
                    then=Value(Order.Status.COMPLETED),
                ),
                default=F("status"),
            ),
            updated_at=now,
        )


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
            _count_down_usable([r["order_id"] for r in rows], now)
            done += len(rows)
    return done
