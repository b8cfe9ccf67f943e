"""Favourites: saving deals and merchants, My favourites, and buying again."""

import pytest
from django.db import connections
from django.urls import reverse

from merchants.models import Merchant
from o2o.errors import DomainError, NotFound
from offers import services
from offers.models import Favourite, Offer

from ..concurrency import requires_row_locks, run_in_threads
from ..factories import MerchantFactory, OfferFactory, UserFactory, make_paid_order

pytestmark = pytest.mark.django_db


# --- services -----------------------------------------------------------------


def test_saving_a_deal_twice_keeps_one_row(consumer, offer):
    first, created = services.favourite_save(user=consumer, offer_id=offer.pk)
    again, created_again = services.favourite_save(user=consumer, offer_id=offer.pk)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Favourite.objects.filter(user=consumer).count() == 1


def test_saving_a_merchant_twice_keeps_one_row(consumer, merchant):
    first, _ = services.favourite_save(user=consumer, merchant_id=merchant.pk)
    again, created = services.favourite_save(user=consumer, merchant_id=str(merchant.pk))
    assert (again.pk, created) == (first.pk, False)
    assert again.offer_id is None


@pytest.mark.parametrize(
    "target",
    [{}, {"offer_id": 1, "merchant_id": 1}],
    ids=["neither", "both"],
)
def test_one_thing_is_saved_at_a_time(consumer, target):
    with pytest.raises(DomainError) as err:
        services.favourite_save(user=consumer, **target)
    assert err.value.code == "offer_or_merchant"


@pytest.mark.parametrize("status", [Offer.Status.PAUSED, Offer.Status.PENDING_REVIEW])
def test_a_deal_not_on_sale_cannot_be_saved(consumer, status):
    offer = OfferFactory(status=status)
    for offer_id in (offer.pk, 10**30, "١", -1, "x"):
        with pytest.raises(DomainError) as err:
            services.favourite_save(user=consumer, offer_id=offer_id)
        assert err.value.code == "offer_unavailable"
    assert not Favourite.objects.exists()


def test_a_suspended_merchant_cannot_be_saved(consumer):
    merchant = MerchantFactory(status=Merchant.Status.SUSPENDED)
    with pytest.raises(DomainError) as err:
        services.favourite_save(user=consumer, merchant_id=merchant.pk)
    assert err.value.code == "merchant_unavailable"


def test_unsaving_is_idempotent(consumer, offer):
    services.favourite_save(user=consumer, offer_id=offer.pk)
    assert services.favourite_unsave(user=consumer, offer_id=offer.pk) is True
    assert services.favourite_unsave(user=consumer, offer_id=offer.pk) is False


def test_nobody_removes_someone_elses_favourite(consumer, offer):
    theirs, _ = services.favourite_save(user=UserFactory(), offer_id=offer.pk)
    with pytest.raises(NotFound) as err:
        services.favourite_remove(user=consumer, favourite_id=theirs.pk)
    assert err.value.code == "favourite_not_found"
    assert Favourite.objects.filter(pk=theirs.pk).exists()


@pytest.mark.races
def test_eight_taps_at_once_save_one_row(transactional_db):
    requires_row_locks()
    user, offer = UserFactory(), OfferFactory()

    def save(i):
        try:
            favourite, _created = services.favourite_save(user=user, offer_id=offer.pk)
            return favourite.pk
        finally:
            connections.close_all()

    results = run_in_threads(8, save)
    assert len(set(results)) == 1, results
    assert Favourite.objects.filter(user=user, offer=offer).count() == 1


# --- pages --------------------------------------------------------------------


def test_my_favourites_needs_a_login(client):
    response = client.get(reverse("offers:favourites"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_my_favourites_is_empty_at_first_and_says_how_to_fill_it(client, consumer):
    client.force_login(consumer)
    body = client.get(reverse("offers:favourites")).content.decode()
    assert "No saved deals yet" in body
    assert "No saved places yet" in body


def test_the_deal_button_says_saved_and_my_favourites_lists_it(client, consumer, offer):
    client.force_login(consumer)
    url = reverse("offers:detail", args=[offer.pk])
    assert "Save to favourites" in client.get(url).content.decode()
    client.post(reverse("offers:favourite", args=[offer.pk]))
    body = client.get(url).content.decode()
    assert 'aria-pressed="true"' in body
    assert "Saved" in body
    assert offer.title in client.get(reverse("offers:favourites")).content.decode()
    # Pressing "Saved" unsaves it.
    client.post(reverse("offers:favourite", args=[offer.pk]), {"remove": "1"})
    assert "Save to favourites" in client.get(url).content.decode()
    assert not Favourite.objects.exists()


def test_a_second_save_from_another_tab_keeps_it_saved(client, consumer, offer):
    client.force_login(consumer)
    for _ in range(2):
        client.post(reverse("offers:favourite", args=[offer.pk]))
    assert Favourite.objects.filter(user=consumer, offer=offer).count() == 1


def test_the_merchant_page_saves_the_merchant(client, consumer, merchant):
    client.force_login(consumer)
    url = reverse("offers:merchant", args=[merchant.slug])
    assert 'aria-pressed="false"' in client.get(url).content.decode()
    client.post(reverse("offers:merchant_favourite", args=[merchant.slug]))
    assert 'aria-pressed="true"' in client.get(url).content.decode()
    body = client.get(reverse("offers:favourites")).content.decode()
    assert merchant.name in body
    assert "1 saved place" in body
    client.post(reverse("offers:merchant_favourite", args=[merchant.slug]), {"remove": "1"})
    assert not Favourite.objects.exists()


def test_a_saved_deal_no_longer_on_sale_is_listed_as_such_and_removable(client, consumer, offer):
    client.force_login(consumer)
    favourite, _ = services.favourite_save(user=consumer, offer_id=offer.pk)
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.PAUSED)
    body = client.get(reverse("offers:favourites")).content.decode()
    assert "No longer on sale" in body
    response = client.post(reverse("offers:favourite_remove", args=[favourite.pk]))
    assert response.status_code == 302
    assert not Favourite.objects.exists()


def test_nobody_sees_or_removes_someone_elses_favourites(client, consumer, offer):
    theirs, _ = services.favourite_save(user=UserFactory(), offer_id=offer.pk)
    client.force_login(consumer)
    assert offer.title not in client.get(reverse("offers:favourites")).content.decode()
    for pk in (theirs.pk, 2**70):
        response = client.post(reverse("offers:favourite_remove", args=[pk]))
        assert response.status_code == 404
    assert Favourite.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("n", [1, 5])
def test_my_favourites_query_count_is_fixed(client, consumer, django_assert_num_queries, n):
    for _ in range(n):
        offer = OfferFactory()
        services.favourite_save(user=consumer, offer_id=offer.pk)
        services.favourite_save(user=consumer, merchant_id=offer.merchant_id)
    client.force_login(consumer)
    client.get(reverse("offers:favourites"))  # the header's city name, cached
    # session, user, unread count, merchant staff check, favourites with their
    # deals and merchants, the deals' stores
    with django_assert_num_queries(6):
        response = client.get(reverse("offers:favourites"))
    assert response.content.decode().count("offer-card") == n


# --- buy again ----------------------------------------------------------------


def test_past_orders_offer_to_buy_again_while_the_deal_is_on_sale(client, consumer, offer):
    order = make_paid_order(consumer, offer)
    client.force_login(consumer)
    checkout = reverse("orders:checkout", args=[offer.pk])
    assert checkout in client.get(reverse("orders:list")).content.decode()
    assert checkout in client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.PAUSED)
    listed = client.get(reverse("orders:list")).content.decode()
    assert checkout not in listed
    assert "No longer available" in listed
    page = client.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert checkout not in page
    assert "no longer available" in page


def test_a_sold_out_deal_is_not_offered_again(client, consumer):
    offer = OfferFactory(stock=1)
    make_paid_order(consumer, offer)
    client.force_login(consumer)
    body = client.get(reverse("orders:list")).content.decode()
    assert reverse("orders:checkout", args=[offer.pk]) not in body


def test_a_deal_id_past_64_bits_is_a_404_not_an_error(client, consumer):
    client.force_login(consumer)
    url = reverse("offers:favourite", args=[2**70])
    assert client.post(url).status_code == 404
    assert client.post(url, {"remove": "1"}).status_code == 302  # nothing was saved
