"""API: GET /api/v1/rankings/, one ranking of a city's deals on sale."""

import pytest
from rest_framework.test import APIClient

from offers.models import Offer
from rankings.services import rankings_compute

from ..factories import CityFactory, DistrictFactory, OfferFactory
from ..rankings.helpers import customers, use
from .test_api import refused

pytestmark = pytest.mark.django_db

URL = "/api/v1/rankings/"


@pytest.fixture
def ranked():
    first, second = OfferFactory(title="First"), OfferFactory(title="Second")
    customers(first, 2)
    use(second, ratings=[5])
    rankings_compute()
    return first, second


def test_a_ranking_with_its_deals(ranked):
    first, second = ranked
    body = APIClient().get(URL, {"kind": "most_redeemed"}).json()
    assert body["kind"] == "most_redeemed"
    assert body["city"] == "shanghai"
    assert body["category"] is None
    assert body["district"] is None
    assert body["computed_at"]
    assert [(r["rank"], r["offer"]["id"], r["score"], r["metric"]) for r in body["results"]] == [
        (1, first.pk, "2.0000", 2),
        (2, second.pk, "1.0000", 1),
    ]
    offer = body["results"][0]["offer"]
    assert offer["title"] == "First"
    assert offer["price"] == "198.00"
    assert offer["url"].endswith(f"/deals/{first.pk}/")


def test_narrowed_by_city_category_and_district(ranked):
    body = (
        APIClient()
        .get(
            URL,
            {"kind": "best_rated", "city": "shanghai", "category": "food", "district": "jingan"},
        )
        .json()
    )
    assert (body["category"], body["district"]) == ("food", "jingan")
    assert [r["metric"] for r in body["results"]] == [1]


def test_empty_values_are_no_filter(ranked):
    body = APIClient().get(URL, {"kind": "best_rated", "category": "", "district": ""}).json()
    assert body["category"] is None
    assert len(body["results"]) == 1


def test_not_computed_yet(offer):
    body = APIClient().get(URL, {"kind": "new_rising"}).json()
    assert body["computed_at"] is None
    assert body["results"] == []


def test_a_paused_deal_leaves_the_ranking_at_once(ranked):
    first, second = ranked
    Offer.objects.filter(pk=first.pk).update(status=Offer.Status.PAUSED)
    results = APIClient().get(URL, {"kind": "most_redeemed"}).json()["results"]
    assert [(r["rank"], r["offer"]["id"]) for r in results] == [(1, second.pk)]


@pytest.mark.parametrize("kind", [None, "", "views", "MOST_REDEEMED", "x" * 10_000])
def test_an_unknown_kind_is_refused(offer, kind):
    refused(APIClient().get(URL, {} if kind is None else {"kind": kind}), 400, "unknown_kind")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"city": "atlantis"}, "city_not_found"),
        ({"city": "shang\x00hai"}, "city_not_found"),
        ({"city": "上海"}, "city_not_found"),
        ({"category": "x" * 5000}, "category_not_found"),
        ({"district": "nowhere"}, "district_not_found"),
    ],
)
def test_a_slug_that_names_nothing_is_a_404_with_its_code(offer, query, code):
    refused(APIClient().get(URL, {"kind": "best_rated", **query}), 404, code)


def test_a_district_of_another_city_is_none_of_this_one(offer):
    beijing = CityFactory(slug="beijing", name="Beijing")
    DistrictFactory(city=beijing, slug="chaoyang", name="Chaoyang")
    query = {"kind": "best_rated", "city": "shanghai", "district": "chaoyang"}
    refused(APIClient().get(URL, query), 404, "district_not_found")
    assert APIClient().get(URL, {**query, "city": "beijing"}).status_code == 200
