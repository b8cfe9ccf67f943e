"""Flash deal: 1,000 buyers at once on an offer with 100 left, through the API
on gunicorn; beside it, pgbench running the same single-row stock update.

Run by benchmarks/run.sh with the server already up: python benchmarks/flash_deal.py URL
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.conf import settings  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from merchants.models import Merchant  # noqa: E402
from offers.models import Offer  # noqa: E402

BUYERS, STOCK = 1000, 100


def setup() -> tuple[int, list[str]]:
    merchant = Merchant.objects.filter(status="approved").first()
    offer = Offer.objects.create(
        merchant=merchant,
        category_id=merchant.category_id,
        title="Flash deal benchmark",
        price=Decimal("9.90"),
        list_price=Decimal("99.00"),
        stock=STOCK,
        stock_left=STOCK,
        status="live",
    )
    offer.stores.set(merchant.stores.all()[:1])
    users = User.objects.bulk_create(
        [User(email=f"flash-{offer.pk}-{i}@example.com") for i in range(BUYERS)]
    )
    tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    return offer.pk, [t.key for t in tokens]


_local = threading.local()


def buy(url: str, offer_id: int, token: str) -> str:
    """One buyer's POST, on this client thread's kept-alive connection."""
    if getattr(_local, "conn", None) is None:
        parts = urllib.parse.urlsplit(url)
        _local.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    body = json.dumps({"offer": offer_id, "quantity": 1})
    headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}
    try:
        _local.conn.request("POST", "/api/v1/orders/", body=body, headers=headers)
        response = _local.conn.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as err:
        _local.conn.close()
        _local.conn = None
        return type(err).__name__
    if response.status == 201:
        return "201"
    try:
        return str(json.loads(payload).get("code", response.status))
    except ValueError:
        return str(response.status)


def pgbench_rate(offer_id: int) -> float:
    db = settings.DATABASES["default"]
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(
            "UPDATE offers_offer SET stock_left = stock_left - 1 "
            "WHERE id = :offer AND stock_left >= 1;\n"
        )
    Offer.objects.filter(pk=offer_id).update(stock=10**9, stock_left=10**9)
    out = subprocess.run(
        [
            "pgbench",
            "-n",
            "-c",
            "32",
            "-j",
            "2",
            "-T",
            "10",
            "-f",
            script.name,
            "-D",
            f"offer={offer_id}",
            "-h",
            db["HOST"],
            "-p",
            str(db["PORT"]),
            "-U",
            db["USER"],
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("tps"))
    return float(line.split("=")[1].split()[0])


def main() -> None:
    url = sys.argv[1]
    offer_id, tokens = setup()
    start = time.perf_counter()
    finished: list[tuple[float, str]] = []

    def timed(token: str) -> str:
        outcome = buy(url, offer_id, token)
        finished.append((time.perf_counter() - start, outcome))
        return outcome

    with ThreadPoolExecutor(max_workers=64) as pool:
        results = list(pool.map(timed, tokens))
    took = time.perf_counter() - start
    sold_out_at = max(t for t, outcome in finished if outcome == "201")
    offer = Offer.objects.get(pk=offer_id)
    sold = results.count("201")
    oversell = max(0, sold - STOCK) + (1 if offer.stock_left != STOCK - sold else 0)
    rate = BUYERS / took
    tps = pgbench_rate(offer_id)
    print(
        f"  flash deal   {BUYERS} buyers in {took:.2f} s: {rate:,.0f} order attempts/s, "
        f"{sold} sold, {results.count('sold_out')} sold_out, "
        f"other {len(results) - sold - results.count('sold_out')}; oversell {oversell}; "
        f"the last unit sold after {sold_out_at:.2f} s"
    )
    share = rate / tps
    ok = oversell == 0 and share >= 0.3
    print(
        f"  pgbench      {tps:,.0f} single-row updates/s → {share:.0%} of it "
        f"→ {'PASS' if ok else 'FAIL'} (0 oversell, ≥ 30 %)"
    )


if __name__ == "__main__":
    main()
