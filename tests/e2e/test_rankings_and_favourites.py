"""Rankings and favourites in a real browser, on a phone-sized screen: a
shopper reads the rankings, saves a deal and its merchant, finds both in My
favourites and buys again from a past order — accessibility checked, no
page reaching another host."""

import re

import pytest
from playwright.sync_api import expect

from rankings.services import rankings_compute

from ..factories import OfferFactory, UserFactory, make_paid_order
from ..rankings.helpers import customers, use
from .test_journeys import log_in

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]


def test_a_shopper_reads_the_rankings_saves_and_buys_again(visitor):
    popular = OfferFactory(title="Hotpot set for two")
    loved = OfferFactory(title="Spa afternoon")
    customers(popular, 3)
    use(loved, ratings=[5])
    shopper = UserFactory(email="shopper@e2e.example")
    make_paid_order(shopper, popular)
    rankings_compute()

    person = visitor("shopper")
    page = person.page
    log_in(person, shopper.email)
    person.go("/")
    page.get_by_role("link", name=re.compile(r"See all\W+Rankings")).click()
    expect(page.get_by_role("heading", name="Most redeemed")).to_be_visible()
    person.check_accessibility("rankings")
    person.shoot("rankings")
    page.get_by_role("link", name="Best rated").first.click()
    expect(page.locator("ol.ranking .offer-card h3").first).to_have_text("Spa afternoon")
    person.check_accessibility("one ranking")

    page.get_by_role("link", name="Spa afternoon").click()
    page.get_by_role("button", name="Save to favourites").click()
    expect(page.get_by_role("button", name="Saved")).to_have_attribute("aria-pressed", "true")
    page.get_by_role("link", name=loved.merchant.name).click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("button", name="Saved")).to_be_visible()
    person.check_accessibility("merchant page")

    page.get_by_role("button", name="Menu").click()  # the header folds on a phone
    page.get_by_role("link", name="Favourites").click()
    expect(page.get_by_role("heading", name="1 saved deal")).to_be_visible()
    expect(page.get_by_role("link", name=loved.merchant.name)).to_be_visible()
    person.check_accessibility("my favourites")
    person.shoot("favourites")

    person.go("/orders/")
    page.get_by_role("link", name=re.compile(r"Buy again\W+Hotpot set for two")).click()
    expect(page.get_by_role("heading", name="Checkout")).to_be_visible()
    person.check_accessibility("my orders")

    assert person.foreign == [], person.foreign
    assert person.accessibility == [], person.accessibility
