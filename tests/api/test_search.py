"""The API's search: `q` on GET /api/v1/offers/ as on the pages, and
suggestions as you type (GET /api/v1/search/suggest/)."""

import pytest
from rest_framework.test import APIClient

from merchants.models import BusinessArea
from offers import services
from offers.models import SearchQuery

from ..factories import CityFactory, DistrictFactory, MerchantFactory, OfferFactory, StoreFactory
from ..search_world import deal, make_world, owner_of

pytestmark = pytest.mark.django_db

SUGGEST = "/api/v1/search/suggest/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def world():
    w = make_world()
    w.english_hotpot = deal(
        "Spicy hotpot for two", category=w.hotpot, district=w.jingan, merchant="Golden Pot"
    )
    w.chinese_hotpot = deal(
        "麻辣双人套餐", category=w.hotpot, district=w.jingan, area=w.temple, merchant="老王火锅"
    )
    w.xuhui_hotpot = deal("Hotpot buffet", category=w.hotpot, district=w.xuhui)
    w.jingan_spa = deal("Foot massage", category=w.spa, district=w.jingan)
    return w


def titles(response):
    assert response.status_code == 200, response.content
    return {offer["title"] for offer in response.json()["results"]}


@pytest.mark.parametrize(
    "q", ["静安火锅", "静安 火锅", "hotpot jing'an", "静安 hotpot", "jingan huoguo"]
)
def test_offers_q_finds_what_the_pages_find(api, world, q):
    assert titles(api.get("/api/v1/offers/", {"q": q})) == {"Spicy hotpot for two", "麻辣双人套餐"}


def test_offers_q_with_a_typo_and_a_sort(api, world):
    response = api.get("/api/v1/offers/", {"q": "hotpto", "sort": "price"})
    assert response.json()["count"] == 3
    services.offer_pause(offer=world.xuhui_hotpot, by=owner_of(world.xuhui_hotpot))
    assert titles(api.get("/api/v1/offers/", {"q": "hotpto"})) == {
        "Spicy hotpot for two",
        "麻辣双人套餐",
    }


def suggestions(api, q, **headers):
    response = api.get(SUGGEST, {"q": q}, **headers)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["q"] == q.strip()
    assert len(body["suggestions"]) <= 10
    return [(s["text"], s["kind"]) for s in body["suggestions"]]


def test_suggestions_match_the_start_of_names_in_both_languages_and_pinyin(api, world):
    assert ("Hotpot", "category") in suggestions(api, "hot")
    assert ("火锅", "category") in suggestions(api, "火")
    assert ("火锅", "category") in suggestions(api, "huo")  # pinyin
    assert ("火锅", "category") in suggestions(api, "hg")  # initials
    assert ("Jing'an", "area") in suggestions(api, "jing")
    assert ("静安", "area") in suggestions(api, "jing", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert {("静安", "area"), ("静安寺", "area")} <= set(suggestions(api, "静安"))
    assert ("Xuhui", "area") in suggestions(api, "xu")


def test_suggestions_name_merchants_and_deals(api, world):
    found = suggestions(api, "golden")
    assert ("Golden Pot", "merchant") in found
    assert ("Spicy hotpot for two", "offer") in found
    assert ("老王火锅", "merchant") in suggestions(api, "老王")
    assert ("老王火锅", "merchant") in suggestions(api, "laowang")
    assert ("Foot massage", "offer") in suggestions(api, "foot mas")


def test_suggestions_include_popular_searches_and_never_a_hidden_deal(api, world):
    SearchQuery.objects.create(text="hotpot jingan", count=9)
    SearchQuery.objects.create(text="hotpot jingan buffet", count=1)  # too rare
    found = suggestions(api, "hotp")
    assert found[0] == ("hotpot jingan", "query")
    assert ("hotpot jingan buffet", "query") not in found
    services.offer_pause(offer=world.jingan_spa, by=owner_of(world.jingan_spa))
    assert ("Foot massage", "offer") not in suggestions(api, "foot")


def test_suggestions_need_a_short_q(api, world):
    refused = [({}, "q_required"), ({"q": "  "}, "q_required"), ({"q": "a" * 65}, "q_too_long")]
    for params, code in refused:
        response = api.get(SUGGEST, params)
        assert response.status_code == 400
        assert response.json()["code"] == code
        assert response.json()["detail"]
    assert api.get(SUGGEST, {"q": "火" * 64}).status_code == 200


ABSURD = [
    "\x01\x02\x1f",
    "!!!",
    "%",
    "_",
    "'",
    '"',
    "hotpot\" OR '1'='1",
    'AND OR NOT NEAR * " -',
    "NEAR(hot pot)",
    "-",
    "hot*",
    "title:hot",
    "🍲",
    "ｈｏｔ",
    "\u200b\u200d",
]


@pytest.mark.parametrize("q", ABSURD)
def test_absurd_suggestions_get_an_answer_never_an_error(api, world, q):
    response = api.get(SUGGEST, {"q": q})
    assert response.status_code in (200, 400)
    assert "suggestions" in response.json() or response.json()["code"] == "q_required"


@pytest.mark.parametrize("q", [*ABSURD, "a" * 200])
def test_absurd_searches_get_an_answer_never_an_error(api, world, q):
    assert api.get("/api/v1/offers/", {"q": q}).status_code == 200


def test_a_nul_character_is_refused_by_the_search_and_ignored_by_suggestions(api, world):
    response = api.get("/api/v1/offers/", {"q": "hot\x00pot"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert api.get(SUGGEST, {"q": "hot\x00"}).status_code == 200


def test_a_search_of_ten_kilobytes_is_refused(api, world):
    response = api.get("/api/v1/offers/", {"q": "hotpot " * 1500})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "q" in response.json()["errors"]


@pytest.mark.parametrize("n", [2, 8])
def test_an_api_search_costs_a_fixed_number_of_queries(api, django_assert_num_queries, n):
    w = make_world()
    for i in range(n):
        deal(f"Hotpot set {i}", category=w.hotpot, district=w.jingan)
    api.get("/api/v1/offers/", {"q": "hotpot"})  # warm: the places in the cache
    # the nearest spellings, count, page, its stores
    with django_assert_num_queries(4):
        response = api.get("/api/v1/offers/", {"q": "hotpto 静安"})
    assert response.json()["count"] == n
    suggestions(api, "ho")  # warm: the cities in the cache
    # popular searches, the deals (their merchants)
    with django_assert_num_queries(2):
        suggestions(api, "hot")


def test_suggestions_stay_within_the_city(api, world):
    beijing = CityFactory(name="Beijing", slug="beijing", position=1)
    chaoyang = DistrictFactory(city=beijing, name="Chaoyang", name_zh_hans="朝阳", slug="chaoyang")
    BusinessArea.objects.create(
        city=beijing,
        district=chaoyang,
        name="Sanlitun",
        name_zh_hans="三里屯",
        slug="sanlitun",
        latitude=39.9365,
        longitude=116.4477,
    )
    seller = MerchantFactory(city=beijing, category=world.hotpot)
    store = StoreFactory(merchant=seller, district=chaoyang)
    OfferFactory(merchant=seller, category=world.hotpot, title="Hotpot in Sanlitun", stores=[store])

    def suggested(**params):
        response = api.get(SUGGEST, params)
        assert response.status_code == 200, response.content
        return {s["text"] for s in response.json()["suggestions"]}

    # The caller's city: the default one, Shanghai.
    assert "Hotpot buffet" in suggested(q="hotpot")
    assert "Hotpot in Sanlitun" not in suggested(q="hotpot")
    assert "Sanlitun" not in suggested(q="sanli")
    # Beijing asked for: its deals and places, not Shanghai's.
    in_beijing = suggested(q="hotpot", city="beijing")
    assert "Hotpot in Sanlitun" in in_beijing
    assert "Hotpot buffet" not in in_beijing
    assert "Sanlitun" in suggested(q="sanli", city="beijing")
    refused = api.get(SUGGEST, {"q": "hotpot", "city": "atlantis"})
    assert refused.status_code == 404
    assert refused.json()["code"] == "city_not_found"
