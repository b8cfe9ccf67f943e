"""The money ledger: every movement as a balanced, append-only transfer.

    capture      gateway +A   unearned −A          a consumer paid
    refund       unearned +A  gateway −A           money went back
    earning      unearned +v  merchant −(v−c)  commission −c
                                       a voucher use was redeemed (or expired unrefunded)
    reversal     the earning's legs, negated       a redemption was undone
    payout       merchant +n  gateway −n           a statement was paid

Signs: the legs of one transfer always sum to zero. A cause is booked once
(unique source per account), so a retried task or a repeated webhook cannot
book it twice. Every total the product shows is a sum over these rows.
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from orders.models import Order, Redemption, Voucher

from .models import LedgerEntry, Payment, Refund

CENT = Decimal("0.01")
Account = LedgerEntry.Account


def _book(
    kind: str,
    source: str,
    legs: list[tuple[str, Decimal]],
    *,
    new_source: bool = False,
    **refs: Any,
) -> bool:
    """Write one balanced transfer; False if this source was booked already.

    `new_source`: the cause was created in this transaction (a redemption
    row), so it cannot have been booked: skip the savepoint that otherwise
    turns a repeat into False.
    """
    if sum(amount for _account, amount in legs) != 0:
        raise ValueError(f"unbalanced transfer {kind} {source}: {legs}")
    transfer = uuid.uuid4()
    entries = [
        LedgerEntry(
            transfer=transfer, kind=kind, source=source, account=account, amount=amount, **refs
        )
        for account, amount in legs
    ]
    if new_source:
        LedgerEntry.objects.bulk_create(entries)
        return True
    try:
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(entries)
    except IntegrityError:
        return False
    return True


def book_capture(payment: Payment) -> bool:
    order = payment.order
    return _book(
        "capture",
        f"capture:{payment.pk}",
        [(Account.GATEWAY, payment.amount), (Account.UNEARNED, -payment.amount)],
        order=order,
        merchant_id=order.offer.merchant_id,
        currency=payment.currency,
    )


def book_refund(refund: Refund) -> bool:
    order = refund.payment.order
    return _book(
        "refund",
        f"refund:{refund.pk}",
        [(Account.UNEARNED, refund.amount), (Account.GATEWAY, -refund.amount)],
        order=order,
        voucher=refund.voucher,
        merchant_id=order.offer.merchant_id,
        currency=refund.currency,
    )


def use_value(voucher: Voucher, use_number: int) -> Decimal:
    """The value of one use of a voucher; the last use takes the rounding remainder."""
    per_use = (voucher.value / voucher.uses_allowed).quantize(CENT, rounding=ROUND_HALF_UP)
    if use_number < voucher.uses_allowed:
        return per_use
    return voucher.value - per_use * (voucher.uses_allowed - 1)


def _earning_legs(amount: Decimal, rate: Decimal) -> list[tuple[str, Decimal]]:
    commission = (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return [
        (Account.UNEARNED, amount),
        (Account.MERCHANT, -(amount - commission)),
        (Account.COMMISSION, -commission),
    ]


def _rate(commission_rate: Decimal | None) -> Decimal:
    return commission_rate if commission_rate is not None else Decimal("0")


def redemption_legs(
    voucher: Voucher, *, use_number: int, commission_rate: Decimal | None
) -> list[tuple[str, Decimal]]:
    """The earning of a voucher's `use_number`-th use."""
    return _earning_legs(use_value(voucher, use_number), _rate(commission_rate))


def book_redemption(redemption: Redemption, *, use_number: int) -> bool:
    voucher = redemption.voucher
    order = voucher.order
    return _book(
        "earning",
        f"redemption:{redemption.pk}",
        redemption_legs(voucher, use_number=use_number, commission_rate=order.commission_rate),
        new_source=True,
        order=order,
        voucher=voucher,
        merchant_id=voucher.offer.merchant_id,
        currency=voucher.currency,
    )


def book_undo(redemption: Redemption) -> bool:
    """Reverse a redemption's earning, leg by leg."""
    legs = list(
        LedgerEntry.objects.filter(source=f"redemption:{redemption.pk}").values_list(
            "account", "amount"
        )
    )
    if not legs:
        return False
    voucher = redemption.voucher
    return _book(
        "reversal",
        f"undo:{redemption.pk}",
        [(account, -amount) for account, amount in legs],
        order=voucher.order,
        voucher=voucher,
        merchant_id=voucher.offer.merchant_id,
        currency=voucher.currency,
    )


# The legs of earnings (as _earning_legs gives them), one transfer each, for
# the rows of a CTE named `earning` (transfer, amount, commission, currency,
# merchant_id, order_id, voucher_id, source, created_at). A CTE that calls
# gen_random_uuid() is never folded into its reader, so a row's legs share
# its transfer.
EARNING_LEGS_INSERT = """
INSERT INTO payments_ledgerentry
    (transfer, kind, account, amount, currency,
     merchant_id, order_id, voucher_id, source, created_at)
SELECT e.transfer, 'earning', leg.account,
       CASE leg.account
           WHEN 'unearned' THEN e.amount
           WHEN 'commission' THEN -e.commission
           ELSE -(e.amount - e.commission)
       END,
       e.currency, e.merchant_id, e.order_id, e.voucher_id, e.source, e.created_at
FROM earning e
CROSS JOIN (VALUES ('unearned'), ('merchant'), ('commission')) AS leg(account)
"""


# Each row of `expired` (id, order_id, offer_id, value, currency, uses_left,
# uses_allowed) as a row of `earning`, if it was never used.
EARNING_FROM_EXPIRED = """
SELECT gen_random_uuid() AS transfer, x.value AS amount,
       ROUND(x.value * COALESCE(o.commission_rate, 0), 2) AS commission,
       x.currency, f.merchant_id, x.order_id, x.id AS voucher_id,
       'expiry:' || x.id AS source, NOW() AS created_at
FROM expired x
JOIN orders_order o ON o.id = x.order_id
JOIN offers_offer f ON f.id = x.offer_id
WHERE x.uses_left = x.uses_allowed
"""

EXPIRY_SQL = "".join(
    (
        # composed of constants only; the ids are a parameter
        """
WITH expired AS (
    SELECT id, order_id, offer_id, value, currency, uses_left, uses_allowed
    FROM orders_voucher WHERE id = ANY(%s)
), earning AS (""",
        EARNING_FROM_EXPIRED,
        ")",
        EARNING_LEGS_INSERT,
    )
)


def book_expiries_bulk(voucher_ids: list[int]) -> None:
    """An expired, unrefunded voucher's unused value is earned as if redeemed.

    The nightly expiry handles millions, so on PostgreSQL the untouched
    vouchers of a batch are booked by one INSERT … SELECT (same legs, same
    rounding as _earning_legs); partly used ones, and SQLite, go through Python.
    """
    if not voucher_ids:
        return
    in_python = voucher_ids
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(EXPIRY_SQL, [voucher_ids])
        in_python = list(
            Voucher.objects.filter(pk__in=voucher_ids, uses_left__lt=F("uses_allowed")).values_list(
                "pk", flat=True
            )
        )
    if in_python:
        book_expiries_in_python(in_python)


def book_expiries_in_python(voucher_ids: list[int]) -> None:
    if not voucher_ids:
        return
    vouchers = list(
        Voucher.objects.filter(pk__in=voucher_ids).select_related("order__offer").order_by("pk")
    )
    partly_used = [v.pk for v in vouchers if v.uses_left < v.uses_allowed]
    moved: dict[int, Decimal] = {}
    for voucher_id, amount in LedgerEntry.objects.filter(
        voucher_id__in=partly_used,
        account=Account.UNEARNED,
        kind__in=["earning", "reversal", "refund"],
    ).values_list("voucher_id", "amount"):
        moved[voucher_id] = moved.get(voucher_id, Decimal("0")) + amount
    entries = []
    for voucher in vouchers:
        remaining = voucher.value - moved.get(voucher.pk, Decimal("0"))
        if remaining <= 0:
            continue
        transfer = uuid.uuid4()
        order = voucher.order
        for account, amount in _earning_legs(remaining, _rate(order.commission_rate)):
            entries.append(
                LedgerEntry(
                    transfer=transfer,
                    kind="earning",
                    source=f"expiry:{voucher.pk}",
                    account=account,
                    amount=amount,
                    order=order,
                    voucher=voucher,
                    merchant_id=order.offer.merchant_id,
                    currency=voucher.currency,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=3000)


def book_refunds_bulk(refunds: list[Refund]) -> None:
    """book_refund for a batch in one insert (refunds with payment.order.offer loaded)."""
    entries = []
    for refund in refunds:
        transfer = uuid.uuid4()
        order = refund.payment.order
        for account, amount in (
            (Account.UNEARNED, refund.amount),
            (Account.GATEWAY, -refund.amount),
        ):
            entries.append(
                LedgerEntry(
                    transfer=transfer,
                    kind="refund",
                    source=f"refund:{refund.pk}",
                    account=account,
                    amount=amount,
                    order=order,
                    voucher_id=refund.voucher_id,
                    merchant_id=order.offer.merchant_id,
                    currency=refund.currency,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=3000)


def _total(qs: Any) -> Decimal:
    """A Decimal sum (SQLite's SUM would turn money into floats)."""
    return sum(qs.values_list("amount", flat=True), Decimal("0"))


def unused_value(voucher: Voucher) -> Decimal:
    """What of a voucher's value is still held for the consumer."""
    moved = LedgerEntry.objects.filter(
        voucher=voucher, account=Account.UNEARNED, kind__in=["earning", "reversal", "refund"]
    )
    return voucher.value - _total(moved)


def order_breakdown(order: Order) -> dict[str, Decimal]:
    """Where an order's money is: captured = refunded + merchant net + commission + unused."""

    def total(**filters: Any) -> Decimal:
        return _total(LedgerEntry.objects.filter(order=order, **filters))

    return {
        "captured": total(kind="capture", account=Account.GATEWAY),
        "refunded": total(kind="refund", account=Account.UNEARNED),
        "merchant_net": -total(account=Account.MERCHANT),
        "commission": -total(account=Account.COMMISSION),
        "unused": -total(account=Account.UNEARNED),
    }
