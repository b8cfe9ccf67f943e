"""Only admins moderate; what they decide is what consumers then see."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Merchant
from offers.models import Offer
from offers.selectors import visible_offers

from ..factories import MerchantFactory, OfferFactory

pytestmark = pytest.mark.django_db


def test_consumers_and_merchants_cannot_moderate(client, consumer, owner):
    offer = OfferFactory(status=Offer.Status.PENDING_REVIEW)
    for user in (consumer, owner):
        client.force_login(user)
        assert client.get(reverse("moderation:queue")).status_code == 302  # to the admin login
        client.post(reverse("moderation:offer_decide", args=[offer.pk]), {"action": "approve"})
        offer.refresh_from_db()
        assert offer.status == Offer.Status.PENDING_REVIEW


def test_admin_approves_an_offer_and_consumers_see_it(client, admin_user):
    offer = OfferFactory(status=Offer.Status.PENDING_REVIEW, published_at=None)
    client.force_login(admin_user)
    assert offer.title in client.get(reverse("moderation:queue")).content.decode()
    client.post(reverse("moderation:offer_decide", args=[offer.pk]), {"action": "approve"})
    assert visible_offers().filter(pk=offer.pk).exists()


def test_rejecting_needs_a_reason(client, admin_user):
    offer = OfferFactory(status=Offer.Status.PENDING_REVIEW)
    client.force_login(admin_user)
    response = client.post(
        reverse("moderation:offer_decide", args=[offer.pk]), {"action": "reject"}, follow=True
    )
    assert "reason" in response.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.PENDING_REVIEW
    client.post(
        reverse("moderation:offer_decide", args=[offer.pk]),
        {"action": "reject", "reason": "Price is misleading"},
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.REJECTED
    assert offer.status_reason == "Price is misleading"


def test_admin_approves_a_merchant(client, admin_user, offer):
    Merchant.objects.filter(pk=offer.merchant_id).update(status=Merchant.Status.PENDING)
    client.force_login(admin_user)
    client.post(
        reverse("moderation:merchant_decide", args=[offer.merchant_id]), {"action": "approve"}
    )
    assert Merchant.objects.get(pk=offer.merchant_id).status == Merchant.Status.APPROVED


def test_empty_queue_says_so(client, admin_user):
    client.force_login(admin_user)
    assert "Nothing waits for you" in client.get(reverse("moderation:queue")).content.decode()


def test_the_queue_says_when_each_item_came_in_as_the_inbox_does(client, admin_user):
    """Not "waiting 0 minutes": humanize's naturaltime, as the inbox words it."""
    now = timezone.now()
    applicant = MerchantFactory(name="Lotus Nails", status=Merchant.Status.PENDING)
    Merchant.objects.filter(pk=applicant.pk).update(created_at=now - timedelta(hours=3))
    deal = OfferFactory(title="Gel manicure", status=Offer.Status.PENDING_REVIEW)
    Offer.objects.filter(pk=deal.pk).update(updated_at=now - timedelta(seconds=30))
    client.force_login(admin_user)
    body = client.get(reverse("moderation:queue")).content.decode()
    assert "applied 3\xa0hours ago</time>" in body
    assert re.search(r"submitted 3\d\xa0seconds ago</time>", body)  # 30, or more if slow
    assert "0\xa0minutes" not in body


def _review(offer, cashier):
    from orders.services import voucher_redeem
    from reviews.services import review_create

    from ..factories import UserFactory, make_voucher

    voucher = make_voucher(UserFactory(), offer)
    voucher_redeem(code=voucher.code, store_id=offer.stores.get().pk, by=cashier)
    return review_create(user=voucher.user, voucher_id=voucher.pk, rating=1, text="Rude staff")


def test_hiding_a_review_from_the_queue_needs_the_reason_the_reviewer_is_sent(
    client, admin_user, offer, cashier, django_capture_on_commit_callbacks
):
    from reviews.models import Review

    review = _review(offer, cashier)
    client.force_login(admin_user)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert f'id="hr-{review.pk}" name="reason"' in queue
    assert 'required maxlength="255"' in queue  # the browser asks before sending
    url = reverse("moderation:review_decide", args=[review.pk])
    refused = client.post(url, {"action": "hide", "reason": " "}, follow=True).content.decode()
    assert "Please give a reason the reviewer will see." in refused
    review.refresh_from_db()
    assert review.status == Review.Status.VISIBLE

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"action": "hide", "reason": "Names a cashier"}, follow=True)
    body = done.content.decode()
    assert "Review hidden; the reviewer is told why." in body
    assert "Names a cashier" in body  # beside the Hidden badge
    review.refresh_from_db()
    assert review.status == Review.Status.HIDDEN
    notice = review.user.notifications.get(kind="review_hidden")
    assert notice.body == "Moderation's reason: Names a cashier"
