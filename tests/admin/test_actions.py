"""Admin actions go through the services; non-admins cannot reach them."""

import pytest
from django.urls import reverse

from merchants.models import Merchant
from orders.models import Voucher
from orders.services import voucher_redeem

from ..factories import UserFactory, make_voucher

pytestmark = pytest.mark.django_db


def act(client, model, action, pks, **extra):
    return client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": action, "_selected_action": pks, **extra},
        follow=True,
    )


def test_admin_refunds_an_unused_voucher_but_not_a_used_one(
    client, admin_user, offer, store, cashier
):
    unused = make_voucher(UserFactory(), offer)
    used = make_voucher(UserFactory(), offer)
    voucher_redeem(code=used.code, store_id=store.pk, by=cashier)
    client.force_login(admin_user)
    response = act(client, "orders_voucher", "refund", [unused.pk, used.pk])
    body = response.content.decode()
    assert "1 done" in body
    assert "A used voucher cannot be refunded" in body
    assert Voucher.objects.get(pk=unused.pk).status == Voucher.Status.REFUNDED
    assert Voucher.objects.get(pk=used.pk).status == Voucher.Status.REDEEMED


def test_suspending_asks_for_a_reason_first(client, admin_user, offer):
    client.force_login(admin_user)
    response = act(client, "merchants_merchant", "suspend", [offer.merchant_id])
    assert "Reason (shown to the merchant)" in response.content.decode()
    assert Merchant.objects.get(pk=offer.merchant_id).status == Merchant.Status.APPROVED
    act(client, "merchants_merchant", "suspend", [offer.merchant_id], confirm="1", reason="Fraud")
    merchant = Merchant.objects.get(pk=offer.merchant_id)
    assert merchant.status == Merchant.Status.SUSPENDED
    assert merchant.status_reason == "Fraud"


def test_hiding_reviews_asks_for_the_reason_the_reviewer_is_sent(
    client, admin_user, offer, store, cashier, django_capture_on_commit_callbacks
):
    from reviews.models import Review
    from reviews.services import review_create

    voucher = make_voucher(UserFactory(), offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    review = review_create(user=voucher.user, voucher_id=voucher.pk, rating=1, text="Awful")
    client.force_login(admin_user)
    asked = act(client, "reviews_review", "hide", [review.pk]).content.decode()
    assert "Reason (shown to the reviewer)" in asked
    assert Review.objects.get(pk=review.pk).status == Review.Status.VISIBLE
    with django_capture_on_commit_callbacks(execute=True):
        act(client, "reviews_review", "hide", [review.pk], confirm="1", reason="Spam")
    assert Review.objects.get(pk=review.pk).status == Review.Status.HIDDEN
    notice = voucher.user.notifications.get(kind="review_hidden")
    assert notice.body == "Moderation's reason: Spam"


def test_non_admins_cannot_use_the_admin(client, owner, offer):
    voucher = make_voucher(UserFactory(), offer)
    client.force_login(owner)
    response = act(client, "orders_voucher", "refund", [voucher.pk])
    assert "Log in" in response.content.decode() or response.redirect_chain
    assert Voucher.objects.get(pk=voucher.pk).status == Voucher.Status.ISSUED


def test_every_admin_list_page_opens(client, admin_user, offer):
    make_voucher(UserFactory(), offer)
    client.force_login(admin_user)
    for name in (
        "accounts_user",
        "merchants_merchant",
        "merchants_store",
        "merchants_membership",
        "merchants_city",
        "merchants_category",
        "offers_offer",
        "orders_order",
        "orders_voucher",
        "orders_redemption",
        "payments_payment",
        "payments_refund",
        "reviews_review",
        "notifications_notification",
    ):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 200, name


def test_a_payment_shows_its_history_in_the_admin(client, admin_user, offer):
    from payments.models import Payment

    make_voucher(UserFactory(), offer)
    payment = Payment.objects.get()
    client.force_login(admin_user)
    page = client.get(reverse("admin:payments_payment_change", args=[payment.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "captured" in body
    assert "pending" in body
    assert "succeeded" in body
