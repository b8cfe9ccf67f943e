"""Signing up, logging in and out, and the lock after repeated failures."""

import pytest
from django.urls import reverse

from accounts.models import User

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_up_logs_the_new_user_in_and_returns_to_next(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "New@Example.com",
            "password1": "a-long-pass-2026",
            "password2": "a-long-pass-2026",
            "next": "/deals/",
        },
    )
    assert response.status_code == 302
    assert response.url == "/deals/"
    assert User.objects.filter(email="new@example.com").exists()
    assert client.get(reverse("orders:vouchers")).status_code == 200


@pytest.mark.parametrize(
    ("password1", "password2", "message"),
    [
        ("a-long-pass-2026", "different-2026", "The two passwords differ."),
        ("123", "123", "too short"),
    ],
)
def test_sign_up_errors_show_next_to_the_field(client, password1, password2, message):
    response = client.post(
        reverse("accounts:signup"),
        {"email": "x@example.com", "password1": password1, "password2": password2},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email="x@example.com").exists()


def test_sign_up_with_a_taken_email_is_refused(client, consumer):
    response = client.post(
        reverse("accounts:signup"),
        {"email": consumer.email, "password1": "a-long-pass-2026", "password2": "a-long-pass-2026"},
    )
    assert "already exists" in response.content.decode()


def test_log_in_and_out(client, consumer):
    response = client.post(
        reverse("accounts:login"), {"email": consumer.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("orders:vouchers")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("orders:vouchers")).status_code == 302


def test_next_cannot_send_people_to_another_site(client, consumer):
    response = client.post(
        reverse("accounts:login"),
        {"email": consumer.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.url == "/"


def test_wrong_password_says_so(client, consumer):
    response = client.post(reverse("accounts:login"), {"email": consumer.email, "password": "no"})
    assert "do not match" in response.content.decode()


def test_five_failures_lock_the_account_from_this_address(client):
    user = UserFactory(email="target@example.com")
    for _ in range(5):
        client.post(reverse("accounts:login"), {"email": user.email, "password": "guess"})
    response = client.post(reverse("accounts:login"), {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
