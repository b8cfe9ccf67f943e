"""What the order and voucher services share: the order's history, and
counting down an order's usable vouchers."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.db.models import Case, F, Q, Value, When

from accounts.models import User
from o2o import bulk
from o2o.errors import DomainError
from o2o.models import check_transition

from ..models import Order, OrderEvent, Voucher, VoucherEvent

ACTIVE_ORDER_STATUSES = (
    Order.Status.PENDING_PAYMENT,
    Order.Status.PAID,
    Order.Status.COMPLETED,
)


class RedemptionRefused(DomainError):
    """A voucher could not be redeemed; `code` says why."""


def order_event(
    order: Order, kind: str, *, by: User | None = None, to: str = "", note: str = ""
) -> None:
    """A row of the order's history: what happened, from which status to which."""
    OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_status=order.status,
        to_status=to or order.status,
        by=by,
        note=note,
    )


def count_down_usable(order_ids: Iterable[int], now: datetime) -> None:
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


def voucher_move(
    voucher: Voucher, to: str, *, kind: str, by: User | None = None, note: str = ""
) -> None:
    """The one way a voucher's status changes: a move Voucher.TRANSITIONS
    allows, written down with both states. The caller has the row locked and
    saves it (with "status" among its fields)."""
    check_transition(Voucher, voucher.status, to)
    VoucherEvent.objects.create(
        voucher=voucher, kind=kind, from_status=voucher.status, to_status=to, by=by, note=note
    )
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
    moved = Voucher.objects.filter(pk__in=voucher_ids, status=from_).update(
        status=to, updated_at=now, **fields
    )
    if moved != len(voucher_ids):  # the rows are locked: nothing else can have moved them
        raise RuntimeError(f"{len(voucher_ids) - moved} vouchers were not {from_}")
    bulk.insert_rows(
        VoucherEvent, EVENT_FIELDS, ((pk, kind, from_, to, "", now) for pk in voucher_ids)
    )
