"""What operations rely on: health endpoints, request ids in logs, and
production settings that pass Django's deployment checks."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from o2o import health
from o2o.logging import JsonFormatter, RequestIdFilter, request_id

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_while_the_process_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_cache_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_says_which_dependency_is_down(client, monkeypatch):
    def down():
        raise ConnectionError("redis is away")

    monkeypatch.setitem(health.CHECKS, "broker", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_every_response_carries_a_request_id_and_keeps_the_proxys(client):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"


def test_json_logs_carry_the_request_id():
    record = logging.LogRecord("orders", logging.INFO, __file__, 1, "paid %s", ("#7",), None)
    token = request_id.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "paid #7"
    assert line["request_id"] == "req-42"
    assert line["level"] == "INFO"


def test_production_settings_pass_the_deployment_checks():
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "SECRET_KEY": "x" * 20 + "-production-only-secret-for-the-check-0123456789",
        "ALLOWED_HOSTS": "deals.example.com",
        "DJANGO_SETTINGS_MODULE": "o2o.settings.production",
        # A real gateway: without one the check fails (tests/payments/test_gateway_config.py).
        "PAYMENTS_GATEWAY": "",
        "STRIPE_SECRET_KEY": "sk_live_for_the_check",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_for_the_check",
        "STRIPE_WEBHOOK_SECRET": "whsec_for_the_check",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(ALLOWED_HOSTS="deals.example.com", DJANGO_SETTINGS_MODULE="o2o.settings.production")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_api_schema_is_valid_and_warning_free():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
