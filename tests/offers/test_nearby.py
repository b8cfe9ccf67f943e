"""Nearby: deals measured from a point, nearest first, by their nearest open
store, computed by the database (the same answers on SQLite and PostgreSQL:
run this module on both)."""

import math
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from merchants.models import BusinessArea
from offers import geo

from ..factories import CityFactory, DistrictFactory, MerchantFactory, OfferFactory, StoreFactory

pytestmark = pytest.mark.django_db

# People's Square, Shanghai.
HERE = geo.Point(31.2304, 121.4737)
SIX = Decimal("0.000001")


def haversine(lat1, lng1, lat2, lng2):
    """The distance in metres, in Python: what the database must agree with."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    )
    return 2 * geo.EARTH_RADIUS_M * math.asin(math.sqrt(a))


def north(metres, of=HERE):
    """The stored latitude (six decimals) `metres` due north of `of`."""
    return Decimal(of.lat + math.degrees(metres / geo.EARTH_RADIUS_M)).quantize(SIX)


def east(metres, of=HERE):
    """The stored longitude `metres` due east of `of` (along its parallel,
    a great circle only approximately: measure with haversine)."""
    spread = math.degrees(metres / (geo.EARTH_RADIUS_M * math.cos(math.radians(of.lat))))
    return Decimal(of.lng + spread).quantize(SIX)


def store_at(metres=None, *, lat=None, lng=None, merchant=None, **kwargs):
    lat = lat if lat is not None else north(metres)
    lng = lng if lng is not None else Decimal(str(HERE.lng))
    return StoreFactory(
        latitude=lat, longitude=lng, merchant=merchant or MerchantFactory(), **kwargs
    )


def offer_at(metres, title, **kwargs):
    store = store_at(metres)
    return OfferFactory(title=title, merchant=store.merchant, stores=[store], **kwargs)


def near(**params):
    query = {"lat": HERE.lat, "lng": HERE.lng, **params}
    return APIClient().get("/api/v1/offers/", query)


def results(response):
    assert response.status_code == 200, response.content
    return [(item["title"], item["distance_m"]) for item in response.json()["results"]]


# --- the distance ---------------------------------------------------------------


def test_a_store_850_m_away_sorts_before_one_at_2_km_and_shows_850_m(client):
    offer_at(2000, "Two kilometres")
    offer_at(850, "Round the corner")
    assert results(near(sort="distance")) == [("Round the corner", 850), ("Two kilometres", 2000)]
    page = client.get(reverse("offers:nearby"), {"lat": HERE.lat, "lng": HERE.lng})
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("Round the corner") < body.index("Two kilometres")
    assert "850 m" in body
    assert "2.0 km" in body


def test_the_database_measures_as_haversine_does_in_every_direction():
    spots = {
        "north": (north(3210), Decimal(str(HERE.lng))),
        "east": (Decimal(str(HERE.lat)), east(4321)),
        "south-west": (north(-1500), east(-2500)),
        "far": (north(30_000), east(25_000)),
    }
    for title, (lat, lng) in spots.items():
        store = store_at(lat=lat, lng=lng)
        OfferFactory(title=title, merchant=store.merchant, stores=[store])
    found = dict(results(near()))
    for title, (lat, lng) in spots.items():
        expected = haversine(HERE.lat, HERE.lng, float(lat), float(lng))
        assert abs(found[title] - expected) <= 1, (title, found[title], expected)


def test_an_offer_is_as_near_as_its_nearest_open_store():
    merchant = MerchantFactory()
    closed = store_at(100, merchant=merchant, is_active=False)
    far = store_at(3000, merchant=merchant)
    middle = store_at(1200, merchant=merchant)
    OfferFactory(title="Three branches", merchant=merchant, stores=[closed, far, middle])
    assert results(near()) == [("Three branches", 1200)]
    # Within 1 km only the closed store is: the offer is not near enough.
    assert results(near(radius_km=1)) == []


def test_the_radius_is_exact_at_its_edge():
    inside, outside = north(999.8), north(1000.2)
    assert haversine(HERE.lat, HERE.lng, float(inside), HERE.lng) < 1000
    assert haversine(HERE.lat, HERE.lng, float(outside), HERE.lng) > 1000
    for title, lat in (("Just inside", inside), ("Just outside", outside)):
        store = store_at(lat=lat)
        OfferFactory(title=title, merchant=store.merchant, stores=[store])
    assert [title for title, _ in results(near(radius_km=1))] == ["Just inside"]
    wider = results(near(radius_km="1.001", sort="distance"))
    assert [title for title, _ in wider] == ["Just inside", "Just outside"]


def test_without_a_radius_nothing_is_left_out_and_far_offers_have_no_distance():
    offer_at(500, "Near")
    offer_at(60_000, "Other town")
    assert results(near(sort="distance")) == [("Near", 500), ("Other town", None)]


def test_without_a_position_there_is_no_distance():
    offer_at(500, "Near")
    response = APIClient().get("/api/v1/offers/")
    assert [item["distance_m"] for item in response.json()["results"]] == [None]


def test_distance_combines_with_the_other_filters_and_the_city(client):
    offer_at(700, "Hotpot nearby")
    beijing = CityFactory(name="Beijing", slug="beijing")
    far_merchant = MerchantFactory(city=beijing)
    store = store_at(300, merchant=far_merchant)
    OfferFactory(title="Beijing's", merchant=far_merchant, stores=[store])
    assert results(near(city="shanghai", sort="distance")) == [("Hotpot nearby", 700)]
    assert results(near(q="hotpot", radius_km=5)) == [("Hotpot nearby", 700)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": "1e309", "lng": "121.47"}, "lat"),
        ({"lat": "NaN", "lng": "121.47"}, "lat"),
        ({"lat": "inf", "lng": "121.47"}, "lat"),
        ({"lat": "²", "lng": "121.47"}, "lat"),
        ({"lat": "٣١", "lng": "121.47"}, "lat"),
        ({"lat": "91", "lng": "121.47"}, "lat"),
        ({"lat": "-90.5", "lng": "121.47"}, "lat"),
        ({"lat": "31.2", "lng": "180.01"}, "lng"),
        ({"lat": "31.2", "lng": "1" * 500}, "lng"),
        ({"lat": "31.2", "lng": "121.4", "radius_km": "99999999"}, "radius_km"),
        ({"lat": "31.2", "lng": "121.4", "radius_km": "0"}, "radius_km"),
        ({"lat": "31.2", "lng": "121.4", "radius_km": "-1"}, "radius_km"),
        ({"lat": "31.2", "lng": "121.4", "radius_km": "nan"}, "radius_km"),
        ({"lat": "31.2", "lng": "121.4", "radius_km": "50.01"}, "radius_km"),
        ({"lat": "31.2"}, "lng"),
        ({"lng": "121.4"}, "lat"),
        ({"radius_km": "5"}, "radius_km"),
        ({"sort": "distance"}, "sort"),
    ],
)
def test_absurd_positions_are_refused_with_400_naming_the_field(client, params, field):
    offer_at(500, "Near")
    response = APIClient().get("/api/v1/offers/", params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    page = client.get(reverse("offers:list"), params)
    assert page.status_code == 400
    assert "Some filters could not be used" in page.content.decode()


def test_the_nearby_page_refuses_an_absurd_position_with_the_reason(client):
    page = client.get(reverse("offers:nearby"), {"lat": "1e309", "lng": "121.4"})
    assert page.status_code == 400
    assert "Latitude: Enter degrees from -90 to 90" in page.content.decode()


# --- the bounding box -------------------------------------------------------------


@pytest.mark.parametrize("lat", [0.0, 31.2304, 60.0, 80.0, -45.0])
def test_the_box_holds_the_whole_circle(lat):
    centre = geo.Point(lat, 10.0)
    box = geo.bounding_box(centre, 5000)
    for bearing in range(0, 360, 5):
        # The point 5 km away on this bearing (the direct geodesic problem on a sphere).
        angle, theta, p1 = 5000 / geo.EARTH_RADIUS_M, math.radians(bearing), math.radians(lat)
        p2 = math.asin(
            math.sin(p1) * math.cos(angle) + math.cos(p1) * math.sin(angle) * math.cos(theta)
        )
        l2 = math.radians(10.0) + math.atan2(
            math.sin(theta) * math.sin(angle) * math.cos(p1),
            math.cos(angle) - math.sin(p1) * math.sin(p2),
        )
        assert box.lat_min <= Decimal(math.degrees(p2)) <= box.lat_max, bearing
        assert box.lng_min <= Decimal(math.degrees(l2)) <= box.lng_max, bearing


def test_the_box_takes_every_longitude_near_a_pole_or_across_the_antimeridian():
    polar = geo.bounding_box(geo.Point(89.99, 0), 5000)
    assert (polar.lng_min, polar.lng_max, polar.lat_max) == (-180, 180, 90)
    dateline = geo.bounding_box(geo.Point(-17.7, 179.99), 5000)
    assert (dateline.lng_min, dateline.lng_max) == (-180, 180)


def test_far_stores_never_reach_the_exact_distance():
    """The box is in the query: a store outside it is not measured at all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    offer_at(500, "Near")
    with CaptureQueriesContext(connection) as queries:
        results(near(radius_km=2))
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"latitude" >=' in sql
    assert '"longitude" <=' in sql
    assert "ASIN" in sql.upper()


# --- the nearby page -------------------------------------------------------------------


@pytest.fixture
def jingan_temple():
    district = DistrictFactory()
    return BusinessArea.objects.create(
        city=district.city,
        district=district,
        name_en="Jing'an Temple",
        name_zh_hans="静安寺",
        slug="jingan-temple",
        latitude=Decimal(str(HERE.lat)),
        longitude=Decimal(str(HERE.lng)),
    )


def test_the_nearby_page_asks_for_a_position_or_an_area_first(client, jingan_temple):
    offer_at(500, "Near")
    body = client.get(reverse("offers:nearby")).content.decode()
    assert "Deals near me" in body  # the button (shown by nearby.js)
    assert 'id="near-me"' in body
    assert "Jing&#x27;an Temple" in body  # an option of the select
    assert "Near" not in body.split('id="nearby-form"')[1].split("</form>")[1]


def test_a_business_area_lists_the_deals_around_it_within_the_radius(client, jingan_temple):
    offer_at(2500, "Farther")
    offer_at(400, "Closer")
    offer_at(8000, "Too far")
    page = client.get(reverse("offers:nearby"), {"area": "jingan-temple", "radius_km": "3"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Deals near Jing&#x27;an Temple" in body
    assert body.index("Closer") < body.index("Farther")
    assert "Too far" not in body
    assert "400 m" in body
    assert "2.5 km" in body
    assert "2 deals within 3 km" in body


def test_an_unknown_business_area_is_a_400_with_a_way_back(client, jingan_temple):
    page = client.get(reverse("offers:nearby"), {"area": "atlantis"})
    assert page.status_code == 400
    assert "no such business area" in page.content.decode()


def test_no_deals_in_range_says_so_and_suggests_a_longer_distance(client):
    offer_at(8000, "Far")
    body = client.get(
        reverse("offers:nearby"), {"lat": HERE.lat, "lng": HERE.lng, "radius_km": "1"}
    ).content.decode()
    assert "No deals within 1 km." in body
    assert "Try a longer distance." in body


def test_pages_around_a_visitors_position_are_not_kept_in_the_page_cache(client, monkeypatch):
    """Every point a phone sends would be one more entry: such pages are built
    for their request alone (a business area's page is cached like a list)."""
    from o2o import pagecache

    offer_at(500, "Near")

    def refuse(*args, **kwargs):
        raise AssertionError("a page around a position looked in the page cache")

    monkeypatch.setattr(pagecache, "lookup", refuse)
    for url in (reverse("offers:nearby"), reverse("offers:list")):
        response = client.get(url, {"lat": HERE.lat, "lng": HERE.lng, "sort": "distance"})
        assert response.status_code == 200
        assert "500 m" in response.content.decode()


@pytest.mark.parametrize("n", [2, 8])
def test_the_nearby_list_query_count_is_fixed(client, django_assert_num_queries, n):
    for i in range(n):
        merchant = MerchantFactory()
        stores = [store_at(300 + 100 * i + j, merchant=merchant) for j in range(3)]
        OfferFactory(merchant=merchant, stores=stores)
    client.get(reverse("offers:nearby"))  # the cities in the cache, as in steady state
    params = {"lat": HERE.lat, "lng": HERE.lng, "radius_km": "5"}
    # business areas, the page with its count, the cards' merchants, categories
    # and stores, the deals' nearest stores (the map)
    with django_assert_num_queries(6):
        response = client.get(reverse("offers:nearby"), params)
    assert response.content.decode().count('class="card offer-card') == n


@pytest.mark.parametrize("n", [2, 8])
def test_the_api_nearby_list_query_count_is_fixed(django_assert_num_queries, n):
    for i in range(n):
        merchant = MerchantFactory()
        stores = [store_at(300 + 100 * i + j, merchant=merchant) for j in range(3)]
        OfferFactory(merchant=merchant, stores=stores)
    # count, page (each offer's distance in it), their stores
    with django_assert_num_queries(3):
        assert len(results(near(radius_km=5, sort="distance"))) == n


def test_the_map_pins_each_deals_nearest_store_and_the_visitor(client, settings):
    settings.MAP_LEAFLET = True
    merchant = MerchantFactory()
    near_store = store_at(600, merchant=merchant, name="Near branch")
    far_store = store_at(4000, merchant=merchant, name="Far branch")
    OfferFactory(title="Two branches", merchant=merchant, stores=[far_store, near_store])
    response = client.get(reverse("offers:nearby"), {"lat": HERE.lat, "lng": HERE.lng})
    data = _map_data(response)
    assert [(pin["name"], pin["distance"]) for pin in data["pins"]] == [("Near branch", "600 m")]
    assert data["pins"][0]["links"][0]["text"] == "Two branches"
    assert (data["here"]["lat"], data["here"]["lng"]) == (HERE.lat, HERE.lng)


def _map_data(response):
    import json
    import re

    found = re.search(
        r'<script id="store-map-data" type="application/json">(.*?)</script>',
        response.content.decode(),
    )
    assert found, "no map on the page"
    return json.loads(found.group(1))


# --- cards ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metres", "shown"),
    [(0, "0 m"), (850, "850 m"), (999, "999 m"), (1000, "1.0 km"), (2345, "2.3 km"),
     (2350, "2.4 km"), (9949, "9.9 km"), (9950, "10 km"), (12_345, "12 km"), (None, "")],
)  # fmt: skip
def test_a_distance_reads_in_metres_then_kilometres(metres, shown):
    from offers.templatetags.places import distance

    assert distance(metres) == shown


def test_cards_without_a_position_show_no_distance(client):
    offer_at(500, "Near")
    body = client.get(reverse("offers:list")).content.decode()
    assert 'class="small mb-1 distance"' not in body
