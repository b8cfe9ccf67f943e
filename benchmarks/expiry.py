"""Expiry of every benchmark voucher, the way production runs it: beat's task
sent to a real Celery worker (two pool processes, EXPIRY_WORKERS=2, sharing
the backlog with SKIP LOCKED), timed from the send until no voucher is left
to expire.

Run by benchmarks/run.sh: python benchmarks/expiry.py
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from o2o.celery import app  # noqa: E402
from orders.models import Voucher  # noqa: E402
from orders.services import vouchers_to_expire  # noqa: E402
from payments.models import LedgerEntry  # noqa: E402

TARGET_SECONDS = 60


def reset() -> int:
    """Every benchmark voucher issued again and past its validity (a rerun starts over)."""
    bench = Voucher.objects.filter(offer__title__startswith="Benchmark deal")
    LedgerEntry.objects.filter(source__startswith="expiry:", voucher__in=bench).delete()
    n = bench.filter(status__in=["issued", "expired"]).update(
        status="issued", expires_at=timezone.now() - timedelta(days=1)
    )
    with connection.cursor() as cursor:
        # Their orders count their usable vouchers again.
        cursor.execute(
            """
            UPDATE orders_order o
            SET vouchers_usable = (SELECT count(*) FROM orders_voucher v
                                   WHERE v.order_id = o.id AND v.status = 'issued'),
                status = CASE WHEN EXISTS (SELECT 1 FROM orders_voucher v
                                           WHERE v.order_id = o.id AND v.status = 'issued')
                              THEN 'paid' ELSE 'completed' END
            FROM offers_offer f
            WHERE f.id = o.offer_id AND f.title LIKE 'Benchmark deal%%'
              AND o.status IN ('paid', 'completed')
            """
        )
        cursor.execute("VACUUM ANALYZE orders_voucher")
        cursor.execute("VACUUM ANALYZE orders_order")
        cursor.execute("VACUUM ANALYZE payments_ledgerentry")
    return n


def main() -> None:
    n = reset()
    queue = f"bench{os.getpid()}-"
    log = Path(tempfile.mkdtemp()) / "worker.log"
    env = {**os.environ, "CELERY_QUEUE_PREFIX": queue, "EXPIRY_WORKERS": "2"}
    command = [sys.executable, "-m", "celery", "-A", "o2o", "worker", "-Q", f"{queue}default"]
    command += ["--concurrency=2", "--without-mingle", "--without-gossip", "-l", "WARNING"]
    with log.open("w") as out:
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        for _ in range(100):
            if b"ready" in log.read_bytes() or worker.poll() is not None:
                break
            time.sleep(0.2)
        time.sleep(1)  # both pool processes up
        start = time.perf_counter()
        app.send_task("orders.tasks.expire_vouchers", queue=f"{queue}default")
        while vouchers_to_expire():
            if worker.poll() is not None:
                sys.exit(f"the worker died:\n{log.read_text()[-2000:]}")
            time.sleep(0.25)
        took = time.perf_counter() - start
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    verdict = "PASS" if took < TARGET_SECONDS else "FAIL"
    print(
        f"  expired {n:,} vouchers in {took:.1f} s ({n / took:,.0f}/s) with a Celery worker"
        f" of 2 processes; target < {TARGET_SECONDS} s: {verdict}"
    )


if __name__ == "__main__":
    main()
