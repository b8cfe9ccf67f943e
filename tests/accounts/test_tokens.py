"""API tokens: the user behind a token is cached, and revoking works at once."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    user = UserFactory()
    token = Token.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client, user, token


def test_a_token_is_read_from_the_database_once(api, django_assert_max_num_queries):
    client, _user, _token = api
    assert client.get("/api/v1/orders/").status_code == 200
    with django_assert_max_num_queries(2) as ctx:  # the orders, and their count
        assert client.get("/api/v1/orders/").status_code == 200
    assert not any("authtoken_token" in q["sql"] for q in ctx.captured_queries)


def test_a_deleted_token_stops_working_at_once(api):
    client, _user, token = api
    assert client.get("/api/v1/orders/").status_code == 200
    token.delete()
    response = client.get("/api/v1/orders/")
    assert response.status_code == 401


def test_a_deactivated_user_is_locked_out_at_once(api):
    client, user, _token = api
    assert client.get("/api/v1/orders/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/api/v1/orders/").status_code == 401


def test_tokens_work_without_a_cache(api, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("cache is down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    client, _user, _token = api
    assert client.get("/api/v1/orders/").status_code == 200


def test_an_unknown_token_is_refused_and_a_known_one_reads_its_whole_user(api):
    client, user, _token = api
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = stranger.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."
    me = client.get("/api/v1/me/").json()  # read from the database, then cached
    assert me["email"] == user.email
    assert client.get("/api/v1/me/").json() == me
