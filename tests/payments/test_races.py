"""Invariant 9 under real concurrency, on PostgreSQL: two captures of one
order at once pay it once and refund the other; a capture and a refund of
the same order at once take their locks in one order."""

import time

import pytest

from o2o.errors import DomainError
from orders.models import Order, Voucher
from orders.services import RefundReason, voucher_refund
from payments import ledger
from payments.models import Payment, Refund
from payments.services import payment_failed, payment_start, payment_succeeded

from ..concurrency import requires_row_locks, run_in_threads
from ..factories import OfferFactory, UserFactory, make_order, make_paid_order

pytestmark = [pytest.mark.races, pytest.mark.django_db(transaction=True)]


def two_attempts(order: Order) -> tuple[Payment, Payment]:
    """An attempt reported failed (whose intent the payer may still confirm)
    and a new one, both about to be captured."""
    old, _ = payment_start(order_id=order.pk, user=order.user)
    payment_failed(payment_id=old.pk, message="timed out")
    new, _ = payment_start(order_id=order.pk, user=order.user)
    return old, new


def test_two_captures_of_one_order_at_once_pay_it_once_and_refund_the_other(monkeypatch):
    requires_row_locks()
    # Each capture pauses after writing its own payment, so both are inside
    # their transactions together: a check that only sees committed captures
    # would let both through.
    book_capture = ledger.book_capture

    def slow_capture(payment: Payment) -> bool:
        time.sleep(0.2)
        return book_capture(payment)

    monkeypatch.setattr(ledger, "book_capture", slow_capture)
    offer = OfferFactory()
    for _ in range(3):
        order = make_order(UserFactory(), offer, 2)
        attempts = two_attempts(order)

        results = run_in_threads(2, lambda i, a=attempts: payment_succeeded(payment_id=a[i].pk))

        assert not [r for r in results if isinstance(r, Exception)], results
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        assert Voucher.objects.filter(order=order).count() == 2
        payments = Payment.objects.filter(order=order)
        assert {p.status for p in payments} == {Payment.Status.SUCCEEDED}
        refund = Refund.objects.get(payment__order=order)
        assert refund.reason == "duplicate_payment"
        assert refund.amount == order.total
        assert refund.status == Refund.Status.SUCCEEDED
        assert order.user.notifications.filter(kind="refund_done").count() == 1


def test_a_repeated_capture_report_and_a_voucher_refund_at_once_both_go_through():
    requires_row_locks()
    offer = OfferFactory(refundable=True)
    for _ in range(6):
        order = make_paid_order(UserFactory(), offer, 2)
        payment = Payment.objects.get(order=order)
        voucher = order.vouchers.order_by("number").first()

        def act(i, order=order, payment=payment, voucher=voucher):
            if i == 0:
                return payment_succeeded(payment_id=payment.pk)
            return voucher_refund(
                voucher_id=voucher.pk, by=order.user, reason=RefundReason.CUSTOMER
            )

        results = run_in_threads(2, act)

        assert not [r for r in results if isinstance(r, Exception)], results
        assert Refund.objects.filter(voucher=voucher).count() == 1
        assert not Refund.objects.filter(payment=payment, voucher__isnull=True).exists()


def test_paying_on_two_attempts_and_cancelling_at_once_leaves_nothing_unrefunded():
    requires_row_locks()
    from orders.services import order_cancel

    offer = OfferFactory(stock=10)
    for _ in range(3):
        order = make_order(UserFactory(), offer, 1)
        old, new = two_attempts(order)

        def act(i, order=order, old=old, new=new):
            if i == 2:
                return order_cancel(order_id=order.pk, reason="payment_window_passed")
            return payment_succeeded(payment_id=(old, new)[i].pk)

        results = run_in_threads(3, act)

        assert not [r for r in results if not isinstance(r, DomainError | Payment | Order)]
        order.refresh_from_db()
        refunds = Refund.objects.filter(payment__order=order)
        if order.status == Order.Status.CANCELLED:
            assert refunds.count() == 2
            assert not order.vouchers.exists()
        else:
            assert refunds.count() == 1
            assert order.vouchers.count() == 1


def test_paying_by_three_methods_at_once_leaves_one_open_attempt():
    """A payer pressing card, Alipay and WeChat Pay together (three tabs):
    the order's lock queues them, each switch closes the attempt before it,
    and exactly one attempt is left open, with no 5xx."""
    requires_row_locks()
    offer = OfferFactory()
    methods = ["card", "alipay", "wechat_pay", "alipay"]
    for _ in range(3):
        order = make_order(UserFactory(), offer, 1)

        results = run_in_threads(
            4,
            lambda i, o=order: payment_start(order_id=o.pk, user=o.user, method=methods[i]),
        )

        assert not [r for r in results if isinstance(r, Exception)], results
        open_ = Payment.objects.filter(order=order, status=Payment.Status.PENDING)
        assert open_.count() == 1
        assert (
            Payment.objects.filter(order=order)
            .exclude(status__in=[Payment.Status.PENDING, Payment.Status.CANCELED])
            .count()
            == 0
        )
