"""API: deals that are coming (GET /api/v1/offers/{id}/, ?coming=1) and
"Remind me" (POST and DELETE /api/v1/offers/{id}/remind/)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from offers.models import Offer, Reminder

from ..factories import CityFactory, MerchantFactory, OfferFactory, UserFactory
from .test_api import api, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def coming():
    return OfferFactory(sale_starts_at=timezone.now() + timedelta(hours=3))


def remind(pk):
    return f"/api/v1/offers/{pk}/remind/"


def test_a_coming_deal_is_shown_with_its_start_and_not_on_sale(coming):
    response = api().get(f"/api/v1/offers/{coming.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["on_sale"] is False
    assert body["coming"] is True
    assert datetime.fromisoformat(body["sale_starts_at"]) == coming.sale_starts_at


def test_a_deal_on_sale_says_so(offer):
    body = api().get(f"/api/v1/offers/{offer.pk}/").json()
    assert (body["on_sale"], body["coming"], body["sale_starts_at"]) == (True, False, None)


@pytest.mark.parametrize(
    "change",
    [{"status": Offer.Status.PAUSED}, {"sale_starts_at": timezone.now() + timedelta(days=30)}],
)
def test_a_deal_neither_on_sale_nor_coming_is_not_found(change):
    offer = OfferFactory(**change)
    assert api().get(f"/api/v1/offers/{offer.pk}/").status_code == 404


def test_coming_lists_the_citys_coming_deals_soonest_first(coming, offer):
    later = OfferFactory(sale_starts_at=coming.sale_starts_at + timedelta(hours=1))
    OfferFactory(
        sale_starts_at=coming.sale_starts_at,
        merchant=MerchantFactory(city=CityFactory(name="Beijing", slug="beijing")),
    )
    body = api().get("/api/v1/offers/", {"coming": "1", "city": "shanghai"}).json()
    assert [o["id"] for o in body["results"]] == [coming.pk, later.pk]
    assert all(o["coming"] and not o["on_sale"] for o in body["results"])
    # Without it: what can be bought, as before.
    listed = api().get("/api/v1/offers/", {"city": "shanghai"}).json()["results"]
    assert [o["id"] for o in listed] == [offer.pk]
    assert listed[0]["on_sale"] is True


def test_remind_then_again_keeps_one_then_cancel(consumer, coming):
    client = api(consumer)
    first = client.post(remind(coming.pk))
    assert first.status_code == 201, first.content
    assert first.json()["offer"] == coming.pk
    assert first.json()["sale_starts_at"]
    again = client.post(remind(coming.pk))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Reminder.objects.filter(user=consumer, offer=coming).count() == 1
    assert client.delete(remind(coming.pk)).status_code == 204
    assert client.delete(remind(coming.pk)).status_code == 204
    assert not Reminder.objects.exists()


def test_remind_needs_a_login(coming):
    assert api().post(remind(coming.pk)).status_code == 401
    assert api().delete(remind(coming.pk)).status_code == 401
    assert not Reminder.objects.exists()


def test_one_users_cancel_leaves_anothers_reminder(consumer, coming):
    other = UserFactory()
    api(other).post(remind(coming.pk))
    assert api(consumer).delete(remind(coming.pk)).status_code == 204
    assert Reminder.objects.filter(user=other).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {},  # on sale already
        {"status": Offer.Status.ENDED},
        {"sale_ends_at": timezone.now() - timedelta(minutes=1)},
    ],
)
def test_a_deal_not_coming_is_refused(consumer, change):
    offer = OfferFactory(**change)
    refused(api(consumer).post(remind(offer.pk)), 409, "not_coming")
    assert not Reminder.objects.exists()


def test_an_unknown_deal_is_not_found(consumer):
    refused(api(consumer).post(remind(999999)), 404, "offer_not_found")
