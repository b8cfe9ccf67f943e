"""Invariant 9: nothing is had without a captured payment. Production
settings refuse to run without a real gateway, the development gateway's
page exists only where it is the configured gateway, and a demo that opts in
says "test payments" on every page and in the API."""

import importlib
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from o2o.errors import NotFound
from orders.models import Order, Voucher
from payments import checks, services
from payments.models import Payment

from ..factories import make_order

ROOT = Path(__file__).resolve().parent.parent.parent
NOTICE = "Test payments — no real money"
# Settings the subprocesses below must not inherit from whoever runs the suite.
PAYMENT_VARIABLES = (
    "PAYMENTS_GATEWAY",
    "STRIPE_SECRET_KEY",
    "STRIPE_PUBLISHABLE_KEY",
    "STRIPE_WEBHOOK_SECRET",
)
STRIPE_KEYS = {
    "STRIPE_SECRET_KEY": "sk_live_for_the_check",
    "STRIPE_PUBLISHABLE_KEY": "pk_live_for_the_check",
    "STRIPE_WEBHOOK_SECRET": "whsec_for_the_check",
}


def check_deploy(**variables: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy` on production settings, as an operator runs it."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in PAYMENT_VARIABLES and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        SECRET_KEY="x" * 20 + "-production-only-secret-for-the-check-0123456789",
        ALLOWED_HOSTS="deals.example.com",
        DJANGO_SETTINGS_MODULE="o2o.settings.production",
    )
    env.update(variables)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the system check ------------------------------------------------------------


def test_production_settings_without_stripe_keys_fail_the_deployment_check():
    result = check_deploy()
    assert result.returncode != 0
    assert "payments.E002" in result.stderr
    assert "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY are not set" in result.stderr


def test_a_demo_on_production_settings_opts_in_and_is_warned():
    result = check_deploy(PAYMENTS_GATEWAY="dev")
    assert result.returncode == 0, result.stderr
    assert "payments.W001" in result.stderr
    assert "payments.E" not in result.stderr


def compose_environment(dotenv: dict[str, str]) -> dict[str, str]:
    """What a compose service's process sees: .env, then the file's own environment."""
    app = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["x-app"]
    fixed = {k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", v) for k, v in app["environment"].items()}
    return {**dotenv, **fixed}


def dotenv_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    return pairs


def test_a_compose_deployment_that_forgot_the_stripe_keys_never_starts():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services_ = compose["services"]
    # The one-time step runs the deployment check before anything else ...
    assert services_["migrate"]["command"][-1].startswith("python manage.py check --deploy &&")
    # ... and the site's processes wait for it to succeed.
    for name in ("web", "worker", "beat"):
        assert services_[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    # .env.example filled in as the README says (a secret, hosts), but not Stripe's keys:
    dotenv = {**dotenv_example(), "SECRET_KEY": "y" * 60}
    forgot = check_deploy(**compose_environment(dotenv))
    assert forgot.returncode != 0
    assert "payments.E002" in forgot.stderr
    filled = check_deploy(**compose_environment({**dotenv, **STRIPE_KEYS}))
    assert filled.returncode == 0, filled.stderr


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"PAYMENTS_GATEWAY": "stripe", "STRIPE_SECRET_KEY": "sk_x"}, "payments.E002"),
        ({"PAYMENTS_GATEWAY": "paypal"}, "payments.E001"),
        ({"PAYMENTS_GATEWAY": "dev"}, None),
    ],
)
def test_the_check_names_what_is_wrong(settings, overrides, expected):
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    for name, value in overrides.items():
        setattr(settings, name, value)
    found = [message.id for message in checks.gateway_configured()]
    assert found == ([expected] if expected else [])


# --- the development gateway's page is not there ------------------------------------


@pytest.fixture
def remount(settings):
    """Rebuild the URL conf, which reads PAYMENTS_GATEWAY once, at import;
    rebuilt as it was afterwards."""
    import o2o.urls
    import payments.urls

    original = settings.PAYMENTS_GATEWAY

    def rebuild():
        importlib.reload(payments.urls)
        importlib.reload(o2o.urls)
        clear_url_caches()

    yield rebuild
    with override_settings(PAYMENTS_GATEWAY=original):
        rebuild()


@pytest.fixture
def production_without_keys(settings, remount):
    """What production settings give when nobody set Stripe's keys nor opted in."""
    settings.PAYMENTS_GATEWAY = "stripe"
    settings.STRIPE_SECRET_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    remount()


@pytest.mark.django_db
def test_without_the_dev_gateway_no_voucher_is_had_on_the_web(
    client, consumer, offer, production_without_keys
):
    client.force_login(consumer)
    response = client.post(
        reverse("orders:checkout", args=[offer.pk]), {"quantity": 2}, follow=True
    )
    assert "Payments are not available right now" in response.content.decode()
    order = Order.objects.get()
    # The development page is not mounted: no key, guessed or left over, reaches it.
    with pytest.raises(Resolver404):
        resolve(f"/payments/dev/{uuid.uuid4()}/")
    assert client.post(f"/payments/dev/{uuid.uuid4()}/", {"outcome": "succeed"}).status_code == 404
    response = client.post(reverse("orders:pay", args=[order.pk]), follow=True)
    assert "Payments are not available right now" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_PAYMENT
    assert not Payment.objects.exists()
    assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_without_the_dev_gateway_no_voucher_is_had_through_the_api(
    consumer, offer, production_without_keys
):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=consumer).key}")
    order = api.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 1}, format="json").json()
    response = api.post(f"/api/v1/orders/{order['id']}/pay/")
    assert response.status_code == 503
    assert response.json()["code"] == "payments_unavailable"
    assert api.get(f"/api/v1/orders/{order['id']}/").json()["status"] == "pending_payment"
    assert not Payment.objects.exists()
    assert not Voucher.objects.exists()


@pytest.mark.django_db
def test_a_dev_attempt_left_from_a_demo_cannot_be_paid_once_stripe_is_on(
    client, consumer, offer, settings
):
    order = make_order(consumer, offer, 1)
    payment, result = services.payment_start(order_id=order.pk, user=consumer)
    settings.PAYMENTS_GATEWAY = "stripe"  # the page is still mounted: its view refuses too
    settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = "sk_x", "pk_x"
    client.force_login(consumer)
    assert client.post(result.redirect_url, {"outcome": "succeed"}).status_code == 404
    with pytest.raises(NotFound):
        services.payment_dev_capture(payment_id=payment.pk, user=consumer)
    assert not Voucher.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


# --- a demo says so -------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "url"),
    [
        (None, "/"),
        (None, "/deals/"),
        (None, "offer"),
        (None, "/accounts/login/"),
        ("consumer", "/me/vouchers/"),
        ("owner", "/merchant/"),
        ("admin_user", "/admin/"),
    ],
)
def test_every_page_says_test_payments_while_the_dev_gateway_is_live(
    client, request, offer, who, url
):
    if who:
        client.force_login(request.getfixturevalue(who))
    if url == "offer":
        url = reverse("offers:detail", args=[offer.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert NOTICE in response.content.decode()


@pytest.mark.django_db
def test_no_test_payments_notice_with_a_real_gateway(client, consumer, offer, settings):
    settings.PAYMENTS_GATEWAY = "stripe"
    client.force_login(consumer)
    for url in ("/", reverse("offers:detail", args=[offer.pk]), "/me/vouchers/"):
        assert NOTICE not in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_api_pay_answer_says_test_payments(consumer, offer):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=consumer).key}")
    order = api.post("/api/v1/orders/", {"offer": offer.pk, "quantity": 1}, format="json").json()
    paid = api.post(f"/api/v1/orders/{order['id']}/pay/").json()
    assert paid["status"] == "paid"
    assert paid["payment"]["gateway"] == "dev"
    assert paid["payment"]["test_mode"] is True
    assert paid["payment"]["notice"].startswith(NOTICE)
