"""Inviting a friend in a real browser, on a phone-sized screen: the friend
opens the shared link, is told who invited them, signs up and pays a first
order; the customer who shared sees the friend rewarded and has the coupon —
accessibility checked, no page reaching another host."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Coupon

from ..factories import CouponCampaignFactory, OfferFactory, UserFactory
from .test_journeys import log_in

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def test_a_friend_signs_up_through_a_link_and_both_get_a_coupon(visitor):
    offer = OfferFactory(title="Noodles for two", price=Decimal("88.00"))
    CouponCampaignFactory(
        title="Invite a friend", claimable=False, grant_on_referral=True, min_spend=Decimal("60")
    )
    sharer = UserFactory(email="mei@e2e.example", display_name="Mei")

    # The link arrived in a chat: the friend opens it and goes on to a deal.
    friend = visitor("friend")
    page = friend.page
    friend.go(f"/?ref={sharer.referral_code}")
    assert "ref=" not in page.url  # the code is remembered, not re-shared
    friend.go(f"/deals/{offer.pk}/")
    page.get_by_role("link", name="Buy now").click()
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_text("Mei invited you.")).to_be_visible()
    friend.check_accessibility("sign-up, invited")
    friend.shoot("invited sign-up")
    page.fill("#id_email", "friend@e2e.example")
    page.fill("#id_password1", "a-long-pass-2026")
    page.fill("#id_password2", "a-long-pass-2026")
    page.click("main button[type=submit]")
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    page.click("main button[type=submit]")
    page.click("button[value=succeed]")
    expect(page.get_by_text("Your vouchers are ready")).to_be_visible()

    # The sharer logs in and finds the friend rewarded, and their coupon.
    sharer_visit = visitor("sharer")
    log_in(sharer_visit, sharer.email)
    sharer_visit.go("/me/invite/")
    page = sharer_visit.page
    expect(
        page.get_by_text("1 friend signed up through your link; 1 earned you a reward.")
    ).to_be_visible()
    expect(page.get_by_text("Rewarded", exact=True)).to_be_visible()
    expect(page.get_by_label("Your invitation link")).to_have_value(
        f"{sharer_visit.base_url}/?ref={sharer.referral_code}"
    )
    sharer_visit.check_accessibility("invite friends")
    sharer_visit.shoot("invite friends")
    sharer_visit.go("/me/coupons/")
    expect(page.get_by_text("Invite a friend", exact=True)).to_be_visible()
    sharer_visit.check_accessibility("my coupons with an invitation")
    assert Coupon.objects.filter(source=Coupon.Source.REFERRAL).count() == 2
    for person in (friend, sharer_visit):
        assert person.foreign == [], person.foreign
        assert person.accessibility == [], person.accessibility
