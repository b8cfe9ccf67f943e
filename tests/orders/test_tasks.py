"""The periodic expiry task: shares a backlog between workers and hands over
what is left when its time is up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders import services, tasks
from orders.models import Voucher

from ..factories import OfferFactory, UserFactory, make_paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def backlog():
    offer = OfferFactory(refund_on_expiry=False)
    make_paid_order(UserFactory(), offer, 7)
    Voucher.objects.update(expires_at=timezone.now() - timedelta(minutes=1))


def test_a_backlog_is_shared_with_helper_workers(backlog, settings, monkeypatch):
    settings.EXPIRY_BATCH_SIZE = 2
    settings.EXPIRY_WORKERS = 3
    helpers = []
    monkeypatch.setattr(tasks.expire_vouchers, "delay", lambda **kw: helpers.append(kw))

    assert tasks.expire_vouchers() == 7
    assert helpers == [{"helper": True}, {"helper": True}]
    assert not Voucher.objects.filter(status="issued").exists()


def test_a_small_backlog_needs_no_helpers(backlog, settings, monkeypatch):
    settings.EXPIRY_BATCH_SIZE = 100
    helpers = []
    monkeypatch.setattr(tasks.expire_vouchers, "delay", lambda **kw: helpers.append(kw))

    assert tasks.expire_vouchers() == 7
    assert helpers == []


def test_a_run_out_of_time_hands_the_rest_to_a_new_run(backlog, settings, monkeypatch):
    settings.EXPIRY_TIME_BUDGET = -1  # already over: stop before the first batch
    handed_over = []
    monkeypatch.setattr(tasks.expire_vouchers, "delay", lambda **kw: handed_over.append(kw))

    assert tasks.expire_vouchers(helper=True) == 0  # a helper just stops
    assert handed_over == []
    settings.EXPIRY_WORKERS = 1
    assert tasks.expire_vouchers() == 0
    assert handed_over == [{}]  # the main run queues the next one
    assert Voucher.objects.filter(status="issued").count() == 7


def test_the_service_stops_between_batches_at_its_deadline(backlog):
    import time

    assert services.expire_vouchers(batch_size=3, deadline=time.monotonic() - 1) == 0
    assert services.expire_vouchers(batch_size=3) == 7
