"""The rankings pages: the city's rankings, one page per ranking, filters."""

import pytest
from django.urls import reverse

from offers.models import Offer
from rankings.services import rankings_compute

from ..factories import CategoryFactory, DistrictFactory, OfferFactory, StoreFactory, UserFactory
from .helpers import customers, use

pytestmark = pytest.mark.django_db


def test_before_the_job_has_run_the_pages_say_so(client, offer):
    body = client.get(reverse("offers:rankings")).content.decode()
    assert "has not been worked out yet" in body
    response = client.get(reverse("offers:ranking", args=["best_rated"]))
    assert response.status_code == 200
    assert "has not been worked out yet" in response.content.decode()


def test_the_rankings_page_shows_each_ranking_with_numbered_deals(client):
    hotpot, spa = OfferFactory(title="Hotpot for two"), OfferFactory(title="Spa afternoon")
    customers(hotpot, 2)
    use(spa, ratings=[5])
    rankings_compute()
    body = client.get(reverse("offers:rankings")).content.decode()
    for heading in ("Most redeemed", "Best rated", "New and rising"):
        assert heading in body
    assert "Hotpot for two" in body
    assert "2 customers used it" in body
    assert "1 verified review" in body
    assert '<span class="visually-hidden">Number </span>1</span>' in body
    assert reverse("offers:ranking", args=["most_redeemed"]) in body


def test_one_page_per_ranking(client):
    first, second = OfferFactory(title="First deal"), OfferFactory(title="Second deal")
    customers(first, 2)
    customers(second, 1)
    rankings_compute()
    body = client.get(reverse("offers:ranking", args=["most_redeemed"])).content.decode()
    assert body.index("First deal") < body.index("Second deal")
    assert 'aria-current="page"' in body
    assert client.get(reverse("offers:ranking", args=["no_such_kind"])).status_code == 404


def test_filters_narrow_a_ranking_to_a_category_and_a_district(client):
    spa = CategoryFactory(slug="spa", name="Spa")
    xuhui = DistrictFactory(slug="xuhui", name="Xuhui")
    massage = OfferFactory(title="Massage", category=spa)
    massage.merchant.category = spa
    massage.merchant.save()
    massage.stores.set([StoreFactory(merchant=massage.merchant, district=xuhui)])
    hotpot = OfferFactory(title="Beef stew")
    customers(massage, 1)
    customers(hotpot, 1)
    rankings_compute()
    url = reverse("offers:ranking", args=["most_redeemed"])
    body = client.get(url, {"category": "spa"}).content.decode()
    assert "Massage" in body
    assert "Beef stew" not in body
    body = client.get(url, {"district": "jingan"}).content.decode()
    assert "Beef stew" in body
    assert "Massage" not in body
    # The tabs keep the filters.
    assert f"{reverse('offers:ranking', args=['best_rated'])}?district=jingan" in body


@pytest.mark.parametrize(
    "query", [{"category": "nope"}, {"district": "x\x00y"}, {"district": "a" * 500}]
)
def test_filters_that_name_nothing_are_a_400_that_says_which(client, offer, query):
    response = client.get(reverse("offers:rankings"), query)
    assert response.status_code == 400
    assert "Some filters could not be used" in response.content.decode()


def test_a_paused_deal_is_not_shown(client):
    offer = OfferFactory(title="Soon paused")
    customers(offer, 1)
    rankings_compute()
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.PAUSED)
    body = client.get(reverse("offers:ranking", args=["most_redeemed"])).content.decode()
    assert "Soon paused" not in body
    assert "No deal qualifies for this ranking yet" in body


def test_the_home_page_links_to_the_rankings(client, offer):
    body = client.get("/").content.decode()
    assert reverse("offers:rankings") in body
    assert reverse("offers:ranking", args=["new_rising"]) in body


def _ranked_deals(n):
    for i in range(n):
        offer = OfferFactory()
        offer.stores.add(StoreFactory(merchant=offer.merchant))
        use(offer, ratings=[5 - i % 3])
    rankings_compute()


@pytest.mark.parametrize("n", [2, 6])
def test_rankings_page_query_count_is_fixed(client, django_assert_num_queries, n):
    _ranked_deals(n)
    client.get("/healthz")
    client.get(reverse("offers:rankings"))  # the header's city name, cached
    # categories and districts (the filters; the city is cached), rankings, entries with
    # their deals, the deals' stores
    with django_assert_num_queries(5):
        response = client.get(reverse("offers:rankings"))
    assert response.content.decode().count('class="rank-badge') == 3 * min(n, 4)


@pytest.mark.parametrize("n", [2, 6])
def test_one_ranking_page_query_count_is_fixed(client, django_assert_num_queries, n):
    _ranked_deals(n)
    client.force_login(UserFactory())
    client.get(reverse("offers:rankings"))
    # session, user, unread count, merchant staff check, the category asked
    # for, and the five above
    with django_assert_num_queries(10):
        response = client.get(reverse("offers:ranking", args=["best_rated"]), {"category": "food"})
    assert response.content.decode().count('class="rank-badge') == n
