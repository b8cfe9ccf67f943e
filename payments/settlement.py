"""Settlement: statements of what the platform owes each merchant, per period.

Periods are half-months (1st–15th, 16th–end) in the platform's time zone. A
statement gathers the merchant's earnings and reversals not yet on a
statement; its totals are sums of those ledger rows, and paying it books a
payout transfer.
"""

import csv
import io
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from o2o.errors import Conflict, PermissionDenied

from . import ledger
from .models import LedgerEntry, SettlementStatement

Account = LedgerEntry.Account


def period_containing(day: date) -> tuple[date, date]:
    """The half-month around `day`, as (first day, last day)."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), day.replace(day=monthrange(day.year, day.month)[1])


def last_closed_period(today: date) -> tuple[date, date]:
    start, _end = period_containing(today)
    return period_containing(start - timedelta(days=1))


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def statements_close(*, period_start: date, period_end: date) -> list[SettlementStatement]:
    """Close the period for every merchant with earnings in it. Idempotent."""
    until = _end_of(period_end)
    merchant_ids = (
        LedgerEntry.objects.filter(
            account=Account.MERCHANT, statement__isnull=True, created_at__lt=until
        )
        .exclude(kind="payout")
        .values_list("merchant_id", flat=True)
        .distinct()
    )
    made = []
    for merchant_id in sorted(set(merchant_ids)):
        statement = _close_one(merchant_id, period_start, period_end, until)
        if statement is not None:
            made.append(statement)
    return made


def _close_one(
    merchant_id: int, period_start: date, period_end: date, until: datetime
) -> SettlementStatement | None:
    try:
        with transaction.atomic():
            statement = SettlementStatement.objects.create(
                merchant_id=merchant_id, period_start=period_start, period_end=period_end
            )
            entries = LedgerEntry.objects.select_for_update().filter(
                merchant_id=merchant_id,
                kind__in=["earning", "reversal"],
                statement__isnull=True,
                created_at__lt=until,
            )
            entries.update(statement=statement)
            sums: dict[str, Decimal] = {}
            used: dict[int, Decimal] = {}  # per voucher, the value earned on this statement
            for account, amount, voucher_id in statement.entries.values_list(
                "account", "amount", "voucher_id"
            ):
                sums[account] = sums.get(account, Decimal("0")) + amount
                if account == Account.UNEARNED:
                    used[voucher_id] = used.get(voucher_id, Decimal("0")) + amount
            statement.gross = sums.get(Account.UNEARNED, Decimal("0"))
            statement.platform_coupons = sums.get(Account.COUPONS, Decimal("0"))
            statement.commission = -sums.get(Account.COMMISSION, Decimal("0"))
            statement.net = -sums.get(Account.MERCHANT, Decimal("0"))
            # The vouchers it pays for: a use undone on this statement pays nothing.
            statement.vouchers = sum(1 for value in used.values() if value > 0)
            statement.save()
            return statement
    except IntegrityError:
        return None  # closed already


def close_last_period(*, today: date | None = None) -> list[SettlementStatement]:
    start, end = last_closed_period(today or timezone.localdate())
    return statements_close(period_start=start, period_end=end)


@transaction.atomic
def statement_mark_paid(*, statement_id: int, by: User) -> SettlementStatement:
    """An admin records the payout; the ledger books it."""
    if not by.is_staff:
        raise PermissionDenied("admins_only", _("Only admins can do this."))
    statement = SettlementStatement.objects.select_for_update().get(pk=statement_id)
    if statement.status == SettlementStatement.Status.PAID:
        raise Conflict("already_paid", _("This statement is already paid."))
    ledger._book(
        "payout",
        f"payout:{statement.pk}",
        [(Account.MERCHANT, statement.net), (Account.GATEWAY, -statement.net)],
        merchant_id=statement.merchant_id,
        currency=statement.currency,
    )
    statement.status = SettlementStatement.Status.PAID
    statement.paid_at = timezone.now()
    statement.paid_by = by
    statement.save(update_fields=["status", "paid_at", "paid_by", "updated_at"])
    return statement


# A spreadsheet runs a text cell starting with one of these as a formula
# (OWASP "CSV injection"): a deal titled =HYPERLINK(...) would be a live link
# in the merchant's copy of their statement.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value for a CSV cell: text that would start a formula gets a leading
    quote, which spreadsheets show as text (OWASP's advice). Amounts are
    numbers, never text, and stay as they are: a negative amount is a number."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    """csv.writer with every text cell passed through csv_cell."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[object]) -> None:
        self._writer.writerow([csv_cell(value) for value in row])


def statement_csv(statement: SettlementStatement) -> str:
    """One line per voucher use on the statement: what the merchant is paid for."""
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(
        ["date", "kind", "voucher", "deal", "gross", "platform coupons", "commission", "net",
         "currency"]
    )  # fmt: skip
    legs = statement.entries.select_related("voucher__offer").order_by(
        "created_at", "transfer", "account"
    )
    by_transfer: dict[str, dict[str, object]] = {}
    for leg in legs:
        row = by_transfer.setdefault(
            str(leg.transfer),
            {
                "date": timezone.localtime(leg.created_at).strftime("%Y-%m-%d %H:%M"),
                "kind": leg.kind,
                "voucher": leg.voucher.code if leg.voucher else "",
                "deal": leg.voucher.offer.title if leg.voucher else "",
                "currency": leg.currency,
            },
        )
        row[leg.account] = leg.amount
    for row in by_transfer.values():
        writer.writerow(
            [
                row["date"],
                row["kind"],
                row["voucher"],
                row["deal"],
                row.get(Account.UNEARNED, 0),
                row.get(Account.COUPONS, 0),
                -row.get(Account.COMMISSION, 0),  # type: ignore[operator]
                -row.get(Account.MERCHANT, 0),  # type: ignore[operator]
                row["currency"],
            ]
        )
    writer.writerow(
        [
            "total",
            "",
            statement.vouchers,
            "",
            statement.gross,
            statement.platform_coupons,
            statement.commission,
            statement.net,
            statement.currency,
        ]
    )
    return out.getvalue()
