"""Vouchers past their validity: expired (what they held is earned by the
merchant) or, when their deal says so, refunded. Payments books the money
of both on `vouchers_expired`, in the batch's transaction."""

import time
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from o2o.models import check_transition

from .. import signals
from ..models import OrderEvent, Voucher
from ..rules import to_expire
from ._base import count_down_usable

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def expire_vouchers(
    *, now: datetime | None = None, batch_size: int = 1000, deadline: float | None = None
) -> int:
    """Vouchers past validity become expired, or refunded when their offer
    refunds on expiry. Works in batches of locked rows, skipping rows another
    worker holds, so several workers can share the work; idempotent. Stops
    between batches once time.monotonic() passes `deadline`."""
    now = now or timezone.now()
    check_transition(Voucher, Voucher.Status.ISSUED, Voucher.Status.EXPIRED)
    check_transition(Voucher, Voucher.Status.ISSUED, Voucher.Status.REFUNDED)
    done = 0
    if connection.vendor == "postgresql":
        done += _expire_in_sql(now=now, batch_size=batch_size, deadline=deadline)
    return done + _expire_in_python(now=now, batch_size=batch_size, deadline=deadline)


def vouchers_to_expire(*, now: datetime | None = None, more_than: int = 0) -> bool:
    """Are more than `more_than` vouchers waiting to expire?"""
    waiting = Voucher.objects.filter(to_expire(now or timezone.now()))
    return waiting[more_than : more_than + 1].exists()


def _out_of_time(deadline: float | None) -> bool:
    return deadline is not None and time.monotonic() > deadline


# One statement per batch on PostgreSQL for vouchers that simply expire (the
# nightly millions): lock a batch, mark it expired, write the order events
# and count down the orders' usable vouchers (completing those left with
# none); it returns the ids expired, whose earnings payments then books.
# Vouchers to refund on expiry are left to _expire_in_python.
EXPIRE_BATCH_SQL = """
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
    RETURNING v.id, v.order_id
), events AS (
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
SELECT coalesce(array_agg(id), '{}'),
       (SELECT expires_at FROM batch ORDER BY expires_at DESC, id DESC LIMIT 1),
       (SELECT id FROM batch ORDER BY expires_at DESC, id DESC LIMIT 1)
FROM expired
"""


def _expire_in_sql(*, now: datetime, batch_size: int, deadline: float | None) -> int:
    # Each worker walks the partial index forward from where its last batch
    # ended, so it never rescans the rows done (or held) before; rows a
    # failed worker let go are left to the next run.
    after_at, after_id = EPOCH, 0
    done = 0
    while not _out_of_time(deadline):
        with transaction.atomic():
            with connection.cursor() as cursor:
                params: dict[str, datetime | int] = {
                    "now": now,
                    "limit": batch_size,
                    "after_at": after_at,
                    "after_id": after_id,
                }
                cursor.execute(EXPIRE_BATCH_SQL, params)
                expired, last_at, last_id = cursor.fetchone()
            if last_id is None:
                return done
            after_at, after_id = last_at, last_id
            signals.vouchers_expired.send(sender=Voucher, expired=list(expired), refunded=[])
            done += len(expired)
    return done


def _expire_in_python(*, now: datetime, batch_size: int, deadline: float | None) -> int:
    after_at, after_id = EPOCH, 0  # as in _expire_in_sql
    done = 0
    while not _out_of_time(deadline):
        with transaction.atomic():
            rows = list(
                Voucher.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(to_expire(now))
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
            Voucher.objects.filter(pk__in=refund_ids, status=Voucher.Status.ISSUED).update(
                status=Voucher.Status.REFUNDED, refunded_at=now, updated_at=now
            )
            signals.vouchers_expired.send(
                sender=Voucher,
                expired=expire_ids,
                refunded=[{k: r[k] for k in ("pk", "order_id", "value")} for r in to_refund],
            )
            order_ids = {r["order_id"] for r in rows}
            OrderEvent.objects.bulk_create(
                [OrderEvent(order_id=oid, kind="vouchers_expired") for oid in order_ids]
            )
            count_down_usable([r["order_id"] for r in rows], now)
            done += len(rows)
    return done
