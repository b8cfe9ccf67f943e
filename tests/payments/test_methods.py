"""Paying the way people in China pay: Alipay and WeChat Pay beside cards.

On the development gateway each method has its own page (no money moves);
on Stripe, Alipay sends the payer to Alipay's page and WeChat Pay shows a QR
code, and the outcome arrives by the same signed webhooks as a card's.
localstripe knows neither method, so the Stripe side runs against a stub of
Stripe's API (stripe_stub) with signed events (stripe_fake.signed)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order, Voucher
from orders.services import voucher_refund
from payments import services
from payments.gateways import StripeGateway
from payments.models import Payment, PaymentEvent, Refund, WebhookEvent

from ..factories import OfferFactory, make_order
from . import stripe_fake
from .stripe_stub import QR_PNG, StripeStub

pytestmark = pytest.mark.django_db


def checkout(client, offer, method, quantity=1):
    return client.post(
        reverse("orders:checkout", args=[offer.pk]), {"quantity": quantity, "method": method}
    )


# --- choosing a method --------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_checkout_offers_three_labelled_ways_to_pay_a_yuan_deal(client, consumer, offer, language):
    client.force_login(consumer)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = client.get(reverse("orders:checkout", args=[offer.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert f'lang="{language}"' in page
    for method in ("card", "alipay", "wechat_pay"):
        # Each radio has its own label (the icon is decoration for screen readers).
        assert f'id="pay-method-{method}" value="{method}"' in page
        assert f'for="pay-method-{method}"' in page
    assert "<legend" in page
    assert 'class="fa-brands fa-alipay pay-icon-alipay fa-lg" aria-hidden="true"' in page
    assert page.count('name="method"') == 3
    assert 'value="card" checked' in page


def test_a_deal_in_another_currency_is_paid_by_card_only(client, consumer):
    offer = OfferFactory(currency="HKD")
    client.force_login(consumer)
    page = client.get(reverse("orders:checkout", args=[offer.pk])).content.decode()
    assert 'name="method"' not in page  # one way to pay: no choice to make
    response = checkout(client, offer, "alipay")
    assert response.status_code == 400
    assert "Alipay is not available for payments in HKD" in response.content.decode()
    assert not Order.objects.exists()
    assert not Payment.objects.exists()


def test_a_made_up_method_at_checkout_places_no_order(client, consumer, offer):
    client.force_login(consumer)
    response = checkout(client, offer, "bitcoin")
    assert response.status_code == 400
    assert "Choose how to pay" in response.content.decode()
    assert not Order.objects.exists()


def test_the_order_page_lets_the_payer_choose_again(client, consumer, offer):
    order = make_order(consumer, offer)
    client.force_login(consumer)
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert 'id="pay-form"' in page
    assert 'value="wechat_pay"' in page
    response = client.post(reverse("orders:pay", args=[order.pk]), {"method": "wechat_pay"})
    payment = Payment.objects.get()
    assert payment.method == Payment.Method.WECHAT_PAY
    assert response.url == reverse("payments:dev_pay", args=[payment.idempotency_key])


def test_switching_methods_closes_the_open_attempt(consumer, offer):
    order = make_order(consumer, offer)
    card, _ = services.payment_start(order_id=order.pk, user=consumer)
    again, _ = services.payment_start(order_id=order.pk, user=consumer)
    assert again.pk == card.pk  # no method said: the open attempt goes on
    alipay, _ = services.payment_start(order_id=order.pk, user=consumer, method="alipay")
    card.refresh_from_db()
    assert card.status == Payment.Status.CANCELED
    assert PaymentEvent.objects.filter(payment=card, kind="canceled").exists()
    assert alipay.method == Payment.Method.ALIPAY
    assert Payment.objects.filter(status=Payment.Status.PENDING).get() == alipay
    resumed, _ = services.payment_start(order_id=order.pk, user=consumer)
    assert resumed.pk == alipay.pk


# --- the development gateway -----------------------------------------------------


@pytest.mark.parametrize(
    ("method", "brand", "button"),
    [("alipay", "Alipay", "Confirm payment of"), ("wechat_pay", "WeChat Pay", "Simulate a scan")],
)
def test_dev_wallet_pages_pay_and_issue_vouchers(client, consumer, offer, method, brand, button):
    client.force_login(consumer)
    url = checkout(client, offer, method, quantity=2).url
    page = client.get(url).content.decode()
    assert brand in page
    assert button in page
    assert "No real money moves" in page  # the test-mode notice, as on the card page
    if method == "wechat_pay":
        assert 'role="img" aria-label="Test QR code' in page
        assert "<svg" in page
        assert "<path" in page
    response = client.post(url, {"outcome": "succeed"}, follow=True)
    assert "Your vouchers are ready" in response.content.decode()
    order = Order.objects.get()
    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 2
    assert order.payments.get().method == method


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_dev_wallet_cancel_leaves_the_order_payable(client, consumer, offer, method):
    client.force_login(consumer)
    url = checkout(client, offer, method).url
    response = client.post(url, {"outcome": "cancel"}, follow=True)
    assert "The payment was cancelled" in response.content.decode()
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.CANCELED
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT
    assert not Voucher.objects.exists()
    again = client.post(url, {"outcome": "succeed"}, follow=True)  # the closed attempt stays closed
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT
    assert again.status_code == 200


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_dev_wallet_pages_render_in_both_languages(client, consumer, offer, method, language):
    client.force_login(consumer)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    url = checkout(client, offer, method).url
    response = client.get(url)
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()


def test_another_user_cannot_open_or_pay_my_wallet_page(client, consumer, offer):
    from ..factories import UserFactory

    client.force_login(consumer)
    url = checkout(client, offer, "alipay").url
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, {"outcome": "succeed"}).status_code == 404
    payment = Payment.objects.get()
    assert client.get(reverse("payments:status", args=[payment.idempotency_key])).status_code == 404
    assert payment.status == Payment.Status.PENDING


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_a_wallet_payment_is_refunded_like_a_card(
    client, consumer, offer, method, django_capture_on_commit_callbacks
):
    client.force_login(consumer)
    url = checkout(client, offer, method, quantity=2).url
    client.post(url, {"outcome": "succeed"})
    voucher = Voucher.objects.order_by("number").first()
    with django_capture_on_commit_callbacks(execute=True):
        voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")
    refund = Refund.objects.get()
    assert refund.payment.method == method
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.amount == offer.price


# --- the API -------------------------------------------------------------------------


def test_api_pay_takes_a_method(client, consumer, offer):
    order = make_order(consumer, offer)
    client.force_login(consumer)
    response = client.post(
        reverse("api:order-pay", args=[order.pk]), {"method": "wechat_pay"}, "application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "paid"
    assert body["payment"]["method"] == "wechat_pay"
    assert body["payment"]["test_mode"] is True


@pytest.mark.parametrize("method", ["bitcoin", 3, ["alipay"], "ALIPAY"])
def test_api_pay_refuses_an_unknown_method_and_writes_nothing(client, consumer, offer, method):
    order = make_order(consumer, offer)
    client.force_login(consumer)
    response = client.post(
        reverse("api:order-pay", args=[order.pk]), {"method": method}, "application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_payment_method"
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_api_pay_refuses_wallets_outside_yuan(client, consumer, method):
    order = make_order(consumer, OfferFactory(currency="USD"))
    client.force_login(consumer)
    response = client.post(
        reverse("api:order-pay", args=[order.pk]), {"method": method}, "application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "payment_method_unavailable"
    assert not Payment.objects.exists()
    card = client.post(reverse("api:order-pay", args=[order.pk]), {}, "application/json")
    assert card.status_code == 200
    assert card.json()["payment"]["method"] == "card"


# --- Stripe ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def stub():
    server = StripeStub().start()
    yield server
    server.stop()


@pytest.fixture
def on_stripe(settings, stub):
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = stripe_fake.PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = stub.url
    stub.reset()
    return stub


def post_event(client, event_type, obj):
    payload, signature = stripe_fake.signed(event_type, obj)
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def test_alipay_confirms_at_once_and_sends_the_payer_to_alipay(on_stripe, client, consumer, offer):
    client.force_login(consumer)
    response = checkout(client, offer, "alipay", quantity=2)
    payment = Payment.objects.get()
    [(form, headers)] = on_stripe.calls("POST", "/v1/payment_intents")
    assert form["payment_method_types[0]"] == "alipay"
    assert form["payment_method_data[type]"] == "alipay"
    assert form["confirm"] == "true"
    assert form["amount"] == "39600"
    assert form["currency"] == "cny"
    assert form["return_url"] == "http://testserver" + reverse(
        "payments:stripe_return", args=[payment.idempotency_key]
    )
    assert headers["Idempotency-Key"] == f"payment-{payment.idempotency_key}"
    alipay_url = on_stripe.intents[payment.reference]["next_action"]["redirect_to_url"]["url"]
    assert response.url == alipay_url
    assert payment.method == Payment.Method.ALIPAY
    assert payment.action == {"redirect_url": alipay_url}
    # Paying again resumes the same attempt, without a second intent.
    again = client.post(reverse("orders:pay", args=[payment.order_id]), {"method": "alipay"})
    assert again.url == alipay_url
    page = client.get(reverse("payments:stripe_pay", args=[payment.idempotency_key]))
    assert page.url == alipay_url
    assert len(on_stripe.calls("POST", "/v1/payment_intents")) == 1


def test_the_webhook_completes_an_alipay_payment(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 2)
    payment, _ = services.payment_start(
        order_id=order.pk, user=consumer, method="alipay", site_url="https://o2o.example"
    )
    # Back from Alipay before Stripe knows: still waiting (requires_action), not failed.
    client.force_login(consumer)
    back = client.get(
        reverse("payments:stripe_return", args=[payment.idempotency_key]), follow=True
    )
    assert "Your payment is being confirmed" in back.content.decode()
    assert StripeGateway().status(payment).status == "pending"
    intent = on_stripe.set_status(payment.reference, "succeeded")
    assert post_event(client, "payment_intent.succeeded", intent).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 2
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED


def test_a_failed_alipay_payment_is_recorded_and_the_order_stays_payable(
    on_stripe, client, consumer, offer
):
    order = make_order(consumer, offer)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer, method="alipay")
    intent = on_stripe.set_status(
        payment.reference, "requires_payment_method", error="The customer cancelled on Alipay."
    )
    assert post_event(client, "payment_intent.payment_failed", intent).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert payment.failure_message == "The customer cancelled on Alipay."
    assert Order.objects.get().status == Order.Status.PENDING_PAYMENT


def test_wechat_pay_shows_the_qr_code_inline_and_polls(on_stripe, client, consumer, offer):
    client.force_login(consumer)
    response = checkout(client, offer, "wechat_pay")
    payment = Payment.objects.get()
    [(form, _headers)] = on_stripe.calls("POST", "/v1/payment_intents")
    assert form["payment_method_types[0]"] == "wechat_pay"
    assert form["payment_method_data[type]"] == "wechat_pay"
    assert form["payment_method_options[wechat_pay][client]"] == "web"
    assert form["confirm"] == "true"
    assert "return_url" not in form
    assert response.url == reverse("payments:stripe_pay", args=[payment.idempotency_key])
    page_response = client.get(response.url)
    page = page_response.content.decode()
    assert f'<img src="{QR_PNG}"' in page
    assert 'alt="WeChat Pay QR code: scan it with WeChat to pay"' in page
    assert "qr.stripe.com" not in page
    assert "js.stripe.com" not in page
    assert "o2o/payment-poll.js" in page
    assert "<script>" not in page
    assert reverse("payments:stripe_return", args=[payment.idempotency_key]) in page  # refresh
    csp = page_response["Content-Security-Policy"]
    assert "img-src 'self' data:" in csp
    assert "stripe" not in csp
    status = client.get(reverse("payments:status", args=[payment.idempotency_key])).json()
    assert status["status"] == "pending"


def test_wechat_pay_without_an_inline_image_draws_the_code_itself(
    on_stripe, client, consumer, offer
):
    order = make_order(consumer, offer)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer, method="wechat_pay")
    Payment.objects.filter(pk=payment.pk).update(action={"qr_data": "weixin://wxpay/x"})
    client.force_login(consumer)
    page = client.get(reverse("payments:stripe_pay", args=[payment.idempotency_key]))
    assert "<svg" in page.content.decode()


def test_wechat_pay_settles_by_reconciliation_and_the_poll_moves_on(
    on_stripe, client, consumer, offer
):
    order = make_order(consumer, offer)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer, method="wechat_pay")
    assert services.payment_refresh(payment_id=payment.pk).status == Payment.Status.PENDING
    on_stripe.set_status(payment.reference, "succeeded")
    assert services.payment_refresh(payment_id=payment.pk).status == Payment.Status.SUCCEEDED
    client.force_login(consumer)
    status = client.get(reverse("payments:status", args=[payment.idempotency_key])).json()
    assert status == {
        "status": "succeeded",
        "next": reverse("payments:stripe_return", args=[payment.idempotency_key]),
    }
    assert Order.objects.get().status == Order.Status.PAID


def test_switching_from_wechat_pay_to_card_cancels_the_intent_at_stripe(
    on_stripe, client, consumer, offer
):
    order = make_order(consumer, offer)
    wechat, _ = services.payment_start(order_id=order.pk, user=consumer, method="wechat_pay")
    card, result = services.payment_start(order_id=order.pk, user=consumer, method="card")
    assert on_stripe.calls("POST", f"/v1/payment_intents/{wechat.reference}/cancel")
    assert result.client_secret
    assert card.method == Payment.Method.CARD
    [_wechat, (form, _h)] = on_stripe.calls("POST", "/v1/payment_intents")
    assert "payment_method_types[0]" not in form
    assert "confirm" not in form
    # The abandoned code paid anyway: a late capture, refunded once the order is paid.
    intent = on_stripe.set_status(card.reference, "succeeded")
    post_event(client, "payment_intent.succeeded", intent)
    late = on_stripe.set_status(wechat.reference, "succeeded")
    post_event(client, "payment_intent.succeeded", late)
    wechat.refresh_from_db()
    assert wechat.status == Payment.Status.SUCCEEDED
    assert Refund.objects.get(payment=wechat).reason == "duplicate_payment"
    assert Order.objects.get().status == Order.Status.PAID


@pytest.mark.parametrize("method", ["alipay", "wechat_pay"])
def test_refunds_of_wallet_payments_go_to_stripe_by_payment_intent(
    on_stripe, client, consumer, offer, method, django_capture_on_commit_callbacks
):
    order = make_order(consumer, offer, 2)
    payment, _ = services.payment_start(order_id=order.pk, user=consumer, method=method)
    post_event(
        client, "payment_intent.succeeded", on_stripe.set_status(payment.reference, "succeeded")
    )
    voucher = order.vouchers.order_by("number").first()
    with django_capture_on_commit_callbacks(execute=True):
        voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")
    [(form, headers)] = on_stripe.calls("POST", "/v1/refunds")
    refund = Refund.objects.get()
    assert form["payment_intent"] == payment.reference
    assert form["amount"] == "19800"
    assert headers["Idempotency-Key"] == f"refund-{refund.pk}"
    assert refund.status == Refund.Status.SUCCEEDED
    assert refund.amount == Decimal("198.00")


def test_api_pay_with_alipay_on_stripe_answers_where_to_send_the_payer(
    on_stripe, client, consumer, offer
):
    order = make_order(consumer, offer)
    client.force_login(consumer)
    response = client.post(
        reverse("api:order-pay", args=[order.pk]), {"method": "alipay"}, "application/json"
    )
    body = response.json()["payment"]
    payment = Payment.objects.get()
    assert body["method"] == "alipay"
    assert body["status"] == "pending"
    assert body["redirect_url"] == payment.action["redirect_url"]
    assert body["qr_code"] == ""
    wechat = client.post(
        reverse("api:order-pay", args=[order.pk]), {"method": "wechat_pay"}, "application/json"
    ).json()["payment"]
    assert wechat["qr_code"].startswith("weixin://")
    assert wechat["redirect_url"] == ""


def test_a_checkout_shown_again_keeps_the_chosen_method(client, consumer, offer):
    client.force_login(consumer)
    response = checkout(client, offer, "wechat_pay", quantity=0)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="wechat_pay" checked' in page
    assert 'value="card" checked' not in page
    assert not Order.objects.exists()
