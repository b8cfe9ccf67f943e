"""Vouchers past their validity: expired (what they held is earned by the
merchant) or, when their deal says so and they were never used, refunded.
Payments books the money of both on `vouchers_expired`, in the batch's
transaction. One path on every database; the rules are orders.rules'."""

import time
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from o2o import bulk

from .. import signals
from ..models import OrderEvent, Voucher
from ..rules import never_used, to_expire
from ._base import count_down_usable, vouchers_move

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ORDER_EVENT_FIELDS = ("order_id", "kind", "from_status", "to_status", "note", "created_at")


def refunded_on_expiry() -> Q:
    """A voucher that is refunded rather than expired when its time is up."""
    return never_used() & Q(offer__refund_on_expiry=True)


def expire_vouchers(
    *, now: datetime | None = None, batch_size: int = 1000, deadline: float | None = None
) -> int:
    """Vouchers past validity become expired, or refunded when their offer
    refunds on expiry. Works in batches of locked rows, skipping rows another
    worker holds, so several workers can share the work; idempotent. Stops
    between batches once time.monotonic() passes `deadline`.

    Each worker walks the partial index of issued vouchers forward from
    where its last batch ended, so it never rescans the rows done (or held)
    before; rows a failed worker let go are left to the next run."""
    now = now or timezone.now()
    after: tuple[datetime, int] = (EPOCH, 0)
    done = 0
    while deadline is None or time.monotonic() <= deadline:
        expired, after = _expire_batch(now=now, batch_size=batch_size, after=after)
        if not expired:
            break
        done += expired
    return done


def vouchers_to_expire(*, now: datetime | None = None, more_than: int = 0) -> bool:
    """Are more than `more_than` vouchers waiting to expire?"""
    waiting = Voucher.objects.filter(to_expire(now or timezone.now()))
    return waiting[more_than : more_than + 1].exists()


@transaction.atomic
def _expire_batch(
    *, now: datetime, batch_size: int, after: tuple[datetime, int]
) -> tuple[int, tuple[datetime, int]]:
    after_at, after_id = after
    rows = list(
        Voucher.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(to_expire(now))
        .filter(Q(expires_at__gt=after_at) | Q(expires_at=after_at, pk__gt=after_id))
        .order_by("expires_at", "pk")
        .annotate(refund=ExpressionWrapper(refunded_on_expiry(), output_field=BooleanField()))
        .values_list("pk", "order_id", "value", "expires_at", "refund")[:batch_size]
    )
    if not rows:
        return 0, after
    expire_ids = [pk for pk, _o, _v, _e, refund in rows if not refund]
    refunded = [
        {"pk": pk, "order_id": order_id, "value": value}
        for pk, order_id, value, _e, refund in rows
        if refund
    ]
    vouchers_move(
        expire_ids, from_=Voucher.Status.ISSUED, to=Voucher.Status.EXPIRED, kind="expired", now=now
    )
    vouchers_move(
        [r["pk"] for r in refunded],
        from_=Voucher.Status.ISSUED,
        to=Voucher.Status.REFUNDED,
        kind="refunded_on_expiry",
        now=now,
        refunded_at=now,
    )
    signals.vouchers_expired.send(sender=Voucher, expired=expire_ids, refunded=refunded)
    order_ids = [order_id for _pk, order_id, _v, _e, _r in rows]
    bulk.insert_rows(
        OrderEvent,
        ORDER_EVENT_FIELDS,
        ((order_id, "vouchers_expired", "", "", "", now) for order_id in dict.fromkeys(order_ids)),
    )
    count_down_usable(order_ids, now)
    last = rows[-1]
    return len(rows), (last[3], last[0])
