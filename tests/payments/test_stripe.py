"""Stripe, end to end against localstripe: each gateway report counts once,
money is never lost or invented, and forged requests change nothing."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, Voucher
from orders.services import order_cancel, voucher_redeem, voucher_refund
from payments import services
from payments.models import Payment, Refund, WebhookEvent

from ..factories import OfferFactory, UserFactory, make_order
from . import stripe_fake


@pytest.fixture(scope="session")
def localstripe():
    process, url = stripe_fake.start()
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def on_stripe(settings, localstripe):
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = stripe_fake.SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = stripe_fake.PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe
    return localstripe


def start(order):
    payment, result = services.payment_start(order_id=order.pk, user=order.user)
    return payment, result


def intent(url, payment):
    return stripe_fake.client(url).v1.payment_intents.retrieve(payment.reference)


def post_event(client, payload, signature):
    return client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def assert_money_adds_up():
    """Invariant 4: every captured amount is refunded or stands behind a voucher."""
    for order in Order.objects.all():
        captured = order.payments.filter(status="succeeded").aggregate(s=Sum("amount"))["s"] or 0
        refunded = (
            Refund.objects.filter(payment__order=order)
            .exclude(status="failed")
            .aggregate(s=Sum("amount"))["s"]
            or 0
        )
        held = (
            order.vouchers.exclude(status=Voucher.Status.REFUNDED).aggregate(s=Sum("value"))["s"]
            or 0
        )
        assert captured == refunded + held, order


pytestmark = pytest.mark.django_db


def test_checkout_creates_a_payment_intent_in_minor_units(on_stripe, consumer, offer):
    order = make_order(consumer, offer, 2)
    payment, result = start(order)
    remote = intent(on_stripe, payment)
    assert payment.gateway == "stripe"
    assert remote.amount == 39600
    assert remote.currency == "cny"
    assert remote.metadata["order_id"] == str(order.pk)
    assert result.redirect_url == reverse("payments:stripe_pay", args=[payment.idempotency_key])
    assert payment.client_secret == remote.client_secret


def test_the_card_page_loads_stripe_js_only_when_stripe_is_on(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 1)
    _payment, result = start(order)
    client.force_login(consumer)
    response = client.get(result.redirect_url)
    page = response.content.decode()
    assert "https://js.stripe.com/v3/" in page
    assert stripe_fake.PUBLISHABLE_KEY in page
    home = client.get("/")
    assert "js.stripe.com" not in home.content.decode()
    # The Content-Security-Policy lets Stripe.js in on the card page only.
    csp = response["Content-Security-Policy"]
    assert "script-src 'self' https://js.stripe.com https://*.js.stripe.com" in csp
    assert "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com" in csp
    assert "connect-src 'self' https://js.stripe.com https://api.stripe.com" in csp
    assert "stripe" not in home["Content-Security-Policy"]


def test_paid_once_and_reported_five_times_issues_vouchers_once(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 3)
    payment, _ = start(order)
    stripe_fake.pay(on_stripe, payment.reference)
    remote = intent(on_stripe, payment).to_dict()
    assert remote["status"] == "succeeded"
    payload, signature = stripe_fake.signed("payment_intent.succeeded", remote, event_id="evt_1")
    for _ in range(5):
        assert post_event(client, payload, signature).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 3
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED
    assert_money_adds_up()


def test_the_webhook_arriving_before_the_payer_returns(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 1)
    payment, _ = start(order)
    stripe_fake.pay(on_stripe, payment.reference)
    payload, signature = stripe_fake.signed(
        "payment_intent.succeeded", intent(on_stripe, payment).to_dict()
    )
    post_event(client, payload, signature)
    client.force_login(consumer)
    response = client.get(
        reverse("payments:stripe_return", args=[payment.idempotency_key]), follow=True
    )
    assert "Your vouchers are ready" in response.content.decode()
    assert order.vouchers.count() == 1


def test_returning_shows_the_real_state_even_without_a_webhook(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 1)
    payment, _ = start(order)
    client.force_login(consumer)
    pending = client.get(
        reverse("payments:stripe_return", args=[payment.idempotency_key]), follow=True
    )
    assert "being confirmed" in pending.content.decode()
    stripe_fake.pay(on_stripe, payment.reference)
    client.get(reverse("payments:stripe_return", args=[payment.idempotency_key]))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_declined_then_paid(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 1)
    first, _ = start(order)
    stripe_fake.pay(on_stripe, first.reference, card="4000000000000341")
    payload, signature = stripe_fake.signed(
        "payment_intent.payment_failed", intent(on_stripe, first).to_dict()
    )
    post_event(client, payload, signature)
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.status == Payment.Status.FAILED
    assert order.status == Order.Status.PENDING_PAYMENT
    second, _ = start(order)
    stripe_fake.pay(on_stripe, second.reference)
    services.payment_refresh(payment_id=second.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert_money_adds_up()


def test_success_after_cancellation_is_refunded_through_stripe(
    on_stripe, client, consumer, offer, django_capture_on_commit_callbacks
):
    order = make_order(consumer, offer, 2)
    payment, _ = start(order)
    order_cancel(order_id=order.pk, reason="payment_window_passed")
    stripe_fake.pay(on_stripe, payment.reference)
    payload, signature = stripe_fake.signed(
        "payment_intent.succeeded", intent(on_stripe, payment).to_dict()
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_event(client, payload, signature)
    refund = Refund.objects.get(payment=payment)
    assert refund.amount == Decimal("396.00")
    assert refund.reference.startswith("re_")
    assert order.vouchers.count() == 0
    remote = stripe_fake.client(on_stripe).v1.refunds.retrieve(refund.reference)
    assert remote.amount == 39600
    told = consumer.notifications.get(kind="refund_done")
    assert "arrived after the order was closed" in told.body
    assert_money_adds_up()


def test_voucher_refunds_go_through_stripe_once_and_never_exceed(
    on_stripe, consumer, offer, store, cashier, django_capture_on_commit_callbacks
):
    order = make_order(consumer, offer, 2)
    payment, _ = start(order)
    stripe_fake.pay(on_stripe, payment.reference)
    services.payment_refresh(payment_id=payment.pk)
    first, second = order.vouchers.order_by("number")
    with django_capture_on_commit_callbacks(execute=True):
        voucher_refund(voucher_id=first.pk, by=consumer, reason="customer")
    with pytest.raises(Exception) as again:  # noqa: PT011 - a DomainError
        voucher_refund(voucher_id=first.pk, by=consumer, reason="customer")
    assert again.value.code == "already_refunded"
    voucher_redeem(code=second.code, store_id=store.pk, by=cashier)
    with pytest.raises(Exception) as used:  # noqa: PT011
        voucher_refund(voucher_id=second.pk, by=consumer, reason="customer")
    assert used.value.code == "already_redeemed"
    with pytest.raises(Exception) as over:  # noqa: PT011
        services.refund_request(order=order, voucher=second, amount=Decimal("500"), reason="x")
    assert over.value.code == "refund_exceeds_payment"
    remote = stripe_fake.client(on_stripe).v1.refunds.list(
        params={"payment_intent": payment.reference}
    )
    assert [r.amount for r in remote.data] == [19800]
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert_money_adds_up()


def test_charge_refunded_records_pending_and_outside_refunds(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 2)
    payment, _ = start(order)
    stripe_fake.pay(on_stripe, payment.reference)
    services.payment_refresh(payment_id=payment.pk)
    voucher = order.vouchers.order_by("number").first()
    voucher_refund(voucher_id=voucher.pk, by=consumer, reason="customer")  # not yet sent
    ours = Refund.objects.get(voucher=voucher)
    assert ours.status == Refund.Status.PENDING
    charge = {
        "id": "ch_test",
        "object": "charge",
        "payment_intent": payment.reference,
        "refunds": {
            "data": [
                {
                    "id": "re_ours",
                    "amount": 19800,
                    "status": "succeeded",
                    "metadata": {"refund_id": str(ours.pk)},
                },
                {"id": "re_dashboard", "amount": 19800, "status": "succeeded", "metadata": {}},
            ]
        },
    }
    payload, signature = stripe_fake.signed("charge.refunded", charge)
    post_event(client, payload, signature)
    post_event(client, payload, signature)
    ours.refresh_from_db()
    assert ours.status == Refund.Status.SUCCEEDED
    assert ours.reference == "re_ours"
    outside = Refund.objects.get(reference="re_dashboard")
    assert outside.reason == "external"
    assert Refund.objects.count() == 2
    # The voucher that refund covered can no longer be used.
    assert outside.voucher.status == Voucher.Status.REFUNDED


@pytest.mark.parametrize("header", [None, "t=1,v1=deadbeef", "garbage"])
def test_forged_or_unsigned_webhooks_get_400_and_change_nothing(
    on_stripe, client, consumer, offer, header
):
    order = make_order(consumer, offer, 1)
    payment, _ = start(order)
    payload, _signature = stripe_fake.signed(
        "payment_intent.succeeded",
        {"id": payment.reference, "amount": 19800, "metadata": {"payment_id": str(payment.pk)}},
    )
    kwargs = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    response = client.post(
        reverse("payments:stripe_webhook"), data=payload, content_type="application/json", **kwargs
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_signature"
    assert not WebhookEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT


def test_a_lost_webhook_is_settled_by_reconciliation(on_stripe, consumer, offer):
    order = make_order(consumer, offer, 2)
    payment, _ = start(order)
    stripe_fake.pay(on_stripe, payment.reference)
    assert services.reconcile_pending_payments() == 0  # too recent: the webhook may still come
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert services.reconcile_pending_payments() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 2
    assert services.reconcile_pending_payments() == 0


def test_an_event_with_a_wrong_amount_is_not_applied(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 1)
    payment, _ = start(order)
    payload, signature = stripe_fake.signed(
        "payment_intent.succeeded",
        {"id": payment.reference, "amount": 1, "metadata": {"payment_id": str(payment.pk)}},
    )
    post_event(client, payload, signature)
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.IGNORED
    assert "amount" in event.error
    assert order.vouchers.count() == 0


FINAL = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED, WebhookEvent.Status.FAILED)


def _settled_events_of(intent_id: str) -> list[WebhookEvent]:
    """Our intent's `payment_intent.succeeded` events once the server has
    finished with them, or [] while it has not."""
    from django.db import OperationalError

    try:
        events = list(WebhookEvent.objects.filter(type="payment_intent.succeeded"))
    except OperationalError as err:  # SQLite's shared in-memory database, mid-write
        if "locked" not in str(err):
            raise
        return []
    ours = [e for e in events if e.payload["data"]["object"]["id"] == intent_id]
    return ours if ours and all(e.status in FINAL for e in ours) else []


@pytest.mark.django_db(transaction=True)
def test_localstripe_delivers_the_webhook_to_a_live_server(on_stripe, live_server):
    offer = OfferFactory()
    consumer = UserFactory()
    stripe_fake.register_webhook(
        on_stripe, f"{live_server.url}{reverse('payments:stripe_webhook')}"
    )
    order = make_order(consumer, offer, 2)
    payment, _ = start(order)
    stripe_fake.pay(on_stripe, payment.reference)
    # Wait for the webhook's event to be settled, not for the order to be paid.
    # The server pays the order and then marks the event processed, in one
    # transaction. On SQLite, when the session's live server was started after
    # the test database was set up (an earlier test on this worker needed it),
    # pytest-django hands it this thread's in-memory connection: this thread
    # then reads the server's transaction before it commits, and saw the
    # order paid while the event was still `received` (about one run in ten
    # under -n 4, by which tests a worker ran first). The event's status is
    # the server's last write, so once it is final the order and its
    # vouchers are written too: on PostgreSQL, and on SQLite whether the
    # connection is shared or not (a separate one may find the table locked
    # mid-write, and then looks again).
    for _ in range(200):
        ours = _settled_events_of(payment.reference)
        if ours:
            break
        time.sleep(0.05)
    assert [e.status for e in ours] == [WebhookEvent.Status.PROCESSED]
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 2
    # Earlier tests' events reach this server too: unknown intents change nothing.
    others = WebhookEvent.objects.exclude(pk=ours[0].pk)
    assert not others.filter(status=WebhookEvent.Status.PROCESSED).exists()
    stripe_fake.register_webhook(on_stripe, "http://127.0.0.1:9/")  # nobody listens there


def test_the_api_pay_call_hands_the_app_a_client_secret(on_stripe, consumer, offer):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=consumer).key}")
    order = api.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 1}, format="json").json()
    paid = api.post(f"/api/v1/orders/{order['id']}/pay/").json()
    assert paid["status"] == "pending_payment"
    assert paid["payment"]["gateway"] == "stripe"
    assert paid["payment"]["client_secret"].startswith("pi_")
    assert paid["payment"]["publishable_key"] == stripe_fake.PUBLISHABLE_KEY
    assert paid["payment"]["test_mode"] is False
    assert paid["payment"]["notice"] == ""
    payment = Payment.objects.get()
    stripe_fake.pay(on_stripe, payment.reference)
    services.payment_refresh(payment_id=payment.pk)
    assert api.get(f"/api/v1/orders/{order['id']}/").json()["status"] == "paid"


def _paid_through_stripe(url, client, order, card, on_commit):
    payment, _ = start(order)
    stripe_fake.pay(url, payment.reference, card=card)
    payload, signature = stripe_fake.signed(
        "payment_intent.succeeded", intent(url, payment).to_dict()
    )
    with on_commit(execute=True):
        assert post_event(client, payload, signature).status_code == 200
    order.refresh_from_db()
    return order


def test_a_friend_paying_with_the_referrers_card_earns_no_referral_reward(
    on_stripe, client, offer, django_capture_on_commit_callbacks
):
    """Stripe's fingerprint of the card (the same for one card number, read
    from the payment's method) is what tells one person paying twice."""
    from accounts.services import user_register
    from orders.models import Coupon, ReferralReward

    from ..factories import PASSWORD, CouponCampaignFactory

    CouponCampaignFactory(grant_on_referral=True, claimable=False, per_user_limit=5)
    referrer = UserFactory()
    own = _paid_through_stripe(
        on_stripe, client, make_order(referrer, offer), "4242424242424242",
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert own.payer.startswith("card:")
    same_card, other_card = (
        user_register(email=f"f{n}@example.com", password=PASSWORD, referrer=referrer)
        for n in range(2)
    )
    first = _paid_through_stripe(
        on_stripe, client, make_order(same_card, offer), "4242424242424242",
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert first.payer == own.payer
    second = _paid_through_stripe(
        on_stripe, client, make_order(other_card, offer), "5555555555554444",
        django_capture_on_commit_callbacks,
    )  # fmt: skip
    assert second.payer not in ("", own.payer)
    outcomes = dict(ReferralReward.objects.values_list("referred_id", "reason"))
    assert outcomes == {same_card.pk: "same_payer", other_card.pk: ""}
    assert Coupon.objects.filter(source=Coupon.Source.REFERRAL).count() == 2
    assert_money_adds_up()


def test_returning_from_stripe_records_who_paid(on_stripe, client, consumer, offer):
    order = make_order(consumer, offer, 1)
    payment, _ = start(order)
    stripe_fake.pay(on_stripe, payment.reference, card="5555555555554444")
    client.force_login(consumer)
    client.get(reverse("payments:stripe_return", args=[payment.idempotency_key]))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.payer.startswith("card:")
