"""Sign-up and log-in limits an attacker cannot reset with a header.

Attempts are limited per client address, the API and the pages in one
budget; the address is the socket's unless TRUSTED_PROXY_COUNT says proxies
stand in front, and then it is the one our proxy wrote, never one the client
wrote into X-Forwarded-For. django-axes's lock of an e-mail uses the same
address.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from o2o import ratelimit
from o2o.settings.base import REST_FRAMEWORK as BASE_API_SETTINGS

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# The production rate, which the test settings raise for the rest of the suite.
RATE = BASE_API_SETTINGS["DEFAULT_THROTTLE_RATES"]["auth"]
LIMIT, PERIOD = ratelimit.parse_rate(RATE)
LOAD_BALANCER = "10.0.0.2"
START = 1_800_000_000.0  # the start of a window, for any period up to a day


@pytest.fixture
def clock(monkeypatch):
    """Time stands still at the start of a window unless the test moves it."""
    now = [START]
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: now[0]))
    return now


@pytest.fixture(autouse=True)
def production_rate(settings, clock):
    assert (LIMIT, PERIOD) == (20, 60)
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "auth": RATE,
        },
    }


@pytest.fixture
def behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def forged(i):
    """A different made-up address each time, as an attacker's script writes them."""
    return f"198.51.{i // 250}.{i % 250 + 1}"


def web_signup(i, **extra):
    return Client().post(
        reverse("accounts:signup"),
        {
            "email": f"bot{i}@example.com",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
        },
        **extra,
    )


def web_login(email, password, **extra):
    return Client().post(reverse("accounts:login"), {"email": email, "password": password}, **extra)


def api_register(i, **extra):
    return APIClient().post(
        "/api/v1/auth/register/",
        {"email": f"app{i}@example.com", "password": "a-long-pass-2026"},
        **extra,
    )


def api_token(email, password, **extra):
    return APIClient().post("/api/v1/auth/token/", {"email": email, "password": password}, **extra)


# --- The API ---------------------------------------------------------------


def test_25_api_sign_ups_with_rotating_forwarded_for_are_cut_at_the_limit():
    answers = [api_register(i, HTTP_X_FORWARDED_FOR=forged(i)) for i in range(25)]
    assert [a.status_code for a in answers] == [201] * LIMIT + [429] * 5
    assert answers[-1].json()["code"] == "throttled"
    assert 1 <= int(answers[-1]["Retry-After"]) <= PERIOD
    assert User.objects.count() == LIMIT


def test_25_failed_api_log_ins_with_rotating_forwarded_for_are_cut_at_the_limit():
    answers = [
        api_token(f"guess{i}@example.com", "wrong", HTTP_X_FORWARDED_FOR=forged(i))
        for i in range(25)
    ]
    assert [a.json()["code"] for a in answers] == ["invalid_credentials"] * LIMIT + [
        "throttled"
    ] * 5
    assert answers[-1].status_code == 429


def test_a_right_password_past_the_limit_gets_no_token(consumer):
    for i in range(LIMIT):
        api_token(f"guess{i}@example.com", "wrong")
    answer = api_token(consumer.email, PASSWORD)
    assert answer.status_code == 429
    assert "token" not in answer.json()


# --- The pages ---------------------------------------------------------------


def test_25_web_sign_ups_with_rotating_forwarded_for_are_cut_at_the_limit():
    answers = [web_signup(i, HTTP_X_FORWARDED_FOR=forged(i)) for i in range(25)]
    assert [a.status_code for a in answers] == [302] * LIMIT + [429] * 5
    assert User.objects.count() == LIMIT
    page = answers[-1].content.decode()
    assert "Too many sign-up and log-in attempts from your network" in page
    assert 'name="password1"' in page  # the form is still there to try again later
    assert 'value="bot24@example.com"' in page  # with the e-mail kept
    assert 1 <= int(answers[-1]["Retry-After"]) <= PERIOD


def test_25_failed_web_log_ins_with_rotating_forwarded_for_are_cut_at_the_limit():
    answers = [
        web_login(f"guess{i}@example.com", "wrong", HTTP_X_FORWARDED_FOR=forged(i))
        for i in range(25)
    ]
    assert [a.status_code for a in answers] == [200] * LIMIT + [429] * 5
    assert "do not match" in answers[LIMIT - 1].content.decode()
    page = answers[-1].content.decode()
    assert "Too many sign-up and log-in attempts from your network" in page
    assert 'name="password"' in page


def test_a_right_password_past_the_limit_does_not_log_in(consumer):
    for i in range(LIMIT):
        web_login(f"guess{i}@example.com", "wrong")
    client = Client()
    answer = client.post(reverse("accounts:login"), {"email": consumer.email, "password": PASSWORD})
    assert answer.status_code == 429
    assert SESSION_KEY not in client.session


def test_past_the_limit_sign_up_does_not_say_whether_an_email_has_an_account(consumer):
    for i in range(LIMIT):
        web_signup(i)
    answer = Client().post(
        reverse("accounts:signup"),
        {"email": consumer.email, "password1": "a-long-pass-2026", "password2": "a-long-pass-2026"},
    )
    assert answer.status_code == 429
    assert "already exists" not in answer.content.decode()


def test_only_posts_count_opening_the_forms_is_free():
    client = Client()
    for _ in range(LIMIT + 5):
        assert client.get(reverse("accounts:signup")).status_code == 200
        assert client.get(reverse("accounts:login")).status_code == 200
    answers = [web_signup(i).status_code for i in range(LIMIT + 1)]
    assert answers == [302] * LIMIT + [429]


# --- One budget, one address ---------------------------------------------------


def test_the_pages_and_the_api_share_one_budget():
    half = LIMIT // 2
    assert [web_signup(i).status_code for i in range(half)] == [302] * half
    assert [api_register(i).status_code for i in range(LIMIT - half)] == [201] * (LIMIT - half)
    assert web_signup(99).status_code == 429
    assert api_register(99).status_code == 429


def test_another_address_keeps_its_own_budget():
    for i in range(LIMIT):
        web_signup(i, REMOTE_ADDR="203.0.113.5")
    assert web_signup(49, REMOTE_ADDR="203.0.113.5").status_code == 429
    assert web_signup(50, REMOTE_ADDR="203.0.113.6").status_code == 302
    assert api_register(50, REMOTE_ADDR="203.0.113.6").status_code == 201


def test_the_window_ends_and_lets_the_address_in_again(clock):
    for i in range(LIMIT):
        web_signup(i)
    assert web_signup(50).status_code == 429
    clock[0] += PERIOD
    assert web_signup(51).status_code == 302


# --- Behind a load balancer -------------------------------------------------------


def via_proxy(client_wrote, proxy_saw):
    """What the app receives from one load balancer that appends the peer it saw."""
    chain = f"{client_wrote}, {proxy_saw}" if client_wrote else proxy_saw
    return {"REMOTE_ADDR": LOAD_BALANCER, "HTTP_X_FORWARDED_FOR": chain}


@pytest.mark.usefixtures("behind_one_proxy")
def test_behind_a_proxy_the_address_it_wrote_counts_not_the_clients():
    attacker = "203.0.113.5"
    web = [web_signup(i, **via_proxy(forged(i), attacker)) for i in range(LIMIT // 2)]
    api = [api_register(i, **via_proxy(forged(i), attacker)) for i in range(LIMIT // 2, 25)]
    assert [a.status_code for a in web + api] == [302] * (LIMIT // 2) + [201] * (
        LIMIT - LIMIT // 2
    ) + [429] * 5


@pytest.mark.usefixtures("behind_one_proxy")
def test_behind_a_proxy_a_stranger_cannot_spend_another_clients_budget():
    for i in range(LIMIT):
        web_signup(i, **via_proxy(forged(i), "203.0.113.5"))
    assert api_register(99, **via_proxy(forged(99), "203.0.113.5")).status_code == 429
    # Someone else behind the same load balancer, with or without a header of their own.
    assert web_signup(100, **via_proxy("", "192.0.2.7")).status_code == 302
    assert api_register(100, **via_proxy("203.0.113.5", "192.0.2.8")).status_code == 201


# --- django-axes's lock of an e-mail ----------------------------------------------


def test_rotating_forwarded_for_does_not_reset_the_lock_of_an_email():
    user = UserFactory(email="target@example.com")
    for i in range(5):
        web_login(user.email, "guess", HTTP_X_FORWARDED_FOR=forged(i))
    locked = web_login(user.email, PASSWORD, HTTP_X_FORWARDED_FOR=forged(99))
    assert locked.status_code == 429
    assert "Too many failed log-ins" in locked.content.decode()
    refused = api_token(user.email, PASSWORD, HTTP_X_FORWARDED_FOR=forged(98))
    assert refused.json()["code"] == "locked_out"


@pytest.mark.usefixtures("behind_one_proxy")
def test_behind_a_proxy_the_lock_follows_the_attacker_not_the_proxy():
    user = UserFactory(email="target@example.com")
    for i in range(5):
        web_login(user.email, "guess", **via_proxy(forged(i), "203.0.113.5"))
    # The attacker, whatever they write, stays locked out...
    locked = web_login(user.email, PASSWORD, **via_proxy(forged(99), "203.0.113.5"))
    assert locked.status_code == 429
    assert api_token(user.email, PASSWORD, **via_proxy("", "203.0.113.5")).status_code == 429
    # ...while the account's owner, behind the same load balancer, logs in.
    assert web_login(user.email, PASSWORD, **via_proxy("", "192.0.2.7")).status_code == 302
    assert api_token(user.email, PASSWORD, **via_proxy("", "192.0.2.7")).status_code == 200
