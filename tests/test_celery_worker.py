"""A real Celery worker on Redis, and the faults it must survive.

Runs where PostgreSQL and Redis are real (.ci/run); elsewhere it skips.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from orders.models import Voucher
from payments.models import LedgerEntry, Refund

from .factories import OfferFactory, UserFactory, make_paid_order

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, tmp_path: Path) -> None:
        if connection.vendor != "postgresql" or not settings.TEST_REDIS_URL:
            pytest.skip("needs PostgreSQL and Redis (.ci/run sets DATABASE_URL and REDIS_URL)")
        db = connection.settings_dict
        self.prefix = f"t{uuid.uuid4().hex[:8]}-"
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "o2o.settings.local",
            "DEBUG": "False",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            "REDIS_URL": settings.TEST_REDIS_URL,
            "CELERY_QUEUE_PREFIX": self.prefix,
            "CELERY_VISIBILITY_TIMEOUT": "3",
            # Small batches, shared by the worker's two processes, so a kill
            # lands mid-way and the helpers really run side by side.
            "EXPIRY_BATCH_SIZE": "50",
            "EXPIRY_WORKERS": "2",
            "EMAIL_BACKEND": "tests.flaky_mail.FlakyBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "PYTHONPATH": str(ROOT),
        }
        self.log = tmp_path / "worker.log"
        self.process: subprocess.Popen | None = None  # type: ignore[type-arg]
        self.sender = Celery(broker=settings.TEST_REDIS_URL)

    def start(self) -> None:
        queues = f"{self.prefix}default,{self.prefix}notifications"
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "o2o",
                    "worker",
                    "-Q",
                    queues,
                    "--concurrency=2",
                    "--without-mingle",
                    "--without-gossip",
                    "-l",
                    "INFO",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # so kill() takes the pool processes too
            )
        self.wait_for(lambda: "ready." in self.log.read_text(), what="the worker to start")

    def kill(self) -> None:
        """The machine dies: the worker and its pool processes, at once."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def send(self, name: str, *args: object, queue: str = "default") -> None:
        self.sender.send_task(name, args=list(args), queue=f"{self.prefix}{queue}")

    def wait_for(self, condition, *, what: str, timeout: float = 60, poll: float = 0.2) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(poll)
        raise AssertionError(f"timed out waiting for {what}\n{self.log.read_text()[-3000:]}")


@pytest.fixture
def worker(tmp_path):
    w = Worker(tmp_path)
    yield w
    w.stop()


def expired_vouchers(count: int, *, refund_on_expiry: bool) -> list[int]:
    offer = OfferFactory(refund_on_expiry=refund_on_expiry)
    buyer = UserFactory()
    for _ in range(count // 50):
        make_paid_order(buyer, offer, 50)
    ids = list(Voucher.objects.filter(offer=offer).values_list("pk", flat=True))
    Voucher.objects.filter(pk__in=ids).update(expires_at=timezone.now() - timedelta(minutes=1))
    return ids


def test_the_worker_expires_vouchers_and_sends_notifications(worker):
    refunded = expired_vouchers(50, refund_on_expiry=True)
    kept = expired_vouchers(50, refund_on_expiry=False)
    order = make_paid_order(UserFactory(), OfferFactory(), 1)
    Notification.objects.all().delete()  # made in this process; the worker makes its own
    worker.start()
    worker.send("orders.tasks.expire_vouchers")
    worker.send("notifications.tasks.notify_order_paid", order.pk, queue="notifications")
    worker.wait_for(
        lambda: not Voucher.objects.filter(pk__in=refunded + kept, status="issued").exists(),
        what="the expiry",
    )
    assert Voucher.objects.filter(pk__in=refunded, status="refunded").count() == 50
    assert Voucher.objects.filter(pk__in=kept, status="expired").count() == 50
    # The refunds were sent to the gateway by the same worker, from the default queue.
    worker.wait_for(
        lambda: Refund.objects.filter(status="succeeded").count() == 50, what="the refunds"
    )

    # The first e-mail failed (SMTP "down"); its task retried with backoff and
    # every notification went out exactly once.
    def mails(subject: str) -> int:
        return sum(f.read_text().count(subject) for f in worker.mail.glob("*.log"))

    worker.wait_for(lambda: mails("Your vouchers for") == 1, what="the order e-mail")
    worker.wait_for(lambda: mails("Subject: Refund of") == 50, what="the refund e-mails")
    assert (worker.mail / "failed-once").exists()
    assert "Retry in" in worker.log.read_text()
    assert Notification.objects.get(kind="order_paid").emailed_at is not None


def test_a_worker_killed_mid_batch_leaves_every_voucher_expired_or_refunded_once(worker):
    refunded = expired_vouchers(1500, refund_on_expiry=True)
    kept = expired_vouchers(1500, refund_on_expiry=False)
    everything = refunded + kept
    worker.start()
    worker.send("orders.tasks.expire_vouchers")
    worker.wait_for(
        lambda: Voucher.objects.filter(pk__in=everything).exclude(status="issued").exists(),
        what="the first batch",
        poll=0.01,  # kill as soon as it lands, long before the last of 60 batches
    )
    worker.kill()
    left = Voucher.objects.filter(pk__in=everything, status="issued").count()
    assert 0 < left < len(everything), "the kill should land mid-way"
    worker.start()  # the unacknowledged job comes back to the new worker
    worker.send("orders.tasks.expire_vouchers")  # as beat would on its next tick
    worker.wait_for(
        lambda: not Voucher.objects.filter(pk__in=everything, status="issued").exists(),
        what="the rest of the expiry",
        timeout=120,
    )
    assert Voucher.objects.filter(pk__in=refunded, status="refunded").count() == 1500
    assert Voucher.objects.filter(pk__in=kept, status="expired").count() == 1500
    assert Refund.objects.filter(voucher__in=refunded).count() == 1500
    expiry_sources = LedgerEntry.objects.filter(source__startswith="expiry:").values("source")
    assert expiry_sources.distinct().count() == 1500
