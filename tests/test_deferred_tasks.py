"""Redis down while a consumer pays: the payment completes, the job waits in
the database, and the notification goes out once, when Redis is back."""

import pytest
from kombu.exceptions import OperationalError

from notifications.models import Notification
from o2o import tasks
from o2o.models import DeferredTask
from orders.models import Order

from .factories import make_paid_order

pytestmark = pytest.mark.django_db


def test_paying_while_the_broker_is_down_defers_the_notification(
    consumer, offer, monkeypatch, django_capture_on_commit_callbacks
):
    real_send = tasks._send

    def broker_down(task, args):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks, "_send", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        order = make_paid_order(consumer, offer, 2)

    assert order.status == Order.Status.PAID
    assert order.vouchers.count() == 2
    deferred = DeferredTask.objects.get()
    assert deferred.name == "notifications.tasks.notify_order_paid"
    assert not Notification.objects.exists()
    assert tasks.send_deferred() == 0  # still down: kept
    assert DeferredTask.objects.get().attempts == 2

    monkeypatch.setattr(tasks, "_send", real_send)  # Redis is back
    assert tasks.send_deferred() == 1
    assert tasks.send_deferred() == 0
    assert Notification.objects.filter(user=consumer, kind="order_paid").count() == 1
