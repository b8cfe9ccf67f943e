"""Paying by Alipay and WeChat Pay in a real browser, on a phone-sized
screen: the choice at checkout, the development gateway's wallet pages, and
Stripe's WeChat Pay QR page moving on by itself once paid (its poll is a
static script: the page's CSP allows no inline one)."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from payments.models import Payment
from payments.services import payment_succeeded

from ..factories import OfferFactory, UserFactory
from ..payments import stripe_fake
from ..payments.stripe_stub import StripeStub
from .test_journeys import log_in

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def deal():
    return OfferFactory(title="Hotpot set for two", price=Decimal("168.00"))


@pytest.mark.parametrize(
    ("label", "button"),
    [("Alipay", "button[value=succeed]"), ("WeChat Pay", "button[value=succeed]")],
)
def test_paying_a_deal_with_a_wallet_on_the_dev_gateway(visitor, deal, label, button):
    user = UserFactory(email="wallet@e2e.example")
    person = visitor(f"wallet-{label.replace(' ', '-').lower()}")
    page = person.page
    log_in(person, user.email)
    person.go(f"/deals/{deal.pk}/buy/")
    page.get_by_label(label).check()
    person.check_accessibility("checkout with methods")
    person.shoot("checkout")
    page.click("main button[type=submit]")
    expect(page.get_by_text("No real money moves")).to_be_visible()
    person.check_accessibility(f"dev {label} page")
    person.shoot("wallet-page")
    page.click(button)
    expect(page.get_by_text("Your vouchers are ready")).to_be_visible()
    assert Order.objects.get().status == Order.Status.PAID
    assert person.foreign == []
    assert person.accessibility == []


def test_the_wechat_pay_qr_page_moves_on_once_paid(visitor, deal, settings):
    stub = StripeStub().start()
    try:
        settings.PAYMENTS_GATEWAY = "stripe"
        settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
        settings.STRIPE_PUBLISHABLE_KEY = stripe_fake.PUBLISHABLE_KEY
        settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
        settings.STRIPE_API_BASE = stub.url
        user = UserFactory(email="scanner@e2e.example")
        person = visitor("wechat-stripe")
        page = person.page
        log_in(person, user.email)
        person.go(f"/deals/{deal.pk}/buy/")
        page.get_by_label("WeChat Pay").check()
        page.click("main button[type=submit]")
        qr = page.get_by_role("img", name="WeChat Pay QR code: scan it with WeChat to pay")
        expect(qr).to_be_visible()
        person.check_accessibility("wechat pay qr")
        person.shoot("qr")
        # The payer scans and pays in WeChat; Stripe's webhook records it.
        stub.set_status(Payment.objects.get().reference, "succeeded")
        payment_succeeded(payment_id=Payment.objects.get().pk)
        expect(page.get_by_text("Your vouchers are ready")).to_be_visible(timeout=10_000)
        assert person.foreign == []
        assert person.accessibility == []
    finally:
        stub.stop()
