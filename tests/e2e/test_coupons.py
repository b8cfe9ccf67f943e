"""Coupons in a real browser, on a phone-sized screen: a shopper claims a
coupon on a deal page (领券), finds it in My coupons, and checks out with the
best one preselected and the saving shown; a merchant starts a campaign in
the dashboard — accessibility checked, no page reaching another host."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order

from ..factories import CouponCampaignFactory, OfferFactory, UserFactory
from .test_journeys import log_in

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def test_a_shopper_claims_a_coupon_and_checks_out_with_it(visitor):
    offer = OfferFactory(title="Hotpot set for two", price=Decimal("198.00"))
    CouponCampaignFactory(title="Hotpot week", value=Decimal("30"), min_spend=Decimal("150"))
    shopper = UserFactory(email="coupons@e2e.example")

    person = visitor("coupons")
    page = person.page
    log_in(person, shopper.email)
    person.go(f"/deals/{offer.pk}/")
    expect(page.get_by_role("heading", name="Coupons")).to_be_visible()
    person.check_accessibility("deal page with coupons")
    page.get_by_role("button", name=re.compile(r"^Claim\W+¥30 off")).click()
    expect(page.get_by_text("Coupon claimed: Hotpot week")).to_be_visible()
    person.shoot("coupon claimed")

    person.go("/me/coupons/")
    expect(page.get_by_role("heading", name="¥30 off · on orders of ¥150 or more")).to_be_visible()
    person.check_accessibility("my coupons")

    person.go(f"/deals/{offer.pk}/buy/")
    expect(page.get_by_role("radio", name="Hotpot week: ¥30 off", exact=False)).to_be_checked()
    expect(page.locator("#checkout-saving")).to_have_text("−¥30")
    expect(page.locator("#checkout-total")).to_have_text("¥168")
    page.get_by_label("Quantity").fill("2")
    expect(page.locator("#checkout-total")).to_have_text("¥366")
    person.check_accessibility("checkout with a coupon")
    person.shoot("checkout with a coupon")
    page.get_by_role("button", name="Continue to payment").click()
    order = Order.objects.get()
    assert (order.subtotal, order.discount, order.total) == (
        Decimal("396.00"),
        Decimal("30.00"),
        Decimal("366.00"),
    )
    assert person.foreign == [], person.foreign
    assert person.accessibility == [], person.accessibility


def test_a_shopper_claims_from_the_coupon_centre_and_opens_a_campaign(visitor):
    offer = OfferFactory(title="Car wash card", price=Decimal("120.00"))
    campaign = CouponCampaignFactory(title="Weekend", value=Decimal("15"), quantity=50)
    shopper = UserFactory(email="centre@e2e.example")
    person = visitor("centre")
    page = person.page
    person.go("/")
    page.get_by_role("link", name="Get coupons before you buy").click()
    expect(page.get_by_role("heading", name="Coupon centre")).to_be_visible()
    person.check_accessibility("coupon centre, signed out")
    log_in(person, shopper.email)
    person.go("/coupons/")
    page.get_by_role("button", name=re.compile(r"^Claim\W+¥15 off")).click()
    expect(page.get_by_text("Coupon claimed: Weekend")).to_be_visible()
    expect(page.get_by_text("Claimed", exact=True)).to_be_visible()
    person.check_accessibility("coupon centre")
    person.shoot("coupon centre")
    page.get_by_role("link", name="¥15 off").click()
    expect(page.get_by_role("heading", name="Weekend")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Car wash card"))).to_be_visible()
    person.check_accessibility("campaign page")
    person.shoot("campaign page")
    assert campaign.coupons.count() == 1
    assert offer.pk
    assert person.foreign == [], person.foreign
    assert person.accessibility == [], person.accessibility


def test_a_merchant_starts_a_coupon_campaign(visitor, owner):
    person = visitor("merchant")
    page = person.page
    log_in(person, owner.email)
    person.go("/merchant/campaigns/")
    person.check_accessibility("no campaigns yet")
    page.get_by_role("link", name="Start one").click()
    page.get_by_label("Title").fill("Regulars' week")
    page.get_by_label("Value").fill("15")
    page.get_by_label("Valid for (days after claiming)").fill("10")
    person.check_accessibility("new campaign form")
    page.get_by_role("button", name="Start the campaign").click()
    expect(page.get_by_role("cell", name="Regulars' week", exact=True)).to_be_visible()
    person.check_accessibility("campaigns")
    person.shoot("merchant campaigns")
    assert person.foreign == [], person.foreign
    assert person.accessibility == [], person.accessibility
