"""Flash deal: 1,000 buyers at once on an offer with 100 left, through the API
on gunicorn (driven by wrk); beside it, pgbench running the same single-row stock update.

Run by benchmarks/run.sh with the server already up: python benchmarks/flash_deal.py URL
"""

import os
import subprocess
import sys
import tempfile
from decimal import Decimal

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.conf import settings  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from merchants.models import Merchant  # noqa: E402
from offers.models import Offer  # noqa: E402
from orders.models import Order  # noqa: E402

BUYERS, STOCK = 1000, 100


def setup(buyers: int = BUYERS, stock: int = STOCK) -> tuple[int, list[str]]:
    merchant = Merchant.objects.filter(status="approved").first()
    offer = Offer.objects.create(
        merchant=merchant,
        category_id=merchant.category_id,
        title="Flash deal benchmark",
        price=Decimal("9.90"),
        list_price=Decimal("99.00"),
        stock=stock,
        stock_left=stock,
        status="live",
    )
    offer.stores.set(merchant.stores.all()[:1])
    users = User.objects.bulk_create(
        [User(email=f"flash-{offer.pk}-{i}@example.com") for i in range(buyers)]
    )
    tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
    return offer.pk, [t.key for t in tokens]


def crowd(url: str, offer_id: int, tokens: list[str], path: str = "") -> dict[str, float]:
    """Every buyer's POST at once: wrk, one thread, 64 connections (flash_deal.lua);
    to `path` when given (an empty body), else an order of the offer.

    wrk rather than Python threads: a pool of 64 http.client threads took
    0.4 s of CPU per crowd, a seventh of what the two cores had, away from
    the server being measured.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listed:
        listed.write("\n".join(tokens) + "\n")
    try:
        out = subprocess.run(
            ["wrk", "-t1", "-c64", "-d120s", "--timeout", "30s",
             "-s", os.path.join(here, "flash_deal.lua"), url, "--", listed.name, str(offer_id),
             *([path] if path else [])],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(listed.name)
    line = next(x for x in out.splitlines() if x.startswith("FLASH "))
    return {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}


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
    # A smaller crowd on another deal first, unmeasured: like the other
    # benchmarks' warm-up, it brings every worker's order path in (its
    # statements prepared on each connection) as a shop's earlier sales would.
    crowd(url, *setup(buyers=200, stock=20))
    offer_id, tokens = setup()
    got = crowd(url, offer_id, tokens)
    offer = Offer.objects.get(pk=offer_id)
    orders = Order.objects.filter(offer_id=offer_id).aggregate(
        n=Count("pk"), first=Min("created_at"), last=Max("created_at")
    )
    sold = int(got["sold"])
    oversell = max(0, orders["n"] - STOCK) + (1 if offer.stock_left != STOCK - orders["n"] else 0)
    selling = (orders["last"] - orders["first"]).total_seconds() if orders["n"] else 0.0
    rate = BUYERS / got["seconds"]
    tps = pgbench_rate(offer_id)
    print(
        f"  flash deal   {BUYERS} buyers in {got['seconds']:.2f} s: {rate:,.0f} order attempts/s, "
        f"{sold} sold, {got['sold_out']:.0f} sold_out, other {got['other']:.0f}, "
        f"errors {got['errors']:.0f}; oversell {oversell}; "
        f"the {orders['n']} units sold in {selling:.2f} s; "
        f"p50 {got['p50_ms']:.0f} ms, p99 {got['p99_ms']:.0f} ms"
    )
    share = rate / tps
    ok = oversell == 0 and share >= 0.3 and got["answered"] == BUYERS and not got["errors"]
    print(
        f"  pgbench      {tps:,.0f} single-row updates/s → {share:.0%} of it "
        f"→ {'PASS' if ok else 'FAIL'} (0 oversell, ≥ 30 %)"
    )


if __name__ == "__main__":
    main()
