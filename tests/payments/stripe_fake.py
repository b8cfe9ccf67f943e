"""localstripe, a local stateful fake of Stripe's API, for the integration tests.

What the fake does not do (and so our code must not rely on): it ignores
idempotency keys, does not check refund amounts, sends no charge.refunded
events, has no Checkout Sessions or Connect, and returns latest_charge
expanded. Tests build and sign the events it does not send, exactly as Stripe
signs them: HMAC-SHA256 of "{t}.{payload}" with the endpoint's secret.
"""

import contextlib
import hashlib
import hmac
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import stripe

SECRET_KEY = "sk_test_localstripe"
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_SECRET = "whsec_localstripe_test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start() -> tuple[subprocess.Popen, str]:  # type: ignore[type-arg]
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "localstripe", "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    request = urllib.request.Request(
        f"{url}/v1/customers", headers={"Authorization": f"Bearer {SECRET_KEY}"}
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(request, timeout=1)
            return process, url
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("localstripe did not start")


def client(url: str) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET_KEY, base_addresses={"api": url})


def register_webhook(url: str, target: str) -> None:
    body = urllib.parse.urlencode({"url": target, "secret": WEBHOOK_SECRET}).encode()
    urllib.request.urlopen(
        urllib.request.Request(f"{url}/_config/webhooks/test", data=body, method="POST"),
        timeout=5,
    )


def pay(url: str, intent_id: str, card: str = "4242424242424242") -> None:
    """What Stripe.js does on our page: attach a card and confirm."""
    api = client(url)
    method = api.v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    if card == "4000000000000341":  # declines only once attached to a customer
        customer = api.v1.customers.create()
        api.v1.payment_methods.attach(method.id, params={"customer": customer.id})
        api.v1.payment_intents.update(
            intent_id, params={"customer": customer.id, "payment_method": method.id}
        )
    else:
        api.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    with contextlib.suppress(stripe.CardError):  # the payer sees a decline; a webhook tells us
        api.v1.payment_intents.confirm(intent_id)


def signed(event_type: str, obj: dict, *, event_id: str | None = None) -> tuple[bytes, str]:
    """An event as Stripe would send it, and its Stripe-Signature header."""
    created = int(time.time())
    payload = json.dumps(
        {
            "id": event_id or f"evt_test_{time.time_ns()}",
            "object": "event",
            "type": event_type,
            "created": created,
            "data": {"object": obj},
        }
    ).encode()
    signature = hmac.new(
        WEBHOOK_SECRET.encode(), f"{created}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    return payload, f"t={created},v1={signature}"
