"""A saved deal that goes on sale or is about to end is in its savers'
inboxes, once each, however often the job runs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Notification
from offers.models import Offer
from offers.services import favourite_save, offer_approve, offer_pause, offer_resume, offer_submit

from ..factories import OfferFactory, UserFactory

pytestmark = pytest.mark.django_db


def inbox(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__email", flat=True))


@pytest.fixture
def savers(offer):
    ann, bob = UserFactory(email="ann@example.com"), UserFactory(email="bob@example.com")
    for user in (ann, bob):
        favourite_save(user=user, offer_id=offer.pk)
    UserFactory(email="nobody@example.com")  # saved nothing
    return ann, bob


def test_savers_hear_once_when_the_deal_is_approved_again(
    offer, savers, owner, admin_user, django_capture_on_commit_callbacks
):
    offer_submit(offer=offer, by=owner)  # edited: back to review, off sale
    with django_capture_on_commit_callbacks(execute=True):
        offer_approve(offer=offer, by=admin_user)
    assert inbox("saved_on_sale") == ["ann@example.com", "bob@example.com"]
    notice = Notification.objects.filter(kind="saved_on_sale").first()
    assert offer.title in notice.title
    assert notice.url == reverse("offers:detail", args=[offer.pk])
    for _ in range(2):  # the periodic job finds it too, and runs again
        services.notify_saved_offers()
    assert inbox("saved_on_sale") == ["ann@example.com", "bob@example.com"]
    # The inbox only: no e-mail to the savers (the merchant hears of the approval).
    assert not [m for m in mail.outbox if {"ann@example.com", "bob@example.com"} & set(m.to)]


def test_a_resumed_deal_is_told_by_the_periodic_job(offer, savers, owner):
    offer_pause(offer=offer, by=owner)
    assert services.notify_saved_offers() == 0
    offer_resume(offer=offer, by=owner)
    assert services.notify_saved_offers() == 2
    assert services.notify_saved_offers() == 0
    assert inbox("saved_on_sale") == ["ann@example.com", "bob@example.com"]


def test_who_saved_it_while_on_sale_is_not_told_it_went_on_sale(offer, owner):
    offer_pause(offer=offer, by=owner)
    offer_resume(offer=offer, by=owner)
    favourite_save(user=UserFactory(), offer_id=offer.pk)
    assert services.notify_saved_offers() == 0


def test_savers_hear_when_the_sale_starts(offer, savers):
    now = timezone.now()
    Offer.objects.filter(pk=offer.pk).update(sale_starts_at=now + timedelta(hours=1))
    assert services.notify_saved_offers(now=now) == 0  # not on sale yet
    later = now + timedelta(hours=2)
    assert services.notify_saved_offers(now=later) == 2
    assert services.notify_saved_offers(now=later + timedelta(minutes=15)) == 0
    assert inbox("saved_on_sale") == ["ann@example.com", "bob@example.com"]


def test_savers_hear_once_when_the_sale_ends_within_a_day(offer, savers):
    Offer.objects.filter(pk=offer.pk).update(sale_ends_at=timezone.now() + timedelta(days=3))
    assert services.notify_saved_offers() == 0
    Offer.objects.filter(pk=offer.pk).update(sale_ends_at=timezone.now() + timedelta(hours=5))
    services.notify_saved_offers()
    services.notify_saved_offers()
    assert inbox("saved_ending") == ["ann@example.com", "bob@example.com"]
    assert "ends" in Notification.objects.filter(kind="saved_ending").first().body


def test_savers_hear_once_when_few_are_left(savers):
    scarce = OfferFactory(stock=100)
    for user in savers:
        favourite_save(user=user, offer_id=scarce.pk)
    Offer.objects.filter(pk=scarce.pk).update(stock_left=11)
    assert services.notify_saved_offers() == 0
    Offer.objects.filter(pk=scarce.pk).update(stock_left=10)  # a tenth of the stock
    assert services.notify_saved_offers() == 2
    assert services.notify_saved_offers() == 0
    assert Notification.objects.filter(kind="saved_ending").first().body == "Only 10 left."


def test_an_approved_deal_whose_sale_starts_later_waits_for_it(
    savers, owner, admin_user, django_capture_on_commit_callbacks
):
    offer = Offer.objects.get(pk=savers[0].favourites.get().offer_id)
    offer_submit(offer=offer, by=owner)
    Offer.objects.filter(pk=offer.pk).update(sale_starts_at=timezone.now() + timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        offer_approve(offer=offer, by=admin_user)
    assert inbox("saved_on_sale") == []
    assert services.notify_saved_offers(now=timezone.now() + timedelta(hours=4)) == 2
