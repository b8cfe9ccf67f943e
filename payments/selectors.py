"""Reads of money: statements and balances, always sums of ledger rows; the
ways to pay a page offers."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from merchants.models import Merchant

from .ledger import _total
from .models import LedgerEntry, Payment, SettlementStatement
from .services import methods_for

# Each method's icon (Font Awesome, shipped with the site): decoration beside its label.
METHOD_ICONS = {
    Payment.Method.CARD: "fa-regular fa-credit-card",
    Payment.Method.ALIPAY: "fa-brands fa-alipay pay-icon-alipay",
    Payment.Method.WECHAT_PAY: "fa-brands fa-weixin pay-icon-wechat",
}


@dataclass(frozen=True)
class MethodChoice:
    value: str
    label: str
    icon: str
    checked: bool


def method_choices(currency: str, chosen: object = None) -> list[MethodChoice]:
    """The radio choices of a pay form for an amount in `currency`, card first,
    with the payer's earlier choice (a form shown again) or card checked."""
    methods = methods_for(currency)
    checked = chosen if chosen in methods else Payment.Method.CARD
    return [
        MethodChoice(
            value=method.value,
            label=str(method.label),
            icon=METHOD_ICONS[method],
            checked=method == checked,
        )
        for method in methods
    ]


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
