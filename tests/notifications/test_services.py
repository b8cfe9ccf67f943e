"""Notifications reach the right people once, however often their job runs."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from notifications import services
from notifications.models import Notification
from notifications.tasks import notify_admins_moderation
from offers.models import Offer
from orders.models import Redemption, Voucher
from orders.services import voucher_redeem
from reviews.services import review_create

from ..factories import OfferFactory, UserFactory, make_voucher

pytestmark = pytest.mark.django_db


def test_a_notification_is_sent_once_even_if_its_task_runs_twice(consumer):
    for _ in range(2):
        services.notify(user=consumer, kind="x", key="x:1", title="Hello", body="Once")
    assert Notification.objects.filter(key="x:1").count() == 1
    assert len(mail.outbox) == 1


def test_vouchers_expiring_within_three_days_are_reminded_once(consumer, offer):
    soon, later = make_voucher(consumer, offer), make_voucher(consumer, offer)
    Voucher.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(days=2))
    Voucher.objects.filter(pk=later.pk).update(expires_at=timezone.now() + timedelta(days=20))
    assert services.notify_expiring_vouchers() == 1
    services.notify_expiring_vouchers()
    reminders = Notification.objects.filter(kind="voucher_expiring")
    assert [n.key for n in reminders] == [f"voucher_expiring:{soon.pk}"]
    assert "refunded automatically" in reminders.get().body


def test_a_review_reminder_comes_a_day_after_the_visit_unless_reviewed(
    consumer, offer, store, cashier
):
    reviewed, pending = make_voucher(consumer, offer), make_voucher(consumer, offer)
    for voucher in (reviewed, pending):
        voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    review_create(user=consumer, voucher_id=reviewed.pk, rating=5, text="Lovely")
    assert services.send_review_reminders() == 0  # too soon
    Redemption.objects.update(created_at=timezone.now() - timedelta(days=1, hours=1))
    services.send_review_reminders()
    services.send_review_reminders()
    keys = list(Notification.objects.filter(kind="review_reminder").values_list("key", flat=True))
    assert keys == [f"review_reminder:{pending.pk}"]


def test_a_consumer_hears_of_a_redemption_at_once_in_the_site_language(
    consumer, offer, store, cashier
):
    voucher = make_voucher(consumer, offer)
    with translation.override("zh-hans"):  # the cashier's language is not the consumer's
        redemption = voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    notice = Notification.objects.get(user=consumer, kind="voucher_redeemed")
    assert notice.key == f"voucher_redeemed:{redemption.key}"
    assert notice.title == f"Voucher used at {store.name}"
    assert offer.title in notice.body
    assert notice.url == "/me/vouchers/"
    assert not mail.outbox  # inbox only


def test_owners_get_a_daily_summary_once(owner, offer, store, cashier):
    voucher = make_voucher(UserFactory(), offer)
    voucher_redeem(code=voucher.code, store_id=store.pk, by=cashier)
    today = timezone.localdate()
    services.send_daily_summaries(day=today)
    services.send_daily_summaries(day=today)
    summary = Notification.objects.get(user=owner, kind="daily_summary")
    assert "1 sold, 1 redeemed" in summary.title
    assert not Notification.objects.filter(user=cashier, kind="daily_summary").exists()


def test_admins_hear_of_deals_waiting_for_review(admin_user):
    offer = OfferFactory(status=Offer.Status.PENDING_REVIEW)
    notify_admins_moderation()
    notify_admins_moderation()
    titles = list(Notification.objects.filter(user=admin_user).values_list("title", flat=True))
    assert titles == [f"Deal to review: {offer.title}"]
