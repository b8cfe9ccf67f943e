"""The embedded default (SQLite, no Redis) survives a crowd.

Starts the site the way `make run` does, on its own SQLite file, and sends
it 60 simultaneous buyers for 10 units and 10 cashiers pressing "redeem" on
one voucher, through the API: no oversell, no double use, and no 500.
"""

import json
import os
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .concurrency import run_in_threads

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import json
from decimal import Decimal
from rest_framework.authtoken.models import Token
from accounts.models import User
from merchants.models import Category, City, District, Membership, Merchant, Store
from offers.models import Offer
from orders.services import order_create
from payments.services import payment_start, payment_succeeded

city = City.objects.create(name="Shanghai", slug="shanghai")
district = District.objects.create(city=city, name="Jing'an", slug="jingan")
category = Category.objects.create(name="Food", slug="food")
merchant = Merchant.objects.create(
    name="Crowd Hotpot", slug="crowd-hotpot", category=category, city=city, status="approved"
)
store = Store.objects.create(
    merchant=merchant, name="Main", district=district, address="1 Road",
    latitude=Decimal("31.2"), longitude=Decimal("121.4"),
)
def offer(**kw):
    o = Offer.objects.create(
        merchant=merchant, category=category, title="Flash deal", price=Decimal("9.90"),
        list_price=Decimal("19.90"), status="live", **kw
    )
    o.stores.set([store])
    return o
flash = offer(stock=10, stock_left=10)
plain = offer()
buyers = [User.objects.create_user(f"buyer{i}@example.com", "pw-crowd-2026") for i in range(60)]
cashiers = []
for i in range(10):
    user = User.objects.create_user(f"cashier{i}@example.com", "pw-crowd-2026")
    Membership.objects.create(user=user, merchant=merchant, role="cashier")
    cashiers.append(user)
order = order_create(user=buyers[0], offer_id=plain.pk, quantity=1)
payment, _ = payment_start(order_id=order.pk, user=buyers[0])
payment_succeeded(payment_id=payment.pk)
print(json.dumps({
    "flash": flash.pk,
    "store": store.pk,
    "code": order.vouchers.get().code,
    "buyers": [Token.objects.create(user=u).key for u in buyers],
    "cashiers": [Token.objects.create(user=u).key for u in cashiers],
}))
"""

CHECK = """
import json
from django.db.models import Sum
from offers.models import Offer
from orders.models import Order, Redemption, Voucher
flash = Offer.objects.get(title="Flash deal", stock=10)
print(json.dumps({
    "stock_left": flash.stock_left,
    "units_ordered": Order.objects.filter(offer=flash).aggregate(n=Sum("quantity"))["n"],
    "redemptions": Redemption.objects.count(),
    "uses_left": list(Voucher.objects.values_list("uses_left", flat=True)),
}))
"""


def _web_command(port: int) -> list[str]:
    """The web process exactly as `make run` starts it (Procfile.dev)."""
    for line in (ROOT / "Procfile.dev").read_text().splitlines():
        if line.startswith("web:"):
            command = line.split(":", 1)[1]
            command = command.replace("$O2O_HOST", "127.0.0.1").replace("$O2O_PORT", str(port))
            return shlex.split(command)
    raise AssertionError("Procfile.dev has no web process")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def embedded_site(tmp_path_factory):
    var = tmp_path_factory.mktemp("embedded")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "o2o.settings.local",
        "DATABASE_URL": f"sqlite:///{var / 'db.sqlite3'}",
        "VAR_DIR": str(var),
        "DEBUG": "False",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)

    def manage(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        ).stdout

    manage("migrate", "--noinput", "-v0")
    data = json.loads(manage("shell", "-c", SETUP).strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        _web_command(port),
        cwd=ROOT,
        env={**env, "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:  # a cold first request on a busy machine may take seconds
                urllib.request.urlopen(f"{base}/api/v1/offers/", timeout=15)
                break
            except OSError:  # not listening yet (URLError, ConnectionError) or too slow
                time.sleep(0.1)
        yield base, data, lambda: json.loads(manage("shell", "-c", CHECK).strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=10)


def _post(url: str, token: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        payload = err.read()
        try:
            return err.code, json.loads(payload)
        except ValueError:
            return err.code, {"raw": payload.decode(errors="replace")[:200]}
    except (ConnectionError, urllib.error.URLError) as err:
        return 0, {"error": repr(err)}


def test_sixty_buyers_and_ten_cashiers_on_the_embedded_site(embedded_site):
    base, data, check = embedded_site

    orders = run_in_threads(
        60,
        lambda i: _post(
            f"{base}/api/v1/orders/", data["buyers"][i], {"offer": data["flash"], "quantity": 1}
        ),
    )
    statuses = [status for status, _body in orders]
    assert statuses.count(201) == 10, orders
    assert all(body.get("code") == "sold_out" for status, body in orders if status != 201), orders

    redemptions = run_in_threads(
        10,
        lambda i: _post(
            f"{base}/api/v1/redemptions/",
            data["cashiers"][i],
            {"code": data["code"], "store": data["store"]},
        ),
    )
    statuses = [status for status, _body in redemptions]
    assert statuses.count(201) == 1, redemptions
    assert all(
        body.get("code") == "already_redeemed" for status, body in redemptions if status != 201
    ), redemptions

    after = check()
    assert after["stock_left"] == 0
    assert after["units_ordered"] == 10
    assert after["redemptions"] == 1
    assert after["uses_left"] == [0]
