"""schema.org structured data on the deal and merchant pages, read as a
crawler reads it and checked against schema.org's vocabulary
(tests/storefront/schemaorg.py says how)."""

from datetime import timedelta
from decimal import Decimal

import lxml.html
import pytest
from django.urls import reverse
from django.utils import timezone

from merchants.models import Merchant
from offers.models import Offer
from storefront.jsonld import opening_hours

from ..factories import CategoryFactory, MerchantFactory, OfferFactory, StoreFactory
from ..images import scene, upload
from . import schemaorg

pytestmark = pytest.mark.django_db

BREAKOUT = "</script><script>alert(1)</script>"


def structured(client, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    return schemaorg.extract(response.content.decode(), "http://testserver" + url)


def only_document(found):
    assert len(found["json-ld"]) == 1
    return found["json-ld"][0]


def test_the_vocabulary_check_refuses_what_schema_org_does():
    """The checker itself: a typo, a property of another type, a wrong value."""
    good = {"@context": "https://schema.org", "@type": "Product", "name": "Tea", "offers": {
        "@type": "Offer", "price": "9.00", "priceCurrency": "CNY", "url": "https://x.test/",
        "availability": "https://schema.org/InStock"}}  # fmt: skip
    assert schemaorg.validate(good) == []
    assert schemaorg.validate({**good, "nmae": "Tea"}) == ["$.nmae: no such schema.org property"]
    assert schemaorg.validate({**good, "openingHours": "Mo-Fr"}) == [
        "$.openingHours: not a property of Product"
    ]
    wrong = {**good, "offers": {**good["offers"], "availability": "https://schema.org/Monday"}}
    assert schemaorg.validate(wrong) == [
        "$.offers[0].availability[0]: "
        "'https://schema.org/Monday' is not one of ['ItemAvailability']"
    ]
    assert schemaorg.validate({**good, "offers": None})[-1] == (
        "$: a Product needs offers or aggregateRating or review"
    )


def test_a_deal_is_a_product_with_an_offer_that_schema_org_accepts(client):
    starts = timezone.now() - timedelta(days=1)
    ends = timezone.now() + timedelta(days=10)
    offer = OfferFactory(
        title="Hotpot for two",
        stock=30,
        sale_starts_at=starts,
        sale_ends_at=ends,
        image=upload(scene(80, 60), "cover.png", "PNG"),
    )
    offer.stock_left = 12
    offer.save()
    Offer.objects.filter(pk=offer.pk).update(rating=Decimal("4.60"), rating_count=25)
    url = reverse("offers:detail", args=[offer.pk])
    document = only_document(structured(client, url))
    assert schemaorg.validate(document) == []
    assert document["@type"] == "Product"
    assert document["name"] == "Hotpot for two"
    assert document["image"][0].startswith("http://testserver/media/")
    sale = document["offers"]
    assert sale["@type"] == "Offer"
    assert (sale["price"], sale["priceCurrency"]) == ("198.00", "CNY")
    assert sale["availability"] == "https://schema.org/InStock"
    assert sale["url"] == f"http://testserver{url}?lang=en"
    assert sale["validFrom"] == starts.isoformat()
    assert sale["priceValidUntil"] == timezone.localdate(ends).isoformat()
    assert sale["inventoryLevel"]["value"] == 12
    assert sale["seller"]["name"] == offer.merchant.name
    assert sale["availableAtOrFrom"][0]["address"]["streetAddress"] == "1 Nanjing West Road"
    assert document["aggregateRating"] == {
        "@type": "AggregateRating",
        "ratingValue": "4.6",
        "ratingCount": 25,
        "bestRating": 5,
        "worstRating": 1,
    }


def test_a_deal_without_ratings_has_no_aggregate_rating(client, offer):
    document = only_document(structured(client, reverse("offers:detail", args=[offer.pk])))
    assert schemaorg.validate(document) == []
    assert "aggregateRating" not in document


@pytest.mark.parametrize(
    ("change", "availability"),
    [
        ({"stock": 5, "stock_left": 0}, "SoldOut"),
        ({"status": Offer.Status.ENDED}, "Discontinued"),
    ],
)
def test_the_offer_says_when_a_deal_cannot_be_bought(client, change, availability):
    offer = OfferFactory()
    Offer.objects.filter(pk=offer.pk).update(**change)
    document = only_document(structured(client, reverse("offers:detail", args=[offer.pk])))
    assert schemaorg.validate(document) == []
    assert document["offers"]["availability"] == f"https://schema.org/{availability}"


def test_a_merchant_is_a_local_business_with_address_position_and_hours(client):
    spa = CategoryFactory(name="Spa & massage", slug="spa")
    merchant = MerchantFactory(category=spa, phone="021-6666-0000", description="Calm rooms")
    StoreFactory(
        merchant=merchant,
        name="Jing'an branch",
        address="88 Yuyuan Road",
        latitude=Decimal("31.224400"),
        longitude=Decimal("121.446100"),
        hours="Mon–Fri 10:00–22:00; Sat–Sun 09:00–23:00",
    )
    Merchant.objects.filter(pk=merchant.pk).update(rating=Decimal("4.80"), rating_count=200)
    document = only_document(structured(client, reverse("offers:merchant", args=[merchant.slug])))
    assert schemaorg.validate(document) == []
    assert document["@type"] == "DaySpa"
    assert "LocalBusiness" in schemaorg.lineage(document["@type"])
    assert document["telephone"] == "021-6666-0000"
    assert document["address"]["streetAddress"] == "88 Yuyuan Road"
    assert document["address"]["addressLocality"] == "Shanghai"
    assert document["geo"] == {
        "@type": "GeoCoordinates",
        "latitude": 31.2244,
        "longitude": 121.4461,
    }
    weekdays, weekend = document["openingHoursSpecification"]
    assert (weekdays["opens"], weekdays["closes"], len(weekdays["dayOfWeek"])) == (
        "10:00",
        "22:00",
        5,
    )
    assert weekend["dayOfWeek"] == ["https://schema.org/Saturday", "https://schema.org/Sunday"]
    assert document["aggregateRating"]["ratingCount"] == 200


def test_a_merchant_of_another_trade_is_a_plain_local_business(client):
    merchant = MerchantFactory(category=CategoryFactory(name="Pets", slug="pets"))
    StoreFactory(merchant=merchant, hours="by appointment")
    document = only_document(structured(client, reverse("offers:merchant", args=[merchant.slug])))
    assert schemaorg.validate(document) == []
    assert document["@type"] == "LocalBusiness"
    assert "openingHoursSpecification" not in document  # not understood: left out


def test_a_merchant_without_an_open_store_is_an_organization(client):
    merchant = MerchantFactory()
    StoreFactory(merchant=merchant, is_active=False)
    document = only_document(structured(client, reverse("offers:merchant", args=[merchant.slug])))
    assert schemaorg.validate(document) == []
    assert document["@type"] == "Organization"
    assert "address" not in document


@pytest.mark.parametrize("page", ["deal", "merchant"])
def test_a_title_cannot_break_out_of_the_structured_data(client, page):
    offer = OfferFactory(title=BREAKOUT, summary=BREAKOUT)
    Merchant.objects.filter(pk=offer.merchant_id).update(name=BREAKOUT, description=BREAKOUT)
    if page == "deal":
        url = reverse("offers:detail", args=[offer.pk])
    else:
        url = reverse("offers:merchant", args=[offer.merchant.slug])
    response = client.get(url)
    html = response.content.decode()
    assert BREAKOUT not in html
    tree = lxml.html.fromstring(html)
    for script in tree.iter("script"):
        # Every script is a file of ours, or data the browser does not run
        # (the structured data, and the map's stores from json_script).
        data = script.get("type") in ("application/ld+json", "application/json")
        assert script.get("src") or data
        assert "alert" not in (script.text or "") or data
    found = schemaorg.extract(html, "http://testserver" + url)
    document = only_document(found)
    assert schemaorg.validate(document) == []
    assert document["name"] == BREAKOUT  # the words survive, as data
    assert found["opengraph"]["og:title"].startswith(BREAKOUT)
    # And the policy still forbids inline scripts: JSON-LD needs no exception.
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_link_previews_get_the_deals_title_picture_and_canonical_address(client):
    offer = OfferFactory(title="Spa afternoon", image=upload(scene(80, 60), "c.png", "PNG"))
    url = reverse("offers:detail", args=[offer.pk])
    found = structured(client, url + "?ref=ABCDEFGH&utm_source=wechat")
    graph = found["opengraph"]
    assert graph["og:title"] == "Spa afternoon — ¥198"
    assert graph["og:url"] == f"http://testserver{url}?lang=en"
    assert graph["og:image"].startswith("http://testserver/media/offers/")
    assert graph["@type"] == "product"  # extruct reads og:type as the type


def test_structured_data_costs_the_merchant_page_no_query_per_store(
    client, django_assert_num_queries
):
    merchant = MerchantFactory()
    StoreFactory(merchant=merchant)
    url = reverse("offers:merchant", args=[merchant.slug])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one_store:
        client.get(url)
    for _ in range(3):
        StoreFactory(merchant=merchant)
    with django_assert_num_queries(len(one_store)):
        body = client.get(url).content.decode()
    assert body.count('"@type":"LocalBusiness"') + body.count('"@type":"Restaurant"') == 1


@pytest.mark.parametrize(
    ("hours", "expected"),
    [
        ("10:00–22:00", [(7, "10:00", "22:00")]),
        ("10:00 - 14:00, 17:00 - 22:00", [(7, "10:00", "14:00"), (7, "17:00", "22:00")]),
        ("Mon–Fri 10:00–22:00; Sat–Sun 9:00–23:00", [(5, "10:00", "22:00"), (2, "09:00", "23:00")]),
        ("周一至周五 10:00-22:00 周六 10:00-23:00", [(5, "10:00", "22:00"), (1, "10:00", "23:00")]),
        ("每天 10:00~24:00", [(7, "10:00", "23:59")]),
        ("18:00–02:00", [(7, "18:00", "02:00")]),  # past midnight
        ("24 hours", [(7, "00:00", "23:59")]),
        ("24小时营业", [(7, "00:00", "23:59")]),
        ("Closed on Mondays", None),
        ("10:00–22:00 (last orders 21:30)", None),
        ("25:00-26:00", None),
        ("10:00-10:00", None),
        ("", None),
    ],
)
def test_store_hours_are_read_in_the_forms_people_write(hours, expected):
    found = opening_hours(hours)
    if expected is None:
        assert found is None
        return
    assert [(len(s["dayOfWeek"]), s["opens"], s["closes"]) for s in found] == expected
    for spec in found:
        assert schemaorg.problems(spec) == []
