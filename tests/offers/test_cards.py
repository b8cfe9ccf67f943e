"""Deal cards are rendered once per deal and language and kept
(offers.cards); lists then read only what changed, yet never show a
stale price, stock or title."""

import pytest
from django.urls import reverse

from offers import cards as cards_module
from offers.models import Offer

from ..factories import CategoryFactory, OfferFactory, StoreFactory
from .test_nearby import HERE, offer_at

pytestmark = pytest.mark.django_db


def card_of(body, title):
    """The text of the card whose title is `title`."""
    heading = f">{title}</a></h3>"
    assert heading in body, title
    start = body.rfind('<article class="card offer-card', 0, body.index(heading))
    return body[start : body.index("</article>", start)]


@pytest.fixture
def renders(monkeypatch):
    """How many cards were rendered from their template."""
    counted = {"n": 0}
    real = cards_module.get_template

    def counting(name):
        template = real(name)
        if name != cards_module.TEMPLATE:
            return template

        class Counting:
            def render(self, context):
                counted["n"] += 1
                return template.render(context)

        return Counting()

    monkeypatch.setattr(cards_module, "get_template", counting)
    return counted


def test_each_card_is_rendered_once_for_every_list_it_appears_in(client, renders):
    for n in range(3):
        OfferFactory(title=f"Deal {n}")
    assert client.get(reverse("offers:list")).status_code == 200
    assert renders["n"] == 3
    for sort in ("price", "newest", "rating"):  # other lists of the same deals
        body = client.get(reverse("offers:list"), {"sort": sort}).content.decode()
        assert all(f"Deal {n}" in body for n in range(3))
    assert renders["n"] == 3


def test_a_sale_shows_on_the_next_list_with_that_card_alone_rendered_again(client, renders):
    bought = OfferFactory(title="Hotpot", stock=30, stock_left=10, sold_count=20)
    OfferFactory(title="Spa")
    client.get(reverse("offers:list"))
    assert renders["n"] == 2
    # A purchase moves the counters with UPDATE (no signal, no catalogue change).
    Offer.objects.filter(pk=bought.pk).update(stock_left=3, sold_count=27)
    body = client.get(reverse("offers:list"), {"sort": "price"}).content.decode()
    assert "3 left" in card_of(body, "Hotpot")
    assert "27 sold" in card_of(body, "Hotpot")
    assert renders["n"] == 3


def test_an_edit_elsewhere_in_the_catalogue_renders_the_cards_again(client, renders):
    offer = OfferFactory(title="Car wash")
    offer.stores.add(StoreFactory(merchant=offer.merchant))
    client.get(reverse("offers:list"))
    offer.merchant.name = "Shiny Cars"
    offer.merchant.save()  # not the deal's row: the catalogue's version moves
    body = client.get(reverse("offers:list"), {"sort": "price"}).content.decode()
    assert "Shiny Cars" in card_of(body, "Car wash")
    assert renders["n"] == 2


def test_cards_are_kept_per_language(client):
    OfferFactory(title="Noodles", sold_count=12, category=CategoryFactory(name="Food"))
    english = client.get(reverse("offers:list")).content.decode()
    chinese = client.get(reverse("offers:list"), {"lang": "zh-hans"}).content.decode()
    assert "12 sold" in card_of(english, "Noodles")
    assert "已售 12" in card_of(chinese, "Noodles")


def test_each_request_gets_its_own_distance_on_a_kept_card(client):
    offer_at(850, "Round the corner")
    first = client.get(reverse("offers:nearby"), {"lat": HERE.lat, "lng": HERE.lng})
    assert "850 m" in card_of(first.content.decode(), "Round the corner")
    further = client.get(reverse("offers:nearby"), {"lat": HERE.lat - 0.01, "lng": HERE.lng})
    card = card_of(further.content.decode(), "Round the corner")
    assert "850 m" not in card
    assert "2.0 km" in card  # 850 m + 0.01° of latitude (1,112 m)
    listed = client.get(reverse("offers:list")).content.decode()
    assert "distance" not in card_of(listed, "Round the corner")  # no position, no distance
