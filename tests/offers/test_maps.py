"""Maps and directions: the deal and merchant pages show their stores on a
map served by the app (tiles only from MAP_TILES_URL), and each store links
to the map apps for directions, loading nothing from them."""

import json
import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from merchants.directions import directions
from o2o.settings.base import tiles_source

from ..factories import OfferFactory, StoreFactory

pytestmark = pytest.mark.django_db


def map_data(body):
    found = re.search(r'<script id="store-map-data" type="application/json">(.*?)</script>', body)
    return json.loads(found.group(1)) if found else None


@pytest.fixture
def leaflet(settings):
    settings.MAP_LEAFLET = True
    settings.MAP_TILES_URL = ""
    return settings


def test_the_deal_page_maps_its_open_stores_with_nothing_from_another_host(client, leaflet):
    offer = OfferFactory()
    store = offer.stores.get()
    closed = StoreFactory(merchant=offer.merchant, name="Closed branch", is_active=False)
    offer.stores.add(closed)
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    data = map_data(body)
    assert [(p["name"], p["lat"], p["lng"]) for p in data["pins"]] == [(store.name, 31.23, 121.47)]
    assert "/static/leaflet/leaflet.js" in body
    assert "/static/o2o/map.js" in body
    assert "data-tiles" not in body
    # No address of another host is loaded by the page: only links (directions) point away.
    loaded = re.findall(r'(?:src|href)="(https?://(?!testserver/)[^"]+)"', body)
    linked = re.findall(r'<a [^>]*href="(https?://[^"]+)"', body)
    assert set(loaded) <= set(linked)


def test_the_merchant_page_maps_its_stores(client, leaflet):
    offer = OfferFactory()
    StoreFactory(merchant=offer.merchant, name="Second branch", latitude=Decimal("31.2"))
    body = client.get(reverse("offers:merchant", args=[offer.merchant.slug])).content.decode()
    assert sorted(p["name"] for p in map_data(body)["pins"]) == sorted(
        s.name for s in offer.merchant.stores.all()
    )


def test_without_leaflet_there_is_no_map_and_the_stores_are_listed(client, settings):
    settings.MAP_LEAFLET = False
    offer = OfferFactory()
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert map_data(body) is None
    assert "leaflet" not in body
    assert offer.stores.get().address in body


def test_tiles_come_from_the_configured_url_only(client, leaflet):
    leaflet.MAP_TILES_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    leaflet.MAP_TILES_ATTRIBUTION = "© Example"
    offer = OfferFactory()
    body = client.get(reverse("offers:detail", args=[offer.pk])).content.decode()
    assert 'data-tiles="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in body
    assert 'data-attribution="© Example"' in body


def test_the_content_security_policy_allows_the_tile_host_only_when_set():
    assert tiles_source("") is None
    assert tiles_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == (
        "https://*.tile.example.org"
    )
    assert tiles_source("https://tiles.example.com/styles/{z}/{x}/{y}@2x.png") == (
        "https://tiles.example.com"
    )
    from django.core.exceptions import ImproperlyConfigured

    for bad in ("ftp://tiles.example.com/{z}", "tiles.example.com/{z}", "https://{z}.x.org/"):
        with pytest.raises(ImproperlyConfigured):
            tiles_source(bad)


def test_the_default_policy_lets_images_come_from_this_site_only(client):
    offer = OfferFactory()
    policy = client.get(reverse("offers:detail", args=[offer.pk]))["Content-Security-Policy"]
    img = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert img.split() == ["img-src", "'self'", "data:"]


# --- directions --------------------------------------------------------------------------


def test_directions_open_the_store_in_four_map_apps():
    links = {
        link.app: urlsplit(link.url)
        for link in directions(
            name="Jade Spring, Jing'an", latitude=Decimal("31.2235"), longitude=Decimal("121.4453"),
            address="1 West Nanjing Road",
        )
    }  # fmt: skip
    assert list(links) == ["amap", "baidu", "apple", "google"]
    amap = parse_qs(links["amap"].query)
    assert links["amap"].netloc == "uri.amap.com"
    assert amap["to"] == ["121.445300,31.223500,Jade Spring  Jing'an"]  # lng first, no commas
    assert amap["coordinate"] == ["wgs84"]
    baidu = parse_qs(links["baidu"].query)
    assert links["baidu"].netloc == "api.map.baidu.com"
    assert baidu["location"] == ["31.223500,121.445300"]
    assert baidu["title"] == ["Jade Spring, Jing'an"]
    assert baidu["content"] == ["1 West Nanjing Road"]
    assert baidu["coord_type"] == ["wgs84"]
    apple = parse_qs(links["apple"].query)
    assert links["apple"].netloc == "maps.apple.com"
    assert apple == {"daddr": ["31.223500,121.445300"], "q": ["Jade Spring, Jing'an"]}
    google = parse_qs(links["google"].query)
    assert links["google"].netloc == "www.google.com"
    assert google == {"api": ["1"], "destination": ["31.223500,121.445300"]}
    for link in links.values():
        assert link.scheme == "https"


def test_each_store_on_the_deal_and_merchant_pages_offers_directions(client):
    offer = OfferFactory()
    for url in (
        reverse("offers:detail", args=[offer.pk]),
        reverse("offers:merchant", args=[offer.merchant.slug]),
    ):
        body = client.get(url).content.decode()
        anchors = re.findall(r'<a href="(https://[^"]+)" rel="([^"]+)"[^>]*data-app="(\w+)"', body)
        assert [app for _url, _rel, app in anchors] == ["amap", "baidu", "apple", "google"], url
        assert all("noopener" in rel.split() for _url, rel, _app in anchors)
        assert "31.230000" in anchors[0][0]
