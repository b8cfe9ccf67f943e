"""API: the places and categories to browse by, named in the caller's language."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from merchants.models import BusinessArea

from ..factories import (
    CategoryFactory,
    CityFactory,
    DistrictFactory,
    MerchantFactory,
    OfferFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    shanghai = CityFactory(name_zh_hans="上海")
    beijing = CityFactory(name="Beijing", name_zh_hans="北京", slug="beijing", position=1)
    jingan = DistrictFactory(city=shanghai, name_zh_hans="静安区")
    xuhui = DistrictFactory(city=shanghai, name="Xuhui", slug="xuhui")  # no Chinese name yet
    DistrictFactory(city=beijing, name="Chaoyang", name_zh_hans="朝阳区", slug="chaoyang")
    BusinessArea.objects.create(
        city=shanghai,
        district=jingan,
        name_en="Jing'an Temple",
        name_zh_hans="静安寺",
        slug="jingan-temple",
        latitude=Decimal("31.223500"),
        longitude=Decimal("121.445300"),
    )
    BusinessArea.objects.create(
        city=shanghai,
        district=xuhui,
        name_en="Xujiahui",
        slug="xujiahui",
        latitude=Decimal("31.195000"),
        longitude=Decimal("121.437000"),
    )
    CategoryFactory(name="Food", name_zh_hans="美食")
    CategoryFactory(name="Spa & massage", slug="spa", position=1)
    return shanghai, beijing


def get(path, language="en", **params):
    return APIClient().get(path, params, HTTP_ACCEPT_LANGUAGE=language)


def ok(response):
    assert response.status_code == 200, response.content
    return response.json()


def test_cities_and_categories_in_english(places):
    assert ok(get("/api/v1/cities/")) == [
        {"slug": "shanghai", "name": "Shanghai"},
        {"slug": "beijing", "name": "Beijing"},
    ]
    assert ok(get("/api/v1/categories/")) == [
        {"slug": "food", "name": "Food"},
        {"slug": "spa", "name": "Spa & massage"},
    ]


def test_chinese_names_for_a_chinese_request_english_where_there_is_none(places):
    assert ok(get("/api/v1/cities/", "zh-hans")) == [
        {"slug": "shanghai", "name": "上海"},
        {"slug": "beijing", "name": "北京"},
    ]
    assert ok(get("/api/v1/categories/", "zh-Hans-CN,zh;q=0.9")) == [
        {"slug": "food", "name": "美食"},
        {"slug": "spa", "name": "Spa & massage"},
    ]
    assert ok(get("/api/v1/districts/", "zh-hans", city="shanghai")) == [
        {"slug": "jingan", "name": "静安区"},
        {"slug": "xuhui", "name": "Xuhui"},
    ]


def test_districts_of_a_city(places):
    assert ok(get("/api/v1/districts/", city="beijing")) == [
        {"slug": "chaoyang", "name": "Chaoyang"}
    ]


def test_business_areas_with_their_district_and_point(places):
    assert ok(get("/api/v1/business-areas/", "zh-hans", city="shanghai")) == [
        {
            "slug": "jingan-temple",
            "name": "静安寺",
            "district": "jingan",
            "lat": 31.2235,
            "lng": 121.4453,
        },
        {
            "slug": "xujiahui",
            "name": "Xujiahui",
            "district": "xuhui",
            "lat": 31.195,
            "lng": 121.437,
        },
    ]


@pytest.mark.parametrize("path", ["/api/v1/districts/", "/api/v1/business-areas/"])
@pytest.mark.parametrize("slug", ["atlantis", "x" * 5000, "shang\x00hai", "上海", "Shanghai"])
def test_an_unknown_city_is_a_404_with_its_code(places, path, slug):
    response = get(path, city=slug)
    assert response.status_code == 404
    assert response.json()["code"] == "city_not_found"
    assert response.json()["detail"]


def test_without_a_city_the_callers_city_is_used(places):
    assert [d["slug"] for d in ok(get("/api/v1/districts/"))] == ["jingan", "xuhui"]  # default
    assert [d["slug"] for d in ok(get("/api/v1/districts/", city=""))] == ["jingan", "xuhui"]
    # A signed-in app user's account city.
    client = APIClient()
    client.force_authenticate(UserFactory(city_slug="beijing"))
    assert [d["slug"] for d in client.get("/api/v1/districts/").json()] == ["chaoyang"]
    # The city chosen on the site, in this session.
    browser = APIClient()
    browser.post(reverse("offers:city"), {"city": "beijing"})
    assert [d["slug"] for d in browser.get("/api/v1/districts/").json()] == ["chaoyang"]


def test_the_offer_list_can_be_limited_to_a_city(places):
    shanghai, beijing = places
    OfferFactory(title="Shanghai hotpot", merchant=MerchantFactory(city=shanghai))
    OfferFactory(title="Beijing duck", merchant=MerchantFactory(city=beijing))

    def titles(**params):
        return sorted(o["title"] for o in ok(get("/api/v1/offers/", **params))["results"])

    assert titles() == ["Beijing duck", "Shanghai hotpot"]  # the API keeps no city of its own
    assert titles(city="beijing") == ["Beijing duck"]
    response = get("/api/v1/offers/", city="atlantis")
    assert response.status_code == 404
    assert response.json()["code"] == "city_not_found"


def test_place_lists_cost_one_query_each(places, django_assert_num_queries):
    get("/api/v1/cities/")  # the cities are cached from here on
    with django_assert_num_queries(0):
        ok(get("/api/v1/cities/"))
    with django_assert_num_queries(1):
        ok(get("/api/v1/categories/"))
    with django_assert_num_queries(1):
        ok(get("/api/v1/districts/", city="shanghai"))
    with django_assert_num_queries(1):
        ok(get("/api/v1/business-areas/", city="shanghai"))
