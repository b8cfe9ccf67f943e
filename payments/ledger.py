"""The money ledger: every movement as a balanced, append-only transfer.

    capture      gateway +A   unearned −A          a consumer paid
    refund       unearned +A  gateway −A           money went back
    earning      unearned +v  coupons +s  merchant −(v+s−c)  commission −c
                                       a voucher use was redeemed (or expired unrefunded);
                                       s: the platform's coupon share of it (else 0)
    reversal     the earning's legs, negated       a redemption was undone
    payout       merchant +n  gateway −n           a statement was paid

Signs: the legs of one transfer always sum to zero. A cause is booked once
(unique source per account), so a retried task or a repeated webhook cannot
book it twice. Every total the product shows is a sum over these rows.
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from o2o import bulk, rawsql
from orders.models import Order, Redemption, Voucher
from orders.rules import never_used

from .models import LedgerEntry, Payment, Refund

CENT = Decimal("0.01")
Account = LedgerEntry.Account


LEG_FIELDS = (
    "transfer", "kind", "account", "amount", "currency",
    "merchant_id", "order_id", "voucher_id", "source", "created_at",
)  # fmt: skip


def _require_balanced(legs: list[tuple[str, Decimal]], what: str) -> None:
    """The legs of one transfer sum to zero, or nothing is booked."""
    if sum(amount for _account, amount in legs) != 0:
        raise ValueError(f"unbalanced transfer {what}: {legs}")


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
    _require_balanced(legs, f"{kind} {source}")
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


def use_share(amount: Decimal, uses_allowed: int, use_number: int) -> Decimal:
    """One use's share of a voucher's amount; the last use takes the rounding remainder."""
    per_use = (amount / uses_allowed).quantize(CENT, rounding=ROUND_HALF_UP)
    if use_number < uses_allowed:
        return per_use
    return amount - per_use * (uses_allowed - 1)


def use_value(voucher: Voucher, use_number: int) -> Decimal:
    """The value of one use of a voucher (what was paid for it)."""
    return use_share(voucher.value, voucher.uses_allowed, use_number)


def _earning_legs(
    amount: Decimal, rate: Decimal, subsidy: Decimal = Decimal("0")
) -> list[tuple[str, Decimal]]:
    """What was paid for a use (`amount`) and the platform's coupon share of
    it (`subsidy`) go to the merchant, less the commission on both (the price)."""
    gross = amount + subsidy
    commission = (gross * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    legs = [(Account.UNEARNED, amount)]
    if subsidy:
        legs.append((Account.COUPONS, subsidy))
    return [*legs, (Account.MERCHANT, -(gross - commission)), (Account.COMMISSION, -commission)]


def _rate(commission_rate: Decimal | None) -> Decimal:
    return commission_rate if commission_rate is not None else Decimal("0")


def redemption_legs(
    voucher: Voucher, *, use_number: int, commission_rate: Decimal | None
) -> list[tuple[str, Decimal]]:
    """The earning of a voucher's `use_number`-th use."""
    return _earning_legs(
        use_value(voucher, use_number),
        _rate(commission_rate),
        use_share(voucher.subsidy, voucher.uses_allowed, use_number),
    )


_EARNINGS = {rows: rawsql.Insert(LedgerEntry, LEG_FIELDS, rows=rows) for rows in (3, 4)}


def redemption_source(redemption: Redemption) -> str:
    """The source of a redemption's earning: its key, which it has before the
    database gives it an id (so the legs go with its row, one round trip)."""
    return f"redemption:{redemption.key}"


def book_redemption(redemption: Redemption, *, use_number: int) -> bool:
    """The earning of a voucher's use: _earning_legs, like every earning,
    appended by one prepared insert (on every till's hot path). The
    redemption is new, so its source cannot have been booked."""
    voucher = redemption.voucher
    legs = redemption_legs(
        voucher, use_number=use_number, commission_rate=voucher.order.commission_rate
    )
    transfer, source, now = uuid.uuid4(), redemption_source(redemption), timezone.now()
    _require_balanced(legs, f"earning {source}")
    _EARNINGS[len(legs)].run(
        *(
            (transfer, "earning", account, amount, voucher.currency,
             voucher.offer.merchant_id, voucher.order_id, voucher.pk, source, now)
            for account, amount in legs
        )
    )  # fmt: skip
    return True


def book_undo(redemption: Redemption) -> bool:
    """Reverse a redemption's earning, leg by leg."""
    legs = list(
        # Redemptions booked before they had keys were booked by their id.
        LedgerEntry.objects.filter(
            source__in=[redemption_source(redemption), f"redemption:{redemption.pk}"]
        ).values_list("account", "amount")
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


def book_expiries(voucher_ids: list[int]) -> None:
    """What an expired, unrefunded voucher still held is earned by its
    merchant, as if redeemed: the value less what its uses, undos and
    refunds already moved, split by _earning_legs like every earning.

    A night's expiry books millions of these, so the legs are computed here
    as plain rows and appended at once (o2o.bulk)."""
    if not voucher_ids:
        return
    vouchers = list(
        Voucher.objects.filter(pk__any=voucher_ids)
        .order_by("pk")
        .annotate(untouched=ExpressionWrapper(never_used(), output_field=BooleanField()))
        .values_list(
            "pk",
            "order_id",
            "value",
            "subsidy",
            "currency",
            "order__commission_rate",
            "offer__merchant_id",
            "untouched",
        )
    )
    touched = [row[0] for row in vouchers if not row[-1]]
    moved: dict[tuple[int, str], Decimal] = {}
    for voucher_id, account, amount in LedgerEntry.objects.filter(
        voucher_id__any=touched,
        account__in=[Account.UNEARNED, Account.COUPONS],
        kind__in=["earning", "reversal", "refund"],
    ).values_list("voucher_id", "account", "amount"):
        key = (voucher_id, account)
        moved[key] = moved.get(key, Decimal("0")) + amount
    now = timezone.now()
    rows = []
    nothing = Decimal("0")
    for pk, order_id, value, subsidy, currency, rate, merchant_id, _untouched in vouchers:
        remaining = value - moved.get((pk, Account.UNEARNED), nothing)
        subsidy_left = subsidy - moved.get((pk, Account.COUPONS), nothing)
        if remaining <= 0 and subsidy_left <= 0:
            continue
        transfer = uuid.uuid4()
        source = f"expiry:{pk}"
        for account, amount in _earning_legs(remaining, _rate(rate), subsidy_left):
            rows.append(
                (transfer, "earning", account, amount, currency,
                 merchant_id, order_id, pk, source, now)
            )  # fmt: skip
    bulk.insert_rows(LedgerEntry, LEG_FIELDS, rows)


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
    """Where an order's money is: captured = refunded + merchant net +
    commission + unused − platform coupons (what the platform's coupon paid
    the merchant on top of what the customer paid)."""

    def total(**filters: Any) -> Decimal:
        return _total(LedgerEntry.objects.filter(order=order, **filters))

    return {
        "captured": total(kind="capture", account=Account.GATEWAY),
        "refunded": total(kind="refund", account=Account.UNEARNED),
        "merchant_net": -total(account=Account.MERCHANT),
        "commission": -total(account=Account.COMMISSION),
        "unused": -total(account=Account.UNEARNED),
        "platform_coupons": total(account=Account.COUPONS),
    }
