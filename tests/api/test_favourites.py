"""API: my favourites, GET/POST /api/v1/favourites/ and DELETE /api/v1/favourites/{id}/."""

import pytest

from offers.models import Favourite, Offer

from ..factories import MerchantFactory, OfferFactory, UserFactory
from .test_api import api, refused

pytestmark = pytest.mark.django_db

URL = "/api/v1/favourites/"


def test_save_a_deal_then_again_gives_the_same_row(consumer, offer):
    client = api(consumer)
    first = client.post(URL, {"offer": offer.pk}, format="json")
    assert first.status_code == 201, first.content
    again = client.post(URL, {"offer": str(offer.pk)}, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    body = first.json()
    assert body["offer"]["id"] == offer.pk
    assert body["offer"]["title"] == offer.title
    assert body["merchant"] is None
    assert body["created_at"]
    assert Favourite.objects.count() == 1


def test_save_a_merchant(consumer, merchant):
    response = api(consumer).post(URL, {"merchant": merchant.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["offer"] is None
    assert body["merchant"]["id"] == merchant.pk
    assert body["merchant"]["slug"] == merchant.slug
    assert body["merchant"]["city"] == "shanghai"


def test_my_list_has_mine_only_newest_first(consumer, offer, merchant):
    client = api(consumer)
    client.post(URL, {"offer": offer.pk}, format="json")
    client.post(URL, {"merchant": merchant.pk}, format="json")
    api(UserFactory()).post(URL, {"offer": OfferFactory().pk}, format="json")
    body = client.get(URL).json()
    assert [
        (f["offer"] and f["offer"]["id"], f["merchant"] and f["merchant"]["id"]) for f in body
    ] == [
        (None, merchant.pk),
        (offer.pk, None),
    ]


def test_delete_mine_but_not_someone_elses(consumer, offer):
    theirs = api(UserFactory()).post(URL, {"offer": offer.pk}, format="json").json()
    mine = api(consumer).post(URL, {"offer": offer.pk}, format="json").json()
    refused(api(consumer).delete(f"{URL}{theirs['id']}/"), 404, "favourite_not_found")
    assert api(consumer).delete(f"{URL}{mine['id']}/").status_code == 204
    refused(api(consumer).delete(f"{URL}{mine['id']}/"), 404, "favourite_not_found")
    assert list(Favourite.objects.values_list("pk", flat=True)) == [theirs["id"]]


@pytest.mark.parametrize("body", [{}, {"offer": 1, "merchant": 1}], ids=["neither", "both"])
def test_one_thing_at_a_time(consumer, body):
    refused(api(consumer).post(URL, body, format="json"), 400, "offer_or_merchant")


def test_a_deal_not_on_sale_or_unknown_is_refused(consumer):
    paused = OfferFactory(status=Offer.Status.PAUSED)
    for offer_id in (paused.pk, 999_999):
        refused(
            api(consumer).post(URL, {"offer": offer_id}, format="json"), 400, "offer_unavailable"
        )
    suspended = MerchantFactory(status="suspended")
    refused(
        api(consumer).post(URL, {"merchant": suspended.pk}, format="json"),
        400,
        "merchant_unavailable",
    )
    assert not Favourite.objects.exists()


@pytest.mark.parametrize("value", [None, "1.0", "١", 2**64, True, "x" * 1000])
def test_what_is_not_an_id_is_invalid(consumer, value):
    response = api(consumer).post(URL, {"offer": value}, format="json")
    refused(response, 400, "invalid")
    assert "offer" in response.json()["errors"]


def test_signed_in_only(offer):
    for response in (api().get(URL), api().post(URL, {"offer": offer.pk}, format="json")):
        refused(response, 401, "not_authenticated")
