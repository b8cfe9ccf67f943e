"""Cities: a shopper browses one city at a time, switched in the header,
remembered for the session and the account; ?city= picks one for a request."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User

from ..factories import PASSWORD, CityFactory, MerchantFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_cities():
    shanghai = CityFactory()  # the first city made is the default
    beijing = CityFactory(name="Beijing", name_zh_hans="北京", slug="beijing", position=1)
    OfferFactory(title="Shanghai hotpot", merchant=MerchantFactory(city=shanghai))
    OfferFactory(title="Beijing duck", merchant=MerchantFactory(city=beijing))
    return shanghai, beijing


def header_city(response):
    found = re.search(r'class="city-chip[^>]*>.*?</span>([^<]*)<', response.content.decode())
    return found.group(1).strip() if found else None


def shows(response, *titles):
    body = response.content.decode()
    return {title for title in titles if title in body}


DEALS = ("Shanghai hotpot", "Beijing duck")


def switch(client, slug, next_url="/"):
    return client.post(reverse("offers:city"), {"city": slug, "next": next_url})


def test_home_and_lists_show_only_the_default_citys_deals_at_first(client, two_cities):
    for url in ("/", reverse("offers:list"), reverse("offers:category", args=["food"])):
        assert shows(client.get(url), *DEALS) == {"Shanghai hotpot"}, url
    assert header_city(client.get("/")) == "Shanghai"


def test_switching_city_is_remembered_for_the_session(client, two_cities):
    response = switch(client, "beijing", reverse("offers:list") + "?sort=price")
    assert response.status_code == 302
    assert response["Location"] == reverse("offers:list") + "?sort=price"
    for url in ("/", reverse("offers:list"), reverse("accounts:login")):
        page = client.get(url)
        assert header_city(page) == "Beijing", url
    assert shows(client.get("/"), *DEALS) == {"Beijing duck"}
    assert shows(client.get(reverse("offers:list")), *DEALS) == {"Beijing duck"}
    # Another visitor still browses the default city (the page cache keys on the city).
    other = Client()
    assert shows(other.get("/"), *DEALS) == {"Shanghai hotpot"}
    assert shows(other.get(reverse("offers:list")), *DEALS) == {"Shanghai hotpot"}


def test_the_switcher_is_a_form_of_buttons_that_needs_no_script(client, two_cities):
    body = client.get("/").content.decode()
    switcher = body.split('<details class="city-switcher')[1].split("</details>")[0]
    assert f'action="{reverse("offers:city")}"' in switcher
    assert 'method="post"' in switcher
    assert 'name="csrfmiddlewaretoken"' in switcher
    assert re.search(r'<button[^>]*name="city" value="beijing"[^>]*>Beijing</button>', switcher)
    assert re.search(r'value="shanghai" aria-current="true">Shanghai<', switcher)


def test_the_city_is_named_in_the_pages_language(client, two_cities):
    switch(client, "beijing")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert header_city(client.get("/")) == "北京"


def test_a_city_query_parameter_wins_for_that_request_only(client, two_cities):
    switch(client, "beijing")
    assert shows(client.get("/", {"city": "shanghai"}), *DEALS) == {"Shanghai hotpot"}
    assert header_city(client.get(reverse("offers:list"), {"city": "shanghai"})) == "Shanghai"
    assert shows(client.get(reverse("offers:list"), {"city": "shanghai"}), *DEALS) == {
        "Shanghai hotpot"
    }
    assert shows(client.get("/"), *DEALS) == {"Beijing duck"}  # not remembered
    assert shows(client.get("/", {"city": "atlantis"}), *DEALS) == {"Beijing duck"}  # ignored


def test_switching_from_a_page_with_a_city_parameter_drops_it(client, two_cities):
    response = switch(client, "beijing", "/deals/?city=shanghai&sort=price")
    assert response["Location"] == "/deals/?sort=price"


def test_an_unknown_city_changes_nothing_and_says_why(client, two_cities):
    response = switch(client, "atlantis")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "There is no such city here" in page.content.decode()
    assert header_city(page) == "Shanghai"


def test_a_foreign_next_address_is_not_followed(client, two_cities):
    response = switch(client, "beijing", "https://evil.example/")
    assert response["Location"] == "/"


def test_the_switch_takes_a_post_only(client, two_cities):
    assert client.get(reverse("offers:city"), {"city": "beijing"}).status_code == 405


def test_a_signed_in_shoppers_city_is_kept_in_their_account(client, two_cities):
    shopper = UserFactory()
    client.force_login(shopper)
    switch(client, "beijing")
    shopper.refresh_from_db()
    assert shopper.city_slug == "beijing"
    # A new session (another device) starts in the account's city.
    elsewhere = Client()
    assert header_city(elsewhere.get("/")) == "Shanghai"
    elsewhere.post(reverse("accounts:login"), {"email": shopper.email, "password": PASSWORD})
    assert header_city(elsewhere.get("/")) == "Beijing"
    assert shows(elsewhere.get(reverse("offers:list")), *DEALS) == {"Beijing duck"}


def test_a_city_chosen_before_logging_in_becomes_the_accounts(client, two_cities):
    shopper = UserFactory(city_slug="shanghai")
    switch(client, "beijing")
    client.post(reverse("accounts:login"), {"email": shopper.email, "password": PASSWORD})
    assert User.objects.get(pk=shopper.pk).city_slug == "beijing"
    assert header_city(client.get("/")) == "Beijing"


def test_an_account_whose_city_is_gone_browses_the_default(client, two_cities):
    shopper = UserFactory(city_slug="atlantis")
    client.force_login(shopper)
    assert header_city(client.get("/")) == "Shanghai"


def test_with_one_city_the_header_names_it_without_a_switcher(client):
    CityFactory()
    body = client.get("/").content.decode()
    assert "city-switcher" not in body
    assert header_city(client.get("/")) == "Shanghai"


def test_a_new_city_appears_in_the_switcher_at_once(client, two_cities):
    client.get("/")  # the cities are cached now
    CityFactory(name="Chengdu", slug="chengdu", position=2)
    assert 'value="chengdu"' in client.get(reverse("accounts:login")).content.decode()
