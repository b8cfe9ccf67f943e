"""The client's address (o2o.http.client_ip): one rule for every limit; and
how o2o.ratelimit counts attempts per address."""

import os
import subprocess
import sys
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from o2o import ratelimit
from o2o.http import client_ip

from .concurrency import run_in_threads

ROOT = Path(__file__).resolve().parent.parent


def request(forwarded_for=None, remote_addr="10.0.0.2"):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/accounts/login/", **extra)


CASES = [
    # (proxies in front, X-Forwarded-For as received, the client's address)
    (0, None, "10.0.0.2"),
    (0, "203.0.113.5", "10.0.0.2"),  # nobody in front: the header is the client's word
    (1, None, "10.0.0.2"),  # came around the proxy (a health check, an internal call)
    (1, "203.0.113.5", "203.0.113.5"),
    (1, "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the left one the client wrote
    (1, "1.2.3.4,5.6.7.8,203.0.113.5", "203.0.113.5"),
    (2, "1.2.3.4, 203.0.113.5, 10.0.0.9", "203.0.113.5"),
    (2, "203.0.113.5", "203.0.113.5"),  # reached the inner proxy only
    (1, "2001:db8::1, 2001:db8::7", "2001:db8::7"),
]


@pytest.mark.parametrize(("proxies", "forwarded_for", "expected"), CASES)
def test_the_client_address_is_the_one_a_trusted_proxy_wrote(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert client_ip(request(forwarded_for)) == expected


@pytest.mark.parametrize(("proxies", "forwarded_for", "expected"), CASES)
def test_drfs_stock_throttles_read_the_same_address(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    assert BaseThrottle().get_ident(Request(request(forwarded_for))) == expected
    assert ratelimit.ClientAddressThrottle().get_ident(Request(request(forwarded_for))) == expected


def test_the_settings_give_drf_the_same_proxy_count(settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT == 0


def test_django_axes_locks_the_same_address(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert get_client_ip_address(request("1.2.3.4, 203.0.113.5")) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 0
    assert get_client_ip_address(request("1.2.3.4, 203.0.113.5")) == "10.0.0.2"


def test_a_negative_proxy_count_stops_the_app_from_starting():
    env = {**os.environ, "TRUSTED_PROXY_COUNT": "-1", "DJANGO_SETTINGS_MODULE": "o2o.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in done.stderr


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings):
    """The test cache, or the real Redis production counts in (when CI has one)."""
    if request.param == "redis":
        if not settings.TEST_REDIS_URL:
            pytest.skip("needs Redis (.ci/run sets REDIS_URL)")
        settings.CACHES = {
            "default": {
                "BACKEND": "o2o.cache.ReusingRedisCache",
                "LOCATION": settings.TEST_REDIS_URL,
                "KEY_PREFIX": f"test-ratelimit-{uuid.uuid4().hex}",
            }
        }
    yield
    if request.param == "redis":
        from django.core.cache import cache

        cache.delete(f"ratelimit:auth:{int(START // 3600)}:10.0.0.2")


START = 1_800_000_000.0


def test_parallel_attempts_each_get_their_own_count(settings, shared_cache, monkeypatch):
    # The count is the cache's atomic increment: of 40 attempts at once,
    # exactly the limit pass (reading a count and writing it back would let
    # several read the same number).
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: START))
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "20/h"},
    }
    answers = run_in_threads(40, lambda i: ratelimit.attempt(request(), scope="auth"))
    assert answers.count(None) == 20
    assert all(isinstance(wait, int) and wait > 0 for wait in answers if wait is not None)


def test_with_the_cache_down_attempts_go_through_and_say_so(settings, monkeypatch, caplog):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "add", down)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "1/h"}}
    assert [ratelimit.attempt(request(), scope="auth") for _ in range(3)] == [None] * 3
    assert "cache unavailable" in caplog.text
