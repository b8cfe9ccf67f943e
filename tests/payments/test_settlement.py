"""Commission and settlement: what each merchant is owed, from the ledger."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Merchant
from offers.models import Offer
from orders.models import Voucher
from orders.services import expire_vouchers, redemption_undo, voucher_redeem, voucher_refund
from payments import ledger
from payments.models import LedgerEntry, SettlementStatement
from payments.selectors import merchant_balance
from payments.settlement import (
    close_last_period,
    last_closed_period,
    period_containing,
    statement_mark_paid,
    statements_close,
)

from ..factories import OfferFactory, UserFactory, make_paid_order, make_voucher

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


HALF_CENT_PRICE = Decimal("198.05")
TEN_PERCENT = Decimal("0.10")


def close_now():
    return statements_close(period_start=TODAY - timedelta(days=15), period_end=TODAY)


def paid_out(merchant):
    """The cash the platform sent the merchant: its payouts' gateway legs."""
    payouts = LedgerEntry.objects.filter(
        merchant=merchant, kind="payout", account=LedgerEntry.Account.GATEWAY
    )
    return -sum(payouts.values_list("amount", flat=True), Decimal("0"))


def test_periods_are_half_months():
    assert period_containing(date(2026, 2, 3)) == (date(2026, 2, 1), date(2026, 2, 15))
    assert period_containing(date(2026, 2, 20)) == (date(2026, 2, 16), date(2026, 2, 28))
    assert last_closed_period(date(2026, 3, 2)) == (date(2026, 2, 16), date(2026, 2, 28))
    assert last_closed_period(date(2026, 3, 16)) == (date(2026, 3, 1), date(2026, 3, 15))


def test_commission_is_fixed_at_payment_and_each_redemption_pays_the_merchant_net(
    consumer, offer, store, cashier
):
    Merchant.objects.filter(pk=offer.merchant_id).update(commission_rate=Decimal("0.10"))
    order = make_paid_order(consumer, offer, 2)
    Merchant.objects.filter(pk=offer.merchant_id).update(commission_rate=Decimal("0.50"))
    voucher = order.vouchers.first()
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    money = ledger.order_breakdown(order)
    assert money == {
        "captured": Decimal("396.00"),
        "refunded": Decimal("0"),
        "merchant_net": Decimal("178.20"),
        "commission": Decimal("19.80"),
        "unused": Decimal("198.00"),
        "platform_coupons": Decimal("0"),
    }


@pytest.mark.parametrize(
    ("deal_rate", "merchant_rate", "commission"),
    [
        (Decimal("0.05"), Decimal("0.20"), Decimal("9.90")),  # the deal's, below the merchant's
        (Decimal("0.20"), Decimal("0.05"), Decimal("39.60")),  # the deal's, above the merchant's
        (Decimal("0"), Decimal("0.10"), Decimal("0.00")),  # a deal at no commission
        (None, Decimal("0.10"), Decimal("19.80")),  # no rate of its own: the merchant's
        (None, None, Decimal("15.84")),  # neither: the platform's 8 %
    ],
    ids=["deal-below-merchant", "deal-above-merchant", "deal-at-zero", "merchant", "platform"],
)
def test_a_deals_own_commission_rate_beats_its_merchants(
    consumer, store, cashier, deal_rate, merchant_rate, commission
):
    Merchant.objects.filter(pk=store.merchant_id).update(commission_rate=merchant_rate)
    offer = OfferFactory(merchant=store.merchant, stores=[store], commission_rate=deal_rate)
    voucher = make_voucher(consumer, offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    (statement,) = close_now()
    assert (statement.gross, statement.commission, statement.net) == (
        Decimal("198.00"),
        commission,
        Decimal("198.00") - commission,
    )


def test_an_undone_redemption_reverses_the_earning(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    redemption = voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    redemption_undo(redemption_id=redemption.pk, by=cashier)
    money = ledger.order_breakdown(voucher.order)
    assert money["merchant_net"] == 0
    assert money["commission"] == 0
    assert money["unused"] == Decimal("198.00")


def test_a_ten_visit_card_is_earned_use_by_use_to_the_cent(consumer, store, cashier):
    offer = OfferFactory(
        merchant=store.merchant,
        stores=[store],
        uses_per_voucher=3,
        price=Decimal("100.00"),
        list_price=Decimal("150.00"),
    )
    voucher = make_voucher(consumer, offer)
    for _ in range(3):
        voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    money = ledger.order_breakdown(voucher.order)
    assert money["unused"] == 0
    assert money["merchant_net"] + money["commission"] == Decimal("100.00")


def test_expired_unrefunded_vouchers_are_earned_refunded_ones_go_back(consumer, store):
    keep = OfferFactory(merchant=store.merchant, stores=[store], refund_on_expiry=False)
    give = OfferFactory(merchant=store.merchant, stores=[store], refund_on_expiry=True)
    kept, given = make_voucher(consumer, keep), make_voucher(consumer, give)
    Voucher.objects.update(expires_at=timezone.now() - timedelta(days=1))
    expire_vouchers()
    kept_money = ledger.order_breakdown(kept.order)
    assert kept_money["merchant_net"] == Decimal("182.16")  # 198 less 8 %
    assert kept_money["commission"] == Decimal("15.84")
    assert ledger.order_breakdown(given.order)["refunded"] == Decimal("198.00")


def test_a_statement_sums_its_vouchers_and_paying_it_books_a_payout(
    consumer, offer, store, cashier, admin_user
):
    vouchers = make_paid_order(consumer, offer, 3).vouchers.order_by("number")
    for voucher in vouchers[:2]:
        voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    voucher_refund(voucher_id=vouchers[2].pk, by=consumer, reason="customer")
    (statement,) = close_now()
    assert statement.vouchers == 2
    assert statement.gross == Decimal("396.00")
    assert statement.commission == Decimal("31.68")  # 8 % platform rate
    assert statement.net == statement.gross - statement.commission
    legs = LedgerEntry.objects.filter(statement=statement)
    assert sum(e.amount for e in legs if e.account == "unearned") == statement.gross
    assert close_now() == []  # closing again changes nothing
    statement_mark_paid(statement_id=statement.pk, by=admin_user)
    statement.refresh_from_db()
    assert statement.status == SettlementStatement.Status.PAID
    with pytest.raises(Exception) as again:  # noqa: PT011
        statement_mark_paid(statement_id=statement.pk, by=admin_user)
    assert again.value.code == "already_paid"
    with pytest.raises(Exception) as not_admin:  # noqa: PT011
        statement_mark_paid(statement_id=statement.pk, by=consumer)
    assert not_admin.value.code == "admins_only"


def test_an_undone_redemption_is_not_paid_on_the_statement(
    consumer, offer, store, cashier, admin_user
):
    kept, undone = make_paid_order(consumer, offer, 2).vouchers.order_by("number")
    voucher_redeem(code=kept.code, store_id=store.pk, by=cashier)
    mistake = voucher_redeem(code=undone.code, store_id=store.pk, by=cashier)
    redemption_undo(redemption_id=mistake.pk, by=cashier)
    (statement,) = close_now()
    assert (statement.gross, statement.commission, statement.net) == (
        Decimal("198.00"),
        Decimal("15.84"),
        Decimal("182.16"),  # one voucher: 198 less 8 %
    )
    statement_mark_paid(statement_id=statement.pk, by=admin_user)
    assert paid_out(offer.merchant) == Decimal("182.16")


def test_a_statement_counts_only_the_vouchers_it_pays_for(consumer, store, cashier):
    """The merchant's statements page shows how many vouchers each pays for:
    a use undone does not count, a card used twice counts once."""
    offer = OfferFactory(merchant=store.merchant, stores=[store], uses_per_voucher=2)
    kept, card, undone = make_paid_order(consumer, offer, 3).vouchers.order_by("number")
    for voucher in (kept, card, card):
        voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    mistake = voucher_redeem(code=undone.code, store_id=store.pk, by=cashier)
    redemption_undo(redemption_id=mistake.pk, by=cashier)
    (statement,) = close_now()
    assert (statement.vouchers, statement.gross) == (2, Decimal("297.00"))  # a use is 99.00


def test_a_redemption_undone_after_its_statement_closed_is_taken_back_on_the_next(
    consumer, offer, store, cashier
):
    """Redeemed at 23:59 on the last day of a period, the statement closed at
    midnight, the cashier undid the mistake at 00:05: the merchant was paid
    for it once, so the next statement takes it back."""
    voucher = make_voucher(consumer, offer)
    redemption = voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    _start, last_day = last_closed_period(TODAY)
    LedgerEntry.objects.filter(source=ledger.redemption_source(redemption)).update(
        created_at=timezone.make_aware(datetime.combine(last_day, time(23, 59)))
    )
    (closed,) = close_last_period()
    assert closed.net == Decimal("182.16")
    redemption_undo(redemption_id=redemption.pk, by=cashier)
    (taken_back,) = close_now()
    assert (taken_back.gross, taken_back.commission, taken_back.net) == (
        Decimal("-198.00"),
        Decimal("-15.84"),
        Decimal("-182.16"),
    )
    assert closed.net + taken_back.net == 0


def test_paying_a_statement_pays_its_net_and_leaves_nothing_owed(
    consumer, offer, store, cashier, admin_user
):
    voucher = make_voucher(consumer, offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    (statement,) = close_now()
    assert merchant_balance(offer.merchant) == {"unsettled": 0, "to_be_paid": Decimal("182.16")}
    statement_mark_paid(statement_id=statement.pk, by=admin_user)
    assert paid_out(offer.merchant) == Decimal("182.16")  # 198 less the 15.84 commission
    assert merchant_balance(offer.merchant) == {"unsettled": 0, "to_be_paid": 0}


# --- half cents: money is rounded half up, on every path and both databases --


def test_a_commission_of_exactly_half_a_cent_is_rounded_up(consumer, store, cashier):
    """¥198.05 at 10 % is ¥19.805 of commission: ¥19.81 half up (half even: ¥19.80)."""
    offer = OfferFactory(
        merchant=store.merchant, stores=[store], price=HALF_CENT_PRICE, commission_rate=TEN_PERCENT
    )
    voucher = make_voucher(consumer, offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    (statement,) = close_now()
    assert (statement.gross, statement.commission, statement.net) == (
        Decimal("198.05"),
        Decimal("19.81"),
        Decimal("178.24"),
    )


def test_an_expired_vouchers_half_cent_commission_is_rounded_up(consumer, store):
    """Expiry books its earning by its own path (in SQL on PostgreSQL)."""
    offer = OfferFactory(
        merchant=store.merchant,
        stores=[store],
        price=HALF_CENT_PRICE,
        commission_rate=TEN_PERCENT,
        refund_on_expiry=False,
    )
    voucher = make_voucher(consumer, offer)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_vouchers() == 1
    (statement,) = close_now()
    assert (statement.gross, statement.commission, statement.net) == (
        Decimal("198.05"),
        Decimal("19.81"),
        Decimal("178.24"),
    )


def test_a_use_worth_half_a_cent_more_is_rounded_up_and_the_last_use_takes_the_rest(
    consumer, store, cashier
):
    """Two uses of ¥100.05: the first is worth ¥50.03 (50.025 half up; half
    even: 50.02), the second the ¥50.02 left."""
    offer = OfferFactory(
        merchant=store.merchant,
        stores=[store],
        price=Decimal("100.05"),
        uses_per_voucher=2,
        commission_rate=Decimal("0"),
    )
    voucher = make_voucher(consumer, offer)
    earned = []
    for _use in range(2):
        voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
        earned.append(ledger.order_breakdown(voucher.order)["merchant_net"])
    assert earned == [Decimal("50.03"), Decimal("100.05")]


def test_a_partly_used_card_that_expires_rounds_each_half_cent_of_commission_up(
    consumer, store, cashier
):
    """Two uses of ¥100.10 at 10 %: the use redeemed and the use left to
    expire are ¥50.05 each, whose ¥5.005 of commission is ¥5.01 half up."""
    offer = OfferFactory(
        merchant=store.merchant,
        stores=[store],
        price=Decimal("100.10"),
        uses_per_voucher=2,
        commission_rate=TEN_PERCENT,
    )
    voucher = make_voucher(consumer, offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert expire_vouchers() == 1
    (statement,) = close_now()
    assert (statement.gross, statement.commission, statement.net) == (
        Decimal("100.10"),
        Decimal("10.02"),
        Decimal("90.08"),
    )


def test_the_periodic_job_closes_the_last_half_month(consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    LedgerEntry.objects.update(created_at=timezone.now() - timedelta(days=40))
    assert len(close_last_period()) == 1
    assert close_last_period() == []


def test_merchant_sees_and_downloads_statements_others_cannot(client, owner, cashier, offer, store):
    voucher = make_voucher(UserFactory(), offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    (statement,) = close_now()
    client.force_login(owner)
    page = client.get(reverse("merchants:statements")).content.decode()
    assert "¥182.16" in page  # 198 less 8 %
    csv = client.get(reverse("merchants:statement_csv", args=[statement.pk]))
    assert csv["Content-Type"].startswith("text/csv")
    assert voucher.code in csv.content.decode()
    client.force_login(cashier)
    assert client.get(reverse("merchants:statements")).status_code == 403
    other = OfferFactory(status=Offer.Status.LIVE)
    from ..factories import MembershipFactory

    client.force_login(MembershipFactory(merchant=other.merchant).user)
    assert client.get(reverse("merchants:statement_csv", args=[statement.pk])).status_code == 404


@pytest.mark.parametrize(
    "title",
    ['=HYPERLINK("http://x")', "+1+cmd", "-2+3", "@SUM(A1:A9)", "\tleading tab", "\rleading CR"],
)
def test_a_deal_title_that_would_be_a_formula_is_text_in_the_statement_csv(
    client, owner, cashier, offer, store, title
):
    """OWASP's CSV injection: a spreadsheet would run the cell. A leading quote
    makes it text; the amounts, negative ones too, stay numbers."""
    Offer.objects.filter(pk=offer.pk).update(title=title)
    kept = make_voucher(UserFactory(), offer)
    voucher_redeem(code=kept.code, store_id=store.pk, by=cashier)
    undone = make_voucher(UserFactory(), offer)
    redemption = voucher_redeem(code=undone.code, store_id=store.pk, by=cashier)
    redemption_undo(redemption_id=redemption.pk, by=cashier)
    (statement,) = close_now()
    client.force_login(owner)
    response = client.get(reverse("merchants:statement_csv", args=[statement.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, *lines, total = rows
    deals = [line[header.index("deal")] for line in lines]
    assert deals == ["'" + title] * 3  # two earnings and one reversal
    grosses = sorted(Decimal(line[header.index("gross")]) for line in lines)
    assert grosses == [Decimal("-198.00"), Decimal("198.00"), Decimal("198.00")]
    assert [line[header.index("net")] for line in lines].count("-182.16") == 1
    assert total[header.index("net")] == "182.16"


def test_rows_with_money_on_them_cannot_be_deleted(consumer, offer):
    """The ledger's references are kept by PROTECT, not by database keys."""
    from django.db.models import ProtectedError

    voucher = make_voucher(consumer, offer)
    Voucher.objects.filter(pk=voucher.pk).update(expires_at=timezone.now() - timedelta(days=1))
    expire_vouchers()
    assert LedgerEntry.objects.filter(voucher=voucher).exists()
    with pytest.raises(ProtectedError):
        Voucher.objects.filter(pk=voucher.pk).delete()
    with pytest.raises(ProtectedError):
        offer.merchant.delete()
    assert Voucher.objects.filter(pk=voucher.pk).exists()
