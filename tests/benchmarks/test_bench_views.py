"""The benchmark views stay true to what they stand for (benchmarks/README.md)."""

import json

import pytest
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from benchmarks.views import redemption_upper_bound
from orders.models import Redemption

from ..factories import make_cashier, make_voucher

pytestmark = pytest.mark.django_db


def post(user, body):
    token = Token.objects.get_or_create(user=user)[0].key
    request = RequestFactory().post(
        "/bench/redemption-upper-bound/",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    return redemption_upper_bound(request)


def test_the_upper_bound_redeems_as_the_api_does(consumer, offer, store):
    """Its figures would mean nothing if it did less than a redemption."""
    voucher = make_voucher(consumer, offer)
    cashier = make_cashier(offer.merchant)

    used = post(cashier, {"code": voucher.code, "store": store.pk})
    assert used.status_code == 201
    answer = json.loads(used.content)
    assert answer["uses_left"] == 0
    assert answer["voucher_status"] == "redeemed"
    voucher.refresh_from_db()
    assert voucher.status == "redeemed"
    redemption = Redemption.objects.get(voucher=voucher)
    assert redemption.pk == answer["id"]
    assert redemption.by == cashier
    assert list(voucher.events.values_list("kind", "from_status", "to_status")) == [
        ("redeemed", "issued", "redeemed")
    ]

    again = post(cashier, {"code": voucher.code, "store": store.pk})
    assert again.status_code == 409
    assert json.loads(again.content)["code"] == "already_redeemed"
    assert post(consumer, {"code": voucher.code, "store": store.pk}).status_code == 403
    # Staff first, as the API: a stranger's wrong code is refused unread.
    stranger = post(consumer, {"code": "0" * 12, "store": store.pk})
    assert (stranger.status_code, json.loads(stranger.content)["code"]) == (
        403,
        "not_your_merchant",
    )


def test_the_catalogue_upper_bound_lists_what_the_page_lists(client):
    """It stands for the deal list's query and cards: the same deals, in the same order."""
    import re

    from benchmarks.views import catalogue_upper_bound

    from ..factories import OfferFactory

    for n, price in enumerate((30, 10, 20)):
        OfferFactory(title=f"Deal {n}", price=price, list_price=100)
    query = {"sort": "price"}
    bound = catalogue_upper_bound(RequestFactory().get("/bench/catalogue-upper-bound/", query))
    page = client.get("/deals/", query)
    assert bound.status_code == page.status_code == 200
    listed = re.compile(r"Deal \d")
    assert listed.findall(bound.content.decode()) == ["Deal 1", "Deal 2", "Deal 0"]
    assert listed.findall(page.content.decode()) == ["Deal 1", "Deal 2", "Deal 0"]
    refused = catalogue_upper_bound(RequestFactory().get("/x/", {"price_min": "abc"}))
    assert refused.status_code == 400
