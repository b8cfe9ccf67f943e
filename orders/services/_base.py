"""What the order and voucher services share: the order's history, and
counting down an order's usable vouchers."""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from django.db import connection
from django.db.models import Case, F, Q, Value, When
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from accounts.models import User
from o2o import bulk, rawsql
from o2o.errors import DomainError
from o2o.models import check_transition

from ..models import Order, OrderEvent, Voucher, VoucherEvent


class RedemptionRefused(DomainError):
    """A voucher could not be redeemed; `code` says why."""


_ORDER_EVENT = rawsql.Insert(
    OrderEvent, ("order_id", "kind", "from_status", "to_status", "note", "by_id", "created_at")
)
_VOUCHER_EVENT = rawsql.Insert(
    VoucherEvent, ("voucher_id", "kind", "from_status", "to_status", "note", "by_id", "created_at")
)


def order_event(
    order: Order, kind: str, *, by: User | None = None, to: str = "", note: str = ""
) -> None:
    """A row of the order's history: what happened, from which status to which."""
    by_id = by.pk if by is not None else None
    now = timezone.now()
    _ORDER_EVENT.run((order.pk, kind, order.status, to or order.status, note, by_id, now))


def count_down_usable(order_ids: Iterable[int], now: datetime) -> None:
    """Each id is one of the order's vouchers that can no longer be used (an
    id may repeat); a paid order whose last usable voucher this was is
    completed. The rows are locked in id order first, so two workers closing
    vouchers of the same orders queue instead of deadlocking."""
    closed = Counter(order_ids)
    if len(closed) > 1:
        list(
            Order.objects.filter(pk__any=closed)
            .order_by("pk")
            .select_for_update()
            .values_list("pk")
        )
    by_count: defaultdict[int, list[int]] = defaultdict(list)
    for order_id, n in closed.items():
        by_count[n].append(order_id)
    for n, ids in by_count.items():
        Order.objects.filter(pk__any=ids).update(**_counted_down(n, now))
    # An order among these that is completed now was completed just now: a
    # completed order has no usable voucher left to count down.
    completed = Order.objects.filter(pk__any=closed, status=Order.Status.COMPLETED)
    _orders_completed(list(completed.values_list("pk", flat=True)), now)


COMPLETION_EVENT = ("order_id", "kind", "from_status", "to_status", "note", "created_at")


def _orders_completed(order_ids: list[int], now: datetime) -> None:
    """The orders' history: paid → completed (their last usable voucher)."""
    check_transition(Order, Order.Status.PAID, Order.Status.COMPLETED)
    bulk.insert_rows(
        OrderEvent,
        COMPLETION_EVENT,
        ((pk, "completed", Order.Status.PAID, Order.Status.COMPLETED, "", now) for pk in order_ids),
    )


def _counted_down(n: int, now: datetime) -> dict[str, Any]:
    """The rule: n fewer usable vouchers; a paid order left with none is completed."""
    return {
        "vouchers_usable": F("vouchers_usable") - n,
        "status": Case(
            When(
                Q(status=Order.Status.PAID, vouchers_usable=n),
                then=Value(Order.Status.COMPLETED),
            ),
            default=F("status"),
        ),
        "updated_at": now,
    }


def _count_down_one_query(*, order: int, now: datetime) -> tuple[str, Sequence[Any]]:
    query = cast(UpdateQuery, Order.objects.filter(pk=order).query.chain(UpdateQuery))
    query.add_update_values(_counted_down(1, now))
    return query.get_compiler(connection.alias).as_sql()


_COUNT_DOWN_ONE = rawsql.Compiled(_count_down_one_query, order="int", now="time")


def count_down_one(order_id: int, now: datetime) -> Callable[[], None]:
    """count_down_usable for one voucher of one order, prepared: the
    redemption's path, whose writes are sent without waiting for answers
    (o2o.rawsql.pipeline). The UPDATE returns the status it left; call what
    this returns once the answers are in, and it writes the order's
    completion (paid -> completed) if this use completed it."""
    sql, params = _COUNT_DOWN_ONE.statement(order=order_id, now=now)
    status_left = rawsql.send(f"{sql} RETURNING {_STATUS_COLUMN}", params)

    def write_completion() -> None:
        if status_left()[0] == Order.Status.COMPLETED:
            check_transition(Order, Order.Status.PAID, Order.Status.COMPLETED)
            _ORDER_EVENT.run(
                (order_id, "completed", Order.Status.PAID, Order.Status.COMPLETED, "", None, now)
            )

    return write_completion


_STATUS_COLUMN = connection.ops.quote_name(str(Order._meta.get_field("status").column))


def voucher_move(
    voucher: Voucher, to: str, *, kind: str, by: User | None = None, note: str = ""
) -> None:
    """The one way a voucher's status changes: a move Voucher.TRANSITIONS
    allows, written down with both states. The caller has the row locked and
    saves it (with "status" among its fields)."""
    check_transition(Voucher, voucher.status, to)
    by_id = by.pk if by is not None else None
    _VOUCHER_EVENT.run((voucher.pk, kind, voucher.status, to, note, by_id, timezone.now()))
    voucher.status = to


EVENT_FIELDS = ("voucher_id", "kind", "from_status", "to_status", "note", "created_at")


def vouchers_move(
    voucher_ids: list[int], *, from_: str, to: str, kind: str, now: datetime, **fields: object
) -> None:
    """voucher_move for a batch of locked vouchers, all in `from_`: one
    UPDATE, and their events appended at once."""
    if not voucher_ids:
        return
    check_transition(Voucher, from_, to)
    moved = Voucher.objects.filter(pk__any=voucher_ids, status=from_).update(
        status=to, updated_at=now, **fields
    )
    if moved != len(voucher_ids):  # the rows are locked: nothing else can have moved them
        raise RuntimeError(f"{len(voucher_ids) - moved} vouchers were not {from_}")
    bulk.insert_rows(
        VoucherEvent, EVENT_FIELDS, ((pk, kind, from_, to, "", now) for pk in voucher_ids)
    )
