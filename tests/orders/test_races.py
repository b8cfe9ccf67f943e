"""Invariants 1–3 under real concurrency, on PostgreSQL."""

import pytest
from django.db.models import Sum

from o2o.errors import DomainError
from orders import services
from orders.models import Order, OrderEvent, Redemption, Voucher
from payments.models import Payment
from payments.services import payment_start, payment_succeeded

from ..concurrency import requires_row_locks, run_in_threads
from ..factories import (
    OfferFactory,
    UserFactory,
    make_cashier,
    make_order,
    make_paid_order,
    make_voucher,
)

pytestmark = [pytest.mark.races, pytest.mark.django_db(transaction=True)]


def outcome(fn):
    def run(i):
        try:
            fn(i)
        except DomainError as err:
            return err.code
        return "ok"

    return run


def test_sixty_buyers_at_once_never_oversell_ten_units():
    requires_row_locks()
    offer = OfferFactory(stock=10)
    buyers = [UserFactory() for _ in range(60)]

    results = run_in_threads(
        60, outcome(lambda i: services.order_create(user=buyers[i], offer_id=offer.pk, quantity=1))
    )

    assert results.count("ok") == 10
    assert results.count("sold_out") == 50
    offer.refresh_from_db()
    assert offer.stock_left == 0
    assert Order.objects.aggregate(n=Sum("quantity"))["n"] == 10


def test_one_buyer_in_many_tabs_stays_within_the_limit():
    requires_row_locks()
    offer = OfferFactory(limit_per_user=2)
    buyer = UserFactory()

    results = run_in_threads(
        10, outcome(lambda i: services.order_create(user=buyer, offer_id=offer.pk, quantity=1))
    )

    assert results.count("ok") == 2
    assert results.count("limit_exceeded") == 8


def test_ten_cashiers_redeem_one_voucher_once():
    requires_row_locks()
    offer = OfferFactory()
    store = offer.stores.get()
    cashiers = [make_cashier(offer.merchant) for _ in range(10)]
    voucher = make_voucher(UserFactory(), offer)

    results = run_in_threads(
        10,
        outcome(
            lambda i: services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashiers[i])
        ),
    )

    assert results.count("ok") == 1
    assert results.count("already_redeemed") == 9
    assert Redemption.objects.filter(voucher=voucher).count() == 1
    voucher.refresh_from_db()
    assert voucher.uses_left == 0


def test_a_ten_visit_card_gives_exactly_ten_uses_to_twenty_presses():
    requires_row_locks()
    offer = OfferFactory(uses_per_voucher=10)
    store = offer.stores.get()
    cashier = make_cashier(offer.merchant)
    voucher = make_voucher(UserFactory(), offer)

    results = run_in_threads(
        20,
        outcome(
            lambda i: services.voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
        ),
    )

    assert results.count("ok") == 10
    voucher.refresh_from_db()
    assert voucher.uses_left == 0
    assert voucher.status == Voucher.Status.REDEEMED


def test_the_gateway_reporting_one_payment_five_times_at_once_issues_vouchers_once():
    requires_row_locks()
    offer = OfferFactory()
    order = make_order(UserFactory(), offer, 3)
    payment, _ = payment_start(order_id=order.pk, user=order.user)

    run_in_threads(5, lambda i: payment_succeeded(payment_id=payment.pk))

    assert Voucher.objects.filter(order=order).count() == 3
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_cancelling_and_paying_at_once_never_leaves_vouchers_on_a_cancelled_order():
    requires_row_locks()
    offer = OfferFactory(stock=5)
    order = make_order(UserFactory(), offer, 2)
    payment, _ = payment_start(order_id=order.pk, user=order.user)

    def act(i):
        if i == 0:
            return services.order_cancel(order_id=order.pk, reason="test")
        return payment_succeeded(payment_id=payment.pk)

    run_in_threads(2, act)
    order.refresh_from_db()
    offer.refresh_from_db()
    if order.status == Order.Status.CANCELLED:
        assert order.vouchers.count() == 0
        assert offer.stock_left == 5
        assert payment.refunds.count() == 1  # the late capture went back
    else:
        assert order.vouchers.count() == 2
        assert offer.stock_left == 3


def test_five_pay_presses_at_once_open_one_payment_attempt():
    requires_row_locks()
    offer = OfferFactory()
    order = make_order(UserFactory(), offer, 1)

    results = run_in_threads(5, lambda i: payment_start(order_id=order.pk, user=order.user)[0].pk)

    assert len(set(results)) == 1, results
    assert Payment.objects.filter(order=order).count() == 1


def test_four_expiry_workers_at_once_expire_or_refund_each_voucher_once():
    from datetime import timedelta

    from django.utils import timezone

    from payments.models import LedgerEntry, Refund

    requires_row_locks()
    keep = OfferFactory(refund_on_expiry=False)
    give = OfferFactory(refund_on_expiry=True)
    for offer in (keep, give):
        for _ in range(6):
            make_paid_order(UserFactory(), offer, 10)
    Voucher.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    results = run_in_threads(4, lambda i: services.expire_vouchers(batch_size=7))

    assert sum(results) == 120, results  # every voucher done by exactly one worker
    assert Voucher.objects.filter(offer=keep, status="expired").count() == 60
    assert Voucher.objects.filter(offer=give, status="refunded").count() == 60
    assert Refund.objects.count() == 60
    earned = LedgerEntry.objects.filter(source__startswith="expiry:")
    assert earned.count() == 60 * 3
    assert earned.values("source").distinct().count() == 60
    # Each order's vouchers were spread over several workers' batches.
    assert set(Order.objects.values_list("status", flat=True)) == {"completed"}


def test_the_last_two_vouchers_of_an_order_used_at_once_complete_the_order():
    requires_row_locks()
    offer = OfferFactory()
    store = offer.stores.get()
    cashiers = [make_cashier(offer.merchant) for _ in range(2)]
    orders = [make_paid_order(UserFactory(), offer, 2) for _ in range(8)]
    codes = [v.code for order in orders for v in order.vouchers.order_by("number")]

    # Eight rounds, each with two cashiers at two tills using the two vouchers of one order.
    for n in range(len(orders)):
        results = run_in_threads(
            2,
            outcome(
                lambda i, n=n: services.voucher_redeem(
                    code=codes[2 * n + i], store_id=store.pk, by=cashiers[i]
                )
            ),
        )
        assert results == ["ok", "ok"]

    assert set(Order.objects.values_list("status", flat=True)) == {"completed"}
    _each_order_says_once_it_was_completed(orders)


def _each_order_says_once_it_was_completed(orders):
    for order in orders:
        changes = OrderEvent.objects.filter(order=order, from_status="paid", to_status="completed")
        assert changes.count() == 1, order.pk


def test_a_refund_and_the_last_use_of_an_order_at_once_complete_the_order():
    requires_row_locks()
    offer = OfferFactory(refundable=True)
    store = offer.stores.get()
    cashier = make_cashier(offer.merchant)
    orders = [make_paid_order(UserFactory(), offer, 2) for _ in range(8)]

    def use_one_refund_the_other(order, i):
        use, refund = order.vouchers.order_by("number")
        if i == 0:
            services.voucher_redeem(code=use.code, store_id=store.pk, by=cashier)
        else:
            services.voucher_refund(
                voucher_id=refund.pk, by=order.user, reason=services.RefundReason.CUSTOMER
            )

    for order in orders:
        results = run_in_threads(
            2, outcome(lambda i, order=order: use_one_refund_the_other(order, i))
        )
        assert results == ["ok", "ok"]

    assert set(Order.objects.values_list("status", flat=True)) == {"completed"}
    _each_order_says_once_it_was_completed(orders)
