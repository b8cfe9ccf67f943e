"""Deals that are coming: a flash deal before its start is seen with a
countdown and can be reminded of, never bought; its reminders reach the
inbox and the mailbox once each when the sale opens."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from merchants.models import Membership, Merchant
from notifications import services as notifications
from notifications.models import Notification
from o2o.errors import Conflict, NotFound
from offers import selectors
from offers.models import Offer, Reminder
from offers.services import offer_pause, offer_resume, reminder_set, reminder_unset
from orders.models import Order

from ..concurrency import requires_row_locks, run_in_threads
from ..factories import (
    CityFactory,
    MembershipFactory,
    MerchantFactory,
    OfferFactory,
    UserFactory,
    make_order,
)

pytestmark = pytest.mark.django_db

SECOND = timedelta(seconds=1)


@pytest.fixture
def start():
    """The sale's start, on the second: two hours from now."""
    return (timezone.now() + timedelta(hours=2)).replace(microsecond=0)


@pytest.fixture
def coming(start):
    return OfferFactory(title="Midnight hotpot flash", sale_starts_at=start, stock=10)


@pytest.fixture
def clock(monkeypatch):
    """Set the time every service and page reads (django.utils.timezone.now)."""

    def at(moment):
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


def page(client, offer):
    return client.get(reverse("offers:detail", args=[offer.pk]))


# --- the rule ---------------------------------------------------------------


def test_coming_is_the_live_deals_starting_within_the_horizon(start):
    now = timezone.now()
    soon = OfferFactory(sale_starts_at=start)
    OfferFactory(sale_starts_at=now + selectors.COMING_WITHIN + SECOND)  # too far ahead
    OfferFactory(sale_starts_at=start, status=Offer.Status.PAUSED)
    OfferFactory(sale_starts_at=start, merchant=MerchantFactory(status=Merchant.Status.SUSPENDED))
    OfferFactory(sale_starts_at=start, sale_ends_at=start)  # ends as it starts: never on sale
    on_sale_now = OfferFactory()
    assert list(selectors.coming_offers(now)) == [soon]
    # never both: a coming deal is not on sale
    assert not Offer.objects.filter(selectors.on_sale(now) & selectors.coming(now)).exists()
    assert list(Offer.objects.filter(selectors.on_sale(now))) == [on_sale_now]


# --- the deal page --------------------------------------------------------------


def test_a_coming_deal_page_counts_down_instead_of_selling(client, coming, start, clock):
    clock(start - timedelta(hours=1, minutes=2, seconds=3))
    response = page(client, coming)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Midnight hotpot flash" in html
    assert "Starts in" in html
    assert 'data-countdown-seconds="3723">01:02:03<' in html
    assert "Starts at" in html
    assert reverse("orders:checkout", args=[coming.pk]) not in html
    assert "Buy now" not in html
    # The countdown's script is a file (the CSP allows no inline script).
    assert re.search(r'<script src="[^"]*o2o/countdown\.js" defer></script>', html)
    # Data blocks (JSON) are not run; every script that runs comes from a file.
    assert not re.search(r"<script(?![^>]*(?:\bsrc=|json))[^>]*>", html)
    # Anonymous: asked to log in to be reminded, not offered a button that fails.
    assert "Log in to be reminded" in html


def test_the_buy_button_is_there_the_moment_the_sale_starts(client, coming, start, clock):
    clock(start - SECOND)
    assert "Starts in" in page(client, coming).content.decode()
    clock(start + SECOND)  # the page before was kept until the start only
    html = page(client, coming).content.decode()
    assert "Starts in" not in html
    assert reverse("orders:checkout", args=[coming.pk]) in html


def test_a_coming_page_is_kept_yet_counts_down_on_each_request(
    client, coming, start, clock, django_assert_num_queries
):
    """A flash crowd waiting for the start is served from the page cache."""
    clock(start - timedelta(seconds=100))
    assert 'data-countdown-seconds="100">00:01:40<' in page(client, coming).content.decode()
    clock(start - timedelta(seconds=90))
    with django_assert_num_queries(1):  # only the view is counted
        html = page(client, coming).content.decode()
    assert 'data-countdown-seconds="90">00:01:30<' in html
    assert "countdown-clock" not in html


def test_a_deal_starting_beyond_the_horizon_is_not_coming_nor_buyable(client, start):
    later = OfferFactory(sale_starts_at=timezone.now() + timedelta(days=30))
    html = page(client, later).content.decode()
    assert "Starts in" not in html
    assert reverse("orders:checkout", args=[later.pk]) not in html
    assert "Not on sale" in html


def test_the_coming_page_renders_in_chinese(client, coming):
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = page(client, coming)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "data-countdown-seconds" in html
    assert "首页" in html  # the page's own words are in Chinese


def test_home_has_the_citys_coming_deals(client, coming):
    elsewhere = OfferFactory(
        title="Beijing duck flash",
        sale_starts_at=coming.sale_starts_at,
        merchant=MerchantFactory(city=CityFactory(name="Beijing", slug="beijing")),
    )
    html = client.get("/", {"city": "shanghai"}).content.decode()
    assert "Coming soon" in html
    assert "Midnight hotpot flash" in html
    assert elsewhere.title not in html


def test_home_has_no_coming_section_without_coming_deals(client, offer):
    assert "Coming soon" not in client.get("/").content.decode()


# --- buying: the server decides ---------------------------------------------------


def test_an_order_a_second_before_the_start_is_refused_and_a_second_after_taken(
    consumer, coming, start, clock
):
    clock(start - SECOND)
    with pytest.raises(Conflict) as err:
        make_order(consumer, coming, 1)
    assert err.value.code == "offer_not_available"
    coming.refresh_from_db()
    assert coming.stock_left == 10
    assert not Order.objects.exists()
    clock(start + SECOND)
    order = make_order(consumer, coming, 1)
    assert order.status == Order.Status.PENDING_PAYMENT
    coming.refresh_from_db()
    assert coming.stock_left == 9


# --- remind me -------------------------------------------------------------------


def test_remind_me_from_the_page_then_again_keeps_one(client, consumer, coming):
    client.force_login(consumer)
    assert "Remind me" in page(client, coming).content.decode()
    url = reverse("offers:remind", args=[coming.pk])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert Reminder.objects.filter(user=consumer, offer=coming).count() == 1
    html = page(client, coming).content.decode()
    assert "Reminder set" in html
    client.post(url, {"remove": "1"})
    assert not Reminder.objects.exists()
    assert "Remind me" in page(client, coming).content.decode()


def test_remind_me_needs_a_login(client, coming):
    response = client.post(reverse("offers:remind", args=[coming.pk]))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not Reminder.objects.exists()


def test_a_deal_on_sale_cannot_be_reminded_of(client, consumer, offer):
    client.force_login(consumer)
    response = client.post(reverse("offers:remind", args=[offer.pk]), follow=True)
    assert "not coming" in response.content.decode()
    assert not Reminder.objects.exists()
    with pytest.raises(Conflict) as err:
        reminder_set(user=consumer, offer_id=offer.pk)
    assert err.value.code == "not_coming"


@pytest.mark.parametrize("status", [Offer.Status.ENDED, Offer.Status.PAUSED])
def test_an_ended_or_paused_deal_cannot_be_reminded_of(consumer, start, status):
    offer = OfferFactory(sale_starts_at=start, status=status)
    with pytest.raises(Conflict) as err:
        reminder_set(user=consumer, offer_id=offer.pk)
    assert err.value.code == "not_coming"


@pytest.mark.parametrize("status", [Offer.Status.DRAFT, Offer.Status.PENDING_REVIEW])
def test_a_deal_nobody_may_see_is_not_found(client, consumer, start, status):
    offer = OfferFactory(sale_starts_at=start, status=status)
    with pytest.raises(NotFound):
        reminder_set(user=consumer, offer_id=offer.pk)
    client.force_login(consumer)
    assert client.post(reverse("offers:remind", args=[offer.pk])).status_code == 404
    assert not Reminder.objects.exists()


def test_cancelling_a_reminder_touches_only_mine(consumer, coming):
    other = UserFactory()
    reminder_set(user=consumer, offer_id=coming.pk)
    reminder_set(user=other, offer_id=coming.pk)
    assert reminder_unset(user=consumer, offer_id=coming.pk)
    assert not reminder_unset(user=consumer, offer_id=coming.pk)
    assert list(Reminder.objects.values_list("user_id", flat=True)) == [other.pk]


# --- the sale opens ----------------------------------------------------------------


@pytest.fixture
def reminded(coming):
    ann, bob = UserFactory(email="ann@example.com"), UserFactory(email="bob@example.com")
    for user in (ann, bob):
        reminder_set(user=user, offer_id=coming.pk)
    UserFactory(email="nobody@example.com")  # asked for nothing
    return ann, bob


def told():
    return sorted(
        Notification.objects.filter(kind="sale_reminder").values_list("user__email", flat=True)
    )


def mailed():
    return sorted(address for message in mail.outbox for address in message.to)


def test_each_reminded_user_is_told_once_when_the_sale_opens(coming, reminded, start):
    assert notifications.send_sale_reminders(now=start - SECOND) == 0
    assert told() == []
    assert notifications.send_sale_reminders(now=start + SECOND) == 2
    assert told() == ["ann@example.com", "bob@example.com"]
    assert mailed() == ["ann@example.com", "bob@example.com"]
    notice = Notification.objects.filter(kind="sale_reminder").first()
    assert coming.title in notice.title
    assert notice.url == reverse("offers:detail", args=[coming.pk])
    assert coming.title in mail.outbox[0].subject
    # The job runs again (beat every minute, or a retry): nothing more.
    assert notifications.send_sale_reminders(now=start + 2 * SECOND) == 0
    assert told() == ["ann@example.com", "bob@example.com"]
    assert len(mail.outbox) == 2
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


def test_a_run_that_died_before_marking_its_reminders_does_not_tell_twice(coming, reminded, start):
    notifications.send_sale_reminders(now=start + SECOND)
    Reminder.objects.update(sent_at=None)  # as if it stopped after notifying
    notifications.send_sale_reminders(now=start + 2 * SECOND)
    assert told() == ["ann@example.com", "bob@example.com"]
    assert len(mail.outbox) == 2


def test_the_task_run_twice_sends_once(coming, reminded, start, clock):
    from notifications.tasks import send_sale_reminders

    clock(start + SECOND)
    send_sale_reminders.apply()
    send_sale_reminders.apply()
    assert told() == ["ann@example.com", "bob@example.com"]
    assert len(mail.outbox) == 2


def test_a_deal_paused_before_its_start_sends_no_reminders(coming, reminded, start):
    owner = MembershipFactory(merchant=coming.merchant, role=Membership.Role.OWNER).user
    offer_pause(offer=coming, by=owner)
    assert notifications.send_sale_reminders(now=start + SECOND) == 0
    assert told() == []
    assert mail.outbox == []


def test_a_deal_paused_at_its_start_and_resumed_later_that_day_reminds_then(
    coming, reminded, start, clock
):
    """Its sale opens when it is resumed: that is what they asked to hear."""
    owner = MembershipFactory(merchant=coming.merchant, role=Membership.Role.OWNER).user
    offer_pause(offer=coming, by=owner)
    assert notifications.send_sale_reminders(now=start + SECOND) == 0
    clock(start + timedelta(hours=3))
    offer_resume(offer=Offer.objects.get(pk=coming.pk), by=owner)
    assert notifications.send_sale_reminders() == 2
    assert notifications.send_sale_reminders() == 0
    assert told() == ["ann@example.com", "bob@example.com"]
    assert len(mail.outbox) == 2


def test_a_suspended_merchants_deal_sends_no_reminders(coming, reminded, start):
    Merchant.objects.filter(pk=coming.merchant_id).update(status=Merchant.Status.SUSPENDED)
    assert notifications.send_sale_reminders(now=start + SECOND) == 0
    assert told() == []
    assert mail.outbox == []


def test_reminders_of_a_sale_opened_long_ago_are_not_sent(coming, reminded, start):
    late = start + selectors.REMIND_LOOKBACK + SECOND
    assert notifications.send_sale_reminders(now=late) == 0
    assert told() == []


# --- at once (PostgreSQL) ------------------------------------------------------------


@pytest.mark.races
def test_eight_presses_at_once_keep_one_reminder(transactional_db):
    requires_row_locks()
    user = UserFactory()
    offer = OfferFactory(sale_starts_at=timezone.now() + timedelta(hours=1))

    def press(i):
        try:
            return reminder_set(user=user, offer_id=offer.pk)[0].pk
        finally:
            connections.close_all()

    results = run_in_threads(8, press)
    assert len(set(results)) == 1, results
    assert Reminder.objects.filter(user=user, offer=offer).count() == 1


@pytest.mark.races
def test_two_runs_of_the_job_at_once_tell_each_user_once(transactional_db):
    requires_row_locks()
    start = timezone.now() + timedelta(hours=1)
    offer = OfferFactory(sale_starts_at=start)
    for i in range(6):
        reminder_set(user=UserFactory(email=f"r{i}@example.com"), offer_id=offer.pk)

    def run(i):
        try:
            return notifications.send_sale_reminders(now=start + SECOND)
        finally:
            connections.close_all()

    run_in_threads(4, run)
    assert len(told()) == 6
    assert len(set(told())) == 6
    assert mailed() == sorted(f"r{i}@example.com" for i in range(6))
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()


def test_checkout_of_a_coming_deal_goes_back_to_its_countdown(client, consumer, coming):
    client.force_login(consumer)
    checkout = reverse("orders:checkout", args=[coming.pk])
    for response in (client.get(checkout), client.post(checkout, {"quantity": 1})):
        assert response.status_code == 302
        assert response["Location"] == reverse("offers:detail", args=[coming.pk])
    assert not Order.objects.exists()


def test_admins_see_the_reminders_and_cannot_write_them(client, admin_user, coming, reminded):
    client.force_login(admin_user)
    response = client.get(reverse("admin:offers_reminder_changelist"))
    assert response.status_code == 200
    assert "ann@example.com" in response.content.decode()
    assert client.get(reverse("admin:offers_reminder_add")).status_code == 403


def test_the_reminder_job_runs_every_minute(settings):
    from o2o.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["send-sale-reminders"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == timedelta(minutes=1)
    assert entry["options"]["expires"] < 60  # a late run gives way to the next
