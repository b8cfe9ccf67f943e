"""Invariant 4, checked after every test that touched the database:
money is never lost or invented."""

from decimal import Decimal

from django.db.models import Count, F, Q

from orders.models import Order, Voucher
from payments import ledger
from payments.models import LedgerEntry, Payment, Refund


def _sum(qs, field="amount") -> Decimal:
    return sum((row for row in qs.values_list(field, flat=True)), Decimal("0"))


def assert_money_adds_up() -> None:
    # Every transfer balances, so the whole ledger sums to zero. (Summed in
    # Decimal here: SQLite would sum these as floats.)
    transfers: dict[object, Decimal] = {}
    for transfer, amount in LedgerEntry.objects.values_list("transfer", "amount"):
        transfers[transfer] = transfers.get(transfer, Decimal("0")) + amount
    assert all(total == 0 for total in transfers.values()), transfers
    orders = Order.objects.filter(pk__in=LedgerEntry.objects.values("order")).distinct()
    for order in orders:
        money = ledger.order_breakdown(order)
        # captured = refunded + merchant net + platform commission + value still
        # unused − what the platform's coupons paid the merchant
        assert money["captured"] == (
            money["refunded"]
            + money["merchant_net"]
            + money["commission"]
            + money["unused"]
            - money["platform_coupons"]
        ), (order, money)
        # ... and the total paid is the subtotal less the discount, never below zero.
        assert order.total == order.subtotal - order.discount >= 0, order
        # ... and the ledger agrees with the payments, refunds and vouchers themselves.
        assert money["captured"] == _sum(order.payments.filter(status=Payment.Status.SUCCEEDED))
        assert money["refunded"] == _sum(
            Refund.objects.filter(payment__order=order).exclude(status=Refund.Status.FAILED)
        )
        if order.status in (Order.Status.PAID, Order.Status.COMPLETED):
            held = sum(
                (
                    ledger.unused_value(v)
                    for v in order.vouchers.filter(status=Voucher.Status.ISSUED)
                ),
                Decimal("0"),
            )
            assert money["unused"] == held, (order, money, held)


def assert_orders_count_their_vouchers() -> None:
    # Order.vouchers_usable is kept by counting down in each voucher's change;
    # whatever a test did, it must equal what the vouchers say.
    wrong = (
        Order.objects.annotate(
            issued=Count("vouchers", filter=Q(vouchers__status=Voucher.Status.ISSUED))
        )
        .exclude(vouchers_usable=F("issued"))
        .values_list("pk", "status", "vouchers_usable", "issued")
    )
    assert not list(wrong), list(wrong)
