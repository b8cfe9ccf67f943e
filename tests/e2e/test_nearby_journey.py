"""Issue #15's nearby journey in a real browser, on a phone-sized screen:
"near me" (the browser's position, mocked) → deals nearest first with their
distances and a map of their stores → a business area instead → a deal's
map and directions → another city; accessibility checked, and no request
to any other host (the map has no tiles unless MAP_TILES_URL is set)."""

import math
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from merchants.models import BusinessArea

from ..factories import CityFactory, DistrictFactory, MerchantFactory, OfferFactory, StoreFactory

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]

HERE = (31.2304, 121.4737)  # People's Square


def north(metres):
    return Decimal(HERE[0] + math.degrees(metres / 6_371_008.8)).quantize(Decimal("0.000001"))


@pytest.fixture
def deals_around(settings):
    settings.MAP_LEAFLET = True
    settings.MAP_TILES_URL = ""
    district = DistrictFactory()
    BusinessArea.objects.create(
        city=district.city,
        district=district,
        name_en="Jing'an Temple",
        name_zh_hans="静安寺",
        slug="jingan-temple",
        latitude=north(2600),
        longitude=Decimal(str(HERE[1])),
    )
    CityFactory(name="Beijing", slug="beijing", position=1)
    made = {}
    for title, metres in (("Noodles next door", 850), ("Spa two kilometres away", 2000)):
        merchant = MerchantFactory()
        store = StoreFactory(
            merchant=merchant,
            name=f"{title} store",
            district=district,
            latitude=north(metres),
            longitude=Decimal(str(HERE[1])),
        )
        made[title] = OfferFactory(merchant=merchant, title=title, stores=[store])
    return made


def test_near_me_lists_deals_nearest_first_on_a_map(visitor, deals_around):
    person = visitor("nearby")
    page = person.page
    person.context.grant_permissions(["geolocation"], origin=person.base_url)
    person.context.set_geolocation({"latitude": HERE[0], "longitude": HERE[1]})

    # 1. The page asks for nothing until the button is pressed.
    person.go("/nearby/")
    expect(page.get_by_role("heading", name="Nearby")).to_be_visible()
    button = page.get_by_role("button", name="Deals near me")
    expect(button).to_be_visible()
    person.check_accessibility("nearby, before")
    person.shoot("1-nearby")

    # 2. Near me: the nearest first, each with its distance, and a map of their stores.
    button.click()
    expect(page.get_by_role("heading", name="Deals near you")).to_be_visible()
    cards = page.locator(".offer-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text("Noodles next door")
    expect(cards.nth(0)).to_contain_text("850 m")
    expect(cards.nth(1)).to_contain_text("2.0 km")
    expect(page.locator("#store-map.leaflet-container")).to_be_visible()
    pins = page.locator(".map-pin-store")
    expect(pins).to_have_count(2)
    expect(page.locator(".map-pin-here")).to_have_count(1)
    assert page.locator(".leaflet-tile").count() == 0  # no tiles without MAP_TILES_URL
    person.check_accessibility("nearby, near me")
    person.shoot("2-near-me")
    # A pin opens its popup from the keyboard, naming the deals at that store.
    page.get_by_role("button", name="Noodles next door store (850 m)").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup")).to_contain_text("Noodles next door")

    # 3. A shorter distance keeps the position.
    page.select_option("#nearby-radius", "1")
    page.get_by_role("button", name="Show deals").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Noodles next door")

    # 4. A business area instead of the position.
    page.select_option("#nearby-area", "jingan-temple")
    page.select_option("#nearby-radius", "3")
    page.get_by_role("button", name="Show deals").click()
    expect(page.get_by_role("heading", name="Deals near Jing'an Temple")).to_be_visible()
    assert "lat=" not in page.url
    expect(cards.first).to_contain_text("Spa two kilometres away")
    expect(cards.first).to_contain_text("600 m")
    person.check_accessibility("nearby, business area")

    # 5. A deal's page: its store on the map, directions as links only.
    cards.first.get_by_role("link").click()
    expect(page.locator("#store-map.leaflet-container")).to_be_visible()
    expect(page.locator(".directions a")).to_have_count(4)
    expect(page.get_by_role("link", name="Amap")).to_have_attribute("rel", "noopener noreferrer")
    person.check_accessibility("deal page with map")
    person.shoot("3-deal-map")

    # 6. Another city, from the header's switcher.
    person.go("/")
    page.locator(".city-switcher summary").click()
    page.get_by_role("button", name="Beijing").click()
    expect(page.locator(".city-switcher summary")).to_contain_text("Beijing")
    expect(page.locator(".offer-card")).to_have_count(0)
    person.check_accessibility("home in another city")

    assert person.foreign == [], person.foreign
    assert person.accessibility == [], person.accessibility


def test_without_a_position_the_page_says_why_and_offers_the_areas(visitor, deals_around):
    person = visitor("nearby-denied")
    page = person.page
    person.context.clear_permissions()  # the browser refuses to tell
    person.go("/nearby/")
    page.get_by_role("button", name="Deals near me").click()
    expect(page.locator("#near-me-status")).to_contain_text("Choose a business area instead")
    expect(page.get_by_role("button", name="Deals near me")).to_be_enabled()
    assert person.foreign == [], person.foreign
