"""Buying and using deals in the browser."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.urls import reverse

from orders.models import Order, Voucher
from orders.services import voucher_redeem
from payments.models import Payment

from ..factories import OfferFactory, UserFactory, make_order, make_voucher

pytestmark = pytest.mark.django_db


def test_checkout_needs_a_login(client, offer):
    response = client.get(reverse("orders:checkout", args=[offer.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_buy_two_pay_on_the_dev_gateway_and_see_two_vouchers_with_qr(client, consumer, offer):
    client.force_login(consumer)
    response = client.post(reverse("orders:checkout", args=[offer.pk]), {"quantity": 2})
    payment = Payment.objects.get()
    assert response.url == reverse("payments:dev_pay", args=[payment.idempotency_key])
    page = client.get(response.url).content.decode()
    assert "Development payment gateway" in page
    assert "¥396" in page
    response = client.post(response.url, {"outcome": "succeed"})
    order = Order.objects.get()
    assert response.url == reverse("orders:detail", args=[order.pk])
    assert order.status == Order.Status.PAID
    body = client.get(reverse("orders:vouchers")).content.decode()
    assert body.count("<svg") >= 2
    for voucher in order.vouchers.all():
        assert f"{voucher.code[:4]}-{voucher.code[4:8]}-{voucher.code[8:]}" in body


def test_a_declined_payment_leaves_the_order_payable(client, consumer, offer):
    client.force_login(consumer)
    response = client.post(reverse("orders:checkout", args=[offer.pk]), {"quantity": 1})
    client.post(response.url, {"outcome": "fail"})
    order = Order.objects.get()
    assert order.status == Order.Status.PENDING_PAYMENT
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "declined" in page
    assert "Pay ¥198" in page


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "greater than or equal to 1"),
        (-3, "greater than or equal to 1"),
        (999, "less than or equal to 50"),
        ("x", "whole number"),
    ],
)
def test_bad_quantities_are_refused_with_a_message(client, consumer, offer, quantity, message):
    client.force_login(consumer)
    response = client.post(reverse("orders:checkout", args=[offer.pk]), {"quantity": quantity})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Order.objects.exists()


def test_over_the_limit_and_sold_out_are_refused(client, consumer):
    limited = OfferFactory(limit_per_user=1)
    client.force_login(consumer)
    response = client.post(reverse("orders:checkout", args=[limited.pk]), {"quantity": 2})
    assert "at most 1" in response.content.decode()
    flash = OfferFactory(stock=1)
    make_order(UserFactory(), flash, 1)
    response = client.get(reverse("orders:checkout", args=[flash.pk]))
    assert "sold out" in response.content.decode()
    response = client.post(reverse("orders:checkout", args=[flash.pk]), {"quantity": 1})
    assert response.status_code == 400
    assert Order.objects.filter(user=consumer).count() == 0


def test_others_orders_vouchers_and_qr_codes_are_not_found(client, offer):
    voucher = make_voucher(UserFactory(), offer)
    client.force_login(UserFactory())
    assert client.get(reverse("orders:detail", args=[voucher.order_id])).status_code == 404
    assert client.get(reverse("orders:voucher_qr", args=[voucher.pk])).status_code == 404
    assert client.post(reverse("orders:voucher_refund", args=[voucher.pk])).status_code == 404
    assert client.get(reverse("orders:review", args=[voucher.pk])).status_code == 404
    payment = Payment.objects.get()
    assert (
        client.get(reverse("payments:dev_pay", args=[payment.idempotency_key])).status_code == 404
    )
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.ISSUED


def test_qr_code_is_an_svg_of_the_code(client, consumer, offer):
    voucher = make_voucher(consumer, offer)
    client.force_login(consumer)
    response = client.get(reverse("orders:voucher_qr", args=[voucher.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_refund_request_shows_the_voucher_refunded(client, consumer, offer):
    voucher = make_voucher(consumer, offer)
    client.force_login(consumer)
    response = client.post(reverse("orders:voucher_refund", args=[voucher.pk]), follow=True)
    assert "Refund requested" in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.REFUNDED
    assert "Refunded and expired" in response.content.decode()


def test_review_only_after_use_and_once(client, consumer, offer, store, cashier):
    voucher = make_voucher(consumer, offer)
    client.force_login(consumer)
    url = reverse("orders:review", args=[voucher.pk])
    response = client.post(url, {"rating": 5, "text": "Great"})
    assert response.status_code == 400
    assert "once you have used it" in response.content.decode()
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    response = client.post(url, {"rating": 5, "text": "Great broth"})
    assert response.url == reverse("offers:detail", args=[offer.pk])
    assert "Great broth" in client.get(response.url).content.decode()
    response = client.post(url, {"rating": 1, "text": "Again"})
    assert "already reviewed" in response.content.decode()


def test_cancel_an_unpaid_order(client, consumer):
    offer = OfferFactory(stock=3)
    order = make_order(consumer, offer, 2)
    client.force_login(consumer)
    client.post(reverse("orders:cancel", args=[order.pk]))
    order.refresh_from_db()
    offer.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert offer.stock_left == 3


def test_empty_vouchers_page_points_to_deals(client, consumer):
    client.force_login(consumer)
    assert "No vouchers yet" in client.get(reverse("orders:vouchers")).content.decode()


def test_inbox_tells_about_paid_orders(client, consumer, offer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_voucher(consumer, offer)
    client.force_login(consumer)
    body = client.get(reverse("notifications:inbox")).content.decode()
    assert "Your vouchers for" in body
    assert ">now</time>" in body  # not "0 minutes"
    consumer.notifications.update(created_at=F("created_at") - timedelta(hours=3))
    assert ">3\xa0hours ago</time>" in client.get(reverse("notifications:inbox")).content.decode()
    client.post(reverse("notifications:mark_read"))
    assert consumer.notifications.filter(read_at__isnull=True).count() == 0
