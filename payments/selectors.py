"""Reads of money: statements and balances, always sums of ledger rows."""

from decimal import Decimal

from django.db.models import QuerySet

from merchants.models import Merchant

from .ledger import _total
from .models import LedgerEntry, SettlementStatement


def statements_for_merchant(merchant: Merchant) -> QuerySet[SettlementStatement]:
    return SettlementStatement.objects.filter(merchant=merchant).order_by("-period_end")


def merchant_balance(merchant: Merchant) -> dict[str, Decimal]:
    """Earned but not yet on a statement, and on statements but not yet paid."""
    rows = LedgerEntry.objects.filter(merchant=merchant, account=LedgerEntry.Account.MERCHANT)
    return {
        "unsettled": -_total(rows.filter(statement__isnull=True).exclude(kind="payout")),
        "to_be_paid": -_total(rows.exclude(statement__isnull=True))
        - _total(rows.filter(kind="payout")),
    }
