"""Redeeming a voucher at a store, and undoing a redemption.

A redemption locks the voucher, then its order. Whether a voucher may be
used is a table of rules (`redemption_rules`), each a condition on the
voucher's row that the database evaluates while it locks the row: the
refusal a cashier hears is read from the first rule that fails, in the
order they should hear them. Who may redeem at a store is merchants' rule
(merchants.selectors.staff_at_store, judged by merchants.services.require_staff),
asked first.
"""

import functools
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, Field, OuterRef, Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from merchants.models import Store
from merchants.selectors import is_staff_of, staff_at_store
from merchants.services import (
    NOT_YOUR_MERCHANT,
    require_staff,
    staff_membership,
    store_not_found,
)
from o2o import rawsql, rules
from o2o.errors import Conflict, NotFound, PermissionDenied
from o2o.models import check_transition
from offers.models import Offer

from .. import signals, throttle
from ..codes import normalize_code
from ..models import Order, Redemption, Voucher
from ..rules import expiry_passed
from ._base import (
    RedemptionRefused,
    count_down_one,
    order_event,
    voucher_move,
)


def _not_usable_here(store_id: int) -> rules.Rule:
    def refusal(voucher: Voucher) -> RedemptionRefused:
        name = Store.objects.filter(pk=store_id).values_list("name", flat=True).first() or ""
        return RedemptionRefused(
            "not_usable_at_store",
            _("This voucher cannot be used at %(store)s.") % {"store": name},
            status=409,
        )

    # A store the deal is sold at, of the deal's own merchant.
    sold_here = Offer.stores.through.objects.filter(
        offer_id=OuterRef("offer_id"),
        store_id=store_id,
        store__merchant_id=OuterRef("offer__merchant_id"),
    )
    return rules.Rule("not_usable_at_store", Exists(sold_here), refusal)


def _already_used(voucher: Voucher) -> RedemptionRefused:
    last = voucher.redemptions.filter(undone_at__isnull=True).first()
    when = timezone.localtime(last.created_at).strftime("%Y-%m-%d %H:%M") if last else ""
    return RedemptionRefused(
        "already_redeemed",
        _("This voucher was already used (%(when)s).") % {"when": when},
        status=409,
    )


def _not_staff_of_its_merchant(user_id: int) -> rules.Rule:
    return rules.Rule(
        "not_your_merchant",
        is_staff_of(user_id, OuterRef("offer__merchant_id")),
        lambda v: PermissionDenied(*NOT_YOUR_MERCHANT),
    )


def redemption_rules(*, store_id: int, by_id: int, now: datetime) -> tuple[rules.Rule, ...]:
    """What must hold of a voucher for one use of it at the store by the
    staff member `by_id` at `now` (who may act at the store at all is asked
    before, by merchants.selectors.staff_at_store)."""
    return (
        _not_staff_of_its_merchant(by_id),
        _not_usable_here(store_id),
        rules.Rule("already_redeemed", ~Q(status=Voucher.Status.REDEEMED), _already_used),
        rules.Rule(
            "voucher_refunded",
            ~Q(status=Voucher.Status.REFUNDED),
            lambda v: RedemptionRefused(
                "voucher_refunded", _("This voucher was refunded."), status=409
            ),
        ),
        rules.Rule(
            "voucher_expired",
            ~Q(status=Voucher.Status.EXPIRED) & ~expiry_passed(now),
            lambda v: RedemptionRefused(
                "voucher_expired", _("This voucher has expired."), status=409
            ),
        ),
        # An issued voucher always has a use left (a check constraint): the belt.
        rules.Rule("already_redeemed", Q(uses_left__gt=0), _already_used),
    )


def _store_facts_query(
    *, store: int, user: int, window: int, staff_scope: str, store_scope: str
) -> tuple[str, Sequence[Any]]:
    facts = (
        Store.objects.filter(pk=store)
        .annotate(
            **staff_at_store(user),
            failures=throttle.failures_in(window, (staff_scope, store_scope)),
        )
        .order_by()
        .values_list("name", "is_member", "works_here", "failures")
    )
    return facts.query.sql_with_params()


# The store, whether the user may act there (merchants' rule) and the
# wrong-code count (orders.throttle), in one prepared read.
_STORE_FACTS = rawsql.Compiled(
    _store_facts_query, store="int", user="int", window="int", staff_scope="str", store_scope="str"
)

VOUCHER_FIELDS = (
    "id", "order_id", "offer_id", "user_id", "status", "uses_left", "uses_allowed",
    "value", "subsidy", "currency", "expires_at",
)  # fmt: skip
_JOINED = ("order__status", "order__commission_rate", "offer__merchant_id", "offer__title")


def _voucher_query(*, code: str, store: int, by: int, now: datetime) -> tuple[str, Sequence[Any]]:
    checks = redemption_rules(store_id=store, by_id=by, now=now)
    found = (
        rules.with_rules(Voucher.objects.filter(code=code), checks)
        .select_for_update(of=("self",))
        .order_by()
        .values_list(*VOUCHER_FIELDS, *_JOINED, *rules.flags(checks))
    )
    return found.query.sql_with_params()


# The voucher, locked, with what the writes need and one flag per rule of
# redemption_rules: compiled by the ORM from the rule table once, prepared.
_VOUCHER = rawsql.Compiled(_voucher_query, code="str", store="int", by="int", now="time")


@functools.cache
def _voucher_fields() -> tuple[Field | None, ...]:
    voucher = tuple(cast(Field, Voucher._meta.get_field(name)) for name in VOUCHER_FIELDS)
    joined = (
        Order._meta.get_field("status"),
        Order._meta.get_field("commission_rate"),
        Offer._meta.get_field("merchant"),
        Offer._meta.get_field("title"),
    )
    return (*voucher, *cast(tuple[Field, ...], joined))


def _use_query(*, voucher: int, now: datetime, last: int) -> tuple[str, Sequence[Any]]:
    used = {"uses_left": F("uses_left") - 1, "updated_at": now}
    if last:  # the last use: the status is moved by voucher_move, written here
        used |= {"status": Voucher.Status.REDEEMED, "redeemed_at": now}
    query = cast(UpdateQuery, Voucher.objects.filter(pk=voucher).query.chain(UpdateQuery))
    query.add_update_values(used)
    return query.get_compiler(connection.alias).as_sql()


_USE = rawsql.Compiled(functools.partial(_use_query, last=0), voucher="int", now="time")
_LAST_USE = rawsql.Compiled(functools.partial(_use_query, last=1), voucher="int", now="time")
_REDEMPTION = rawsql.Insert(
    Redemption, ("voucher_id", "store_id", "by_id", "created_at", "key"), returning=True
)


def voucher_redeem(*, code: str, store_id: int, by: User) -> Redemption:
    """Consume one use of a voucher at a store, by a member of its merchant's staff.

    Checked in this order, so that each answer reveals no more than it must:
    may `by` act at the store (a stranger learns nothing about codes and
    cannot spend the store's wrong-code allowance); is the wrong-code window
    open; is the code well formed; does it name a voucher; may the voucher be
    used here and now (`redemption_rules`). Then, in one transaction: the
    use (its voucher's event when it is the last), the redemption, the
    order's completion after its last usable voucher, and `voucher_used`,
    on which payments books the merchant's earning and notifications tells
    the consumer.

    The hot path of every till, so its reads and writes are prepared
    statements the ORM compiled once from the rules (o2o.rawsql.Compiled).
    """
    window = throttle.Window.current(staff_id=by.pk, store_id=store_id)
    staff_scope, store_scope = window.scopes
    store = rawsql.fetch_one(
        *_STORE_FACTS.statement(
            store=store_id,
            user=by.pk,
            window=window.number,
            staff_scope=staff_scope,
            store_scope=store_scope,
        ),
        (None, None, None, None),
    )
    if store is None:
        raise store_not_found()
    store_name, is_member, works_here, failures = store
    require_staff(is_member=bool(is_member), works_at_store=bool(works_here))
    window.refuse_if_closed(failures)
    normalized = normalize_code(code)
    if normalized is None:
        raise RedemptionRefused(
            "malformed_code",
            _("That is not a valid voucher code. Check it and try again."),
        )
    return _redeem(
        code=normalized, store_id=store_id, store_name=store_name, by=by, now=timezone.now()
    )


@functools.cache
def _rules_count() -> int:
    return len(redemption_rules(store_id=1, by_id=1, now=timezone.now()))


@transaction.atomic
def _redeem(*, code: str, store_id: int, store_name: str, by: User, now: datetime) -> Redemption:
    row = rawsql.fetch_one(
        *_VOUCHER.statement(code=code, store=store_id, by=by.pk, now=now),
        (*_voucher_fields(), *(None,) * _rules_count()),
    )
    if row is None:
        raise RedemptionRefused("unknown_code", _("No voucher has this code."), status=404)
    n = len(VOUCHER_FIELDS)
    voucher = rawsql.instance(Voucher, dict(zip(VOUCHER_FIELDS, row[:n], strict=True)))
    order_status, rate, merchant_id, title = row[n : n + len(_JOINED)]
    voucher.order = rawsql.instance(
        Order, {"id": voucher.order_id, "status": order_status, "commission_rate": rate}
    )
    voucher.offer = rawsql.instance(
        Offer, {"id": voucher.offer_id, "merchant_id": merchant_id, "title": title}
    )
    held = row[n + len(_JOINED) :]
    if not all(held):  # the rule table is built again only to say which rule and why
        checks = redemption_rules(store_id=store_id, by_id=by.pk, now=now)
        broken = rules.broken_flag(held, checks)
        if broken is not None:
            raise broken.refusal(voucher)
    use_number = voucher.uses_allowed - voucher.uses_left + 1
    redemption = Redemption(
        voucher=voucher, store_id=store_id, by=by, created_at=now, key=uuid.uuid4()
    )
    # Every write in one round trip: its new id is read when the pipeline
    # ends, so what the redemption causes names it by its key.
    with rawsql.pipeline():
        new_id = _REDEMPTION.send((voucher.pk, store_id, by.pk, now, redemption.key))
        completion = None
        voucher.uses_left -= 1
        voucher.updated_at = now
        if voucher.uses_left == 0:
            voucher_move(voucher, Voucher.Status.REDEEMED, kind="redeemed", by=by)
            voucher.redeemed_at = now
            rawsql.execute(*_LAST_USE.statement(voucher=voucher.pk, now=now))
            completion = count_down_one(voucher.order_id, now)
        else:
            rawsql.execute(*_USE.statement(voucher=voucher.pk, now=now))
        signals.voucher_used.send(
            sender=Redemption, redemption=redemption, use_number=use_number, store_name=store_name
        )
    redemption.pk = new_id()
    redemption._state.adding = False
    if completion is not None:  # the order's history, if this use completed it
        completion()
    return redemption


@transaction.atomic
def redemption_undo(*, redemption_id: int, by: User) -> Redemption:
    """Give a use back, within the undo window, for a cashier's mistake.

    Only staff who may act at the redemption's store undo it: a cashier
    limited to other stores is refused (403 not_your_store), as they would
    be redeeming there. Apps above may refuse too (reviews: the visit was
    reviewed), through `redemption_undo_requested`.
    """
    redemption = (
        Redemption.objects.select_related("voucher__offer__merchant", "store")
        .filter(pk=redemption_id)
        .first()
    )
    if redemption is None:
        raise NotFound("redemption_not_found", _("Redemption not found."))
    staff_membership(by, redemption.voucher.offer.merchant, store=redemption.store)
    voucher = (
        Voucher.objects.select_for_update().select_related("offer").get(pk=redemption.voucher_id)
    )
    redemption = Redemption.objects.select_for_update().get(pk=redemption_id)
    redemption.voucher = voucher
    if redemption.undone_at is not None:
        raise Conflict("already_undone", _("This redemption was already undone."))
    if timezone.now() - redemption.created_at > settings.REDEMPTION_UNDO_WINDOW:
        raise Conflict(
            "undo_window_passed",
            _("A redemption can only be undone within %(n)s minutes.")
            % {"n": int(settings.REDEMPTION_UNDO_WINDOW.total_seconds() // 60)},
        )
    signals.redemption_undo_requested.send(sender=Redemption, redemption=redemption)
    now = timezone.now()
    redemption.undone_at = now
    redemption.undone_by = by
    redemption.save(update_fields=["undone_at", "undone_by"])
    usable_again = voucher.status == Voucher.Status.REDEEMED
    voucher.uses_left += 1
    fields = ["uses_left", "updated_at"]
    if usable_again:
        voucher_move(voucher, Voucher.Status.ISSUED, kind="redemption_undone", by=by)
        voucher.redeemed_at = None
        fields += ["status", "redeemed_at"]
    voucher.save(update_fields=fields)
    order = Order.objects.select_for_update().get(pk=voucher.order_id)
    voucher.order = order
    reopened = usable_again and order.status == Order.Status.COMPLETED
    if reopened:
        check_transition(Order, order.status, Order.Status.PAID)
    order_event(
        order,
        "redemption_undone",
        by=by,
        to=Order.Status.PAID if reopened else "",
        note=f"voucher {voucher.pk}",
    )
    if usable_again:
        order.vouchers_usable += 1
        if reopened:
            order.status = Order.Status.PAID
        order.save(update_fields=["vouchers_usable", "status", "updated_at"])
    signals.redemption_undone.send(sender=Redemption, redemption=redemption)
    return redemption
