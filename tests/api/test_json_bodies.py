"""JSON bodies nested 5,000 deep (json recurses: RecursionError, a 500) get a
400 `invalid_json` on every API endpoint that takes a body, and on Stripe's
webhook, and change nothing."""

import hashlib
import hmac
import json
import time

import pytest
from django.urls import URLPattern, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from api import urls as api_urls
from o2o.parsers import MAX_JSON_DEPTH, nested_deeper_than
from orders.models import Order
from payments.models import WebhookEvent

from ..payments import stripe_fake

pytestmark = pytest.mark.django_db

DEEP = "[" * 5000 + "]" * 5000


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth if depth % 2 else "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [1, 2, MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH])
def test_nesting_up_to_the_limit_passes(depth):
    assert not nested_deeper_than(nested(depth))
    assert not nested_deeper_than(nested(depth).encode())


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, MAX_JSON_DEPTH + 2, 5000])
def test_nesting_past_the_limit_is_found(depth):
    assert nested_deeper_than(nested(depth))
    assert nested_deeper_than(nested(depth).encode())


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"text": "[" * 1000, "more": "{" * 1000}),  # brackets in strings
        json.dumps({"text": '\\"[[[' * 500}),  # escaped quotes do not end a string
        json.dumps([[1, 2]] * 5000),  # wide, not deep
        json.dumps({"review": "好吃！[[[[" * 100}),  # UTF-8 around brackets
    ],
)
def test_brackets_in_strings_and_wide_bodies_are_not_deep(body):
    assert not nested_deeper_than(body)
    assert not nested_deeper_than(body.encode())
    json.loads(body)


@pytest.mark.parametrize("body", ["[" * 5000, "{" * 70, '{"a":' * 3000, "[" * 40 + "{" * 40])
def test_unclosed_nesting_counts_too(body):
    """json would recurse into it before finding that it never closes."""
    assert nested_deeper_than(body)


def test_malformed_but_shallow_bodies_are_left_to_json_to_refuse():
    assert not nested_deeper_than("]" * 5000)
    assert not nested_deeper_than("[1,}" * 10)


def api_post_routes():
    """Every route of the API whose view answers POST, with an id to fill in."""
    for pattern in api_urls.v1:
        assert isinstance(pattern, URLPattern)
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and hasattr(view, "post"):
            kwargs = {"pk": 1} if "pk" in pattern.pattern.converters else {}
            yield reverse(f"api:{pattern.name}", kwargs=kwargs)


def test_the_walk_finds_every_endpoint_taking_a_body():
    routes = set(api_post_routes())
    assert {
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/orders/",
        "/api/v1/redemptions/",
        "/api/v1/reviews/",
        "/api/v1/favourites/",
        "/api/v1/coupon-campaigns/1/claim/",
    } <= routes
    assert len(routes) == 11  # and "Remind me": POST /api/v1/offers/{id}/remind/


@pytest.mark.parametrize("path", list(api_post_routes()))
@pytest.mark.parametrize("who", ["anonymous", "consumer"])
def test_a_deeply_nested_body_gets_a_4xx_on_every_api_post(path, who, consumer):
    client = APIClient(raise_request_exception=False)
    if who == "consumer":
        token = Token.objects.get_or_create(user=consumer)[0]
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.post(path, DEEP, content_type="application/json")
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.json()["code"]
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/auth/register/",
        "/api/v1/auth/token/",
        "/api/v1/orders/",
        "/api/v1/redemptions/",
        "/api/v1/reviews/",
    ],
)
def test_endpoints_reading_a_body_say_invalid_json(path, consumer, offer):
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=consumer)[0]}")
    deep = client.post(path, DEEP, content_type="application/json")
    assert deep.status_code == 400
    assert deep.json() == {
        "code": "invalid_json",
        "detail": f"The request body nests arrays and objects more than {MAX_JSON_DEPTH} deep.",
    }
    malformed = client.post(path, '{"offer": ', content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "invalid_json"
    assert malformed.json()["detail"].startswith("The request body is not valid JSON: ")
    assert not Order.objects.exists()


def test_an_order_with_the_body_at_the_limit_is_still_read(consumer, offer):
    """Depth is counted, not guessed: a body MAX_JSON_DEPTH deep is parsed (and
    refused for what it says, not for its shape)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=consumer)[0]}")
    padding = "[" * (MAX_JSON_DEPTH - 1) + "]" * (MAX_JSON_DEPTH - 1)
    body = f'{{"offer": {offer.pk}, "quantity": 1, "note": {padding}}}'
    assert client.post("/api/v1/orders/", body, content_type="application/json").status_code == 201


def test_a_signed_but_deeply_nested_stripe_webhook_gets_400_and_is_not_stored(settings, client):
    """Stripe's construct_event parses the body with json too (after checking
    the signature), so even a correctly signed deep body must be refused."""
    settings.STRIPE_WEBHOOK_SECRET = stripe_fake.WEBHOOK_SECRET
    created = int(time.time())
    payload = (
        '{"id": "evt_deep", "object": "event", "type": "payment_intent.succeeded", '
        f'"created": {created}, "data": {{"object": {{"deep": {DEEP}}}}}}}'
    ).encode()
    signature = hmac.new(
        stripe_fake.WEBHOOK_SECRET.encode(), f"{created}.".encode() + payload, hashlib.sha256
    ).hexdigest()
    response = client.post(
        reverse("payments:stripe_webhook"),
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={created},v1={signature}",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    assert not WebhookEvent.objects.exists()
