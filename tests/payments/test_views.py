"""The development gateway's page: it captures only what the API would, and
a declined or late attempt never becomes a payment."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from o2o.errors import NotFound
from orders.models import Order, Voucher
from payments import services
from payments.models import Payment

from ..factories import UserFactory, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(client, consumer, offer):
    """The consumer bought two units and stands on the development page."""
    client.force_login(consumer)
    response = client.post(reverse("orders:checkout", args=[offer.pk]), {"quantity": 2})
    return Payment.objects.get(), response.url


def test_the_dev_page_refuses_an_order_past_its_payment_deadline(client, attempt):
    payment, url = attempt
    Order.objects.filter(pk=payment.order_id).update(
        payment_deadline=timezone.now() - timedelta(seconds=1)
    )
    page = client.get(url).content.decode()
    assert "The time to pay for this order has run out" in page
    assert 'value="succeed"' not in page
    response = client.post(url, {"outcome": "succeed"}, follow=True)
    assert "The time to pay for this order has run out" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT
    assert not Voucher.objects.exists()


def test_a_declined_attempt_cannot_be_paid_afterwards_on_the_dev_page(client, attempt):
    payment, url = attempt
    client.post(url, {"outcome": "fail"})
    response = client.post(url, {"outcome": "succeed"}, follow=True)
    assert "This payment attempt was declined" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert not Voucher.objects.exists()
    assert [(e.kind, e.from_status, e.to_status) for e in payment.events.all()] == [
        ("created", "", "pending"),
        ("failed", "pending", "failed"),
    ]


def test_paying_twice_on_the_dev_page_pays_once(client, attempt):
    payment, url = attempt
    client.post(url, {"outcome": "succeed"})
    response = client.post(url, {"outcome": "succeed"}, follow=True)
    assert "Your vouchers are ready" in response.content.decode()
    assert Voucher.objects.count() == 2
    assert not payment.refunds.exists()


def test_a_paid_attempt_cannot_be_declined_on_the_dev_page(client, attempt):
    payment, url = attempt
    client.post(url, {"outcome": "succeed"})
    response = client.post(url, {"outcome": "fail"}, follow=True)
    assert "already closed" in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_nobody_pays_someone_elses_attempt_on_the_dev_page(consumer, offer):
    order = make_order(consumer, offer, 1)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer)
    with pytest.raises(NotFound):
        services.payment_dev_capture(payment_id=payment.pk, user=UserFactory())
    assert not Voucher.objects.exists()
