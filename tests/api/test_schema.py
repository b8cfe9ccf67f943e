"""The OpenAPI schema as a client generator reads it: every operation's
refusals with their codes, one pattern of operation ids, a JSON 404 for any
unknown API address; and docs/api.md in agreement with all of it."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework import exceptions
from rest_framework.test import APIClient

from o2o.api import exception_handler

from .openapi import documented_codes, fetch_schema, operations

CRUD = ("list", "retrieve", "create", "update", "partial_update", "destroy")
ROOT = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def schema():
    return fetch_schema()


def words(path):
    """/api/v1/orders/{id}/pay/ -> ["orders", "pay"]"""
    return [w for w in path.removeprefix("/api/v1/").split("/") if w and not w.startswith("{")]


def refusals(operation):
    """{status: [codes]} of an operation's documented refusals."""
    return {
        int(status): documented_codes(response)
        for status, response in operation["responses"].items()
        if int(status) >= 400
    }


def test_operation_ids_are_the_resource_and_what_is_done_to_it(schema):
    ids = []
    for method, path, operation in operations(schema):
        resource, *rest = words(path)
        resource = resource.replace("-", "_")  # business-areas: business_areas_list
        verbs = (*CRUD, *rest[-1:])  # a longer path names its action: orders/{id}/pay
        pattern = rf"{resource}(_[a-z]+)*_({'|'.join(verbs)})"
        assert re.fullmatch(pattern, operation["operationId"]), (method, path, operation)
        ids.append(operation["operationId"])
    assert len(ids) == len(set(ids)), ids
    assert {
        "offers_list",
        "offers_retrieve",
        "orders_create",
        "orders_pay",
        "redemptions_create",
        "auth_token",
        "me_retrieve",
    } <= set(ids)
    assert not any(i.startswith("v1_") for i in ids)


def test_every_refusal_is_documented_with_the_error_shape_and_its_codes(schema):
    error = schema["components"]["schemas"]["ErrorResponse"]
    assert set(error["required"]) == {"code", "detail"}
    assert error["properties"]["errors"]["type"] == "object"
    for method, path, operation in operations(schema):
        statuses = refusals(operation)
        assert any(400 <= s < 500 for s in statuses), (method, path)
        for status, codes in statuses.items():
            response = operation["responses"][str(status)]
            body = response["content"]["application/json"]["schema"]
            assert body == {"$ref": "#/components/schemas/ErrorResponse"}, (method, path, status)
            assert codes, (method, path, status, response["description"])
        if {} not in operation.get("security", [{}]):  # a login is needed
            assert "not_authenticated" in statuses[401], (method, path)
        if "{id}" in path:
            assert "not_found" in statuses[404], (method, path)
        if "requestBody" in operation:
            assert {"invalid", "invalid_json", "parse_error"} <= set(statuses[400]), (method, path)


def test_a_point_of_sale_app_learns_every_answer_of_a_redemption(schema):
    (operation,) = (o for m, p, o in operations(schema) if o["operationId"] == "redemptions_create")
    assert refusals(operation) == {
        400: ["invalid", "invalid_json", "parse_error", "malformed_code"],
        401: ["authentication_failed", "not_authenticated"],
        403: ["permission_denied", "not_your_merchant", "not_your_store"],
        404: ["unknown_code", "store_not_found"],
        409: [
            "already_redeemed",
            "voucher_expired",
            "voucher_refunded",
            "not_usable_at_store",
            "redemption_failed",
        ],
        415: ["unsupported_media_type"],
        429: ["too_many_attempts"],
    }


def test_throttled_and_anonymous_operations_say_so(schema):
    by_id = {o["operationId"]: o for _m, _p, o in operations(schema)}
    assert refusals(by_id["auth_token"])[429] == ["throttled", "locked_out"]
    assert refusals(by_id["auth_register"])[429] == ["throttled"]
    assert 401 not in refusals(by_id["auth_token"])  # no authentication there at all
    # Anyone may browse, but a bad token is refused even there.
    assert refusals(by_id["offers_list"]) == {
        400: ["invalid"],
        401: ["authentication_failed"],
        404: ["not_found", "city_not_found"],
    }


def docs_codes():
    """(code, status) of the table in docs/api.md's "Errors" section."""
    text = (ROOT / "docs" / "api.md").read_text().partition("\n## Errors")[2]
    rows = re.findall(r"^\| (`[a-z_]+`(?:, `[a-z_]+`)*) \| (\d{3}) \|", text, re.MULTILINE)
    assert rows, "no table of codes in docs/api.md"
    return {(code, int(status)) for codes, status in rows for code in re.findall(r"`(\w+)`", codes)}


# Answers of any address to a method or an Accept header it does not take:
# not one operation's, documented once in docs/api.md.
ANY_ADDRESS = {
    ("method_not_allowed", 405),
    ("not_acceptable", 406),
    ("request_too_large", 413),  # o2o.http.RequestSizeLimitMiddleware, before any view
}


def test_docs_list_exactly_the_codes_the_schema_gives(schema):
    in_schema = {
        (code, status)
        for _m, _p, operation in operations(schema)
        for status, codes in refusals(operation).items()
        for code in codes
    }
    documented = docs_codes()
    assert in_schema - documented == set(), "in the schema, missing from docs/api.md"
    assert documented - in_schema == ANY_ADDRESS, "in docs/api.md, given by no operation"


# The apps whose refusals a page or the API can show (the presentation apps
# raise some of their own, e.g. the dashboard's merchant switch).
SCANNED_APPS = (
    "o2o",
    "accounts",
    "merchants",
    "offers",
    "orders",
    "payments",
    "reviews",
    "rankings",
)
SCANNED_APPS += ("api", "dashboard", "moderation")  # presentation


def sources():
    for app in SCANNED_APPS:
        for source in (ROOT / app).rglob("*.py"):
            if "migrations" not in source.parts:
                yield ast.parse(source.read_text())


def raised_codes():
    """Every literal code a DomainError (or subclass) is raised with in the
    apps' code: `raise Conflict("sold_out", ...)`, `NotFound(*NOT_YOURS)`."""
    trees = list(sources())
    bases = {
        node.name: {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    names = {"DomainError"}
    while grown := {name for name, of in bases.items() if of & names} - names:
        names |= grown
    codes = set()
    # Module-level constants of every module: a refusal's (code, message)
    # pair may be imported from the app that owns it.
    constants = {
        target.id: node.value
        for tree in trees
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for tree in trees:
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func = node.func
            if (func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")) not in names:
                continue
            first = node.args[0]
            if isinstance(first, ast.Starred) and isinstance(first.value, ast.Name):
                first = constants[first.value.id].elts[0]
            # Django's and DRF's PermissionDenied take a message, not a code.
            if isinstance(first, ast.Constant) and re.fullmatch(r"[a-z_]+", str(first.value)):
                codes.add(first.value)
    return codes


# Codes only the web pages, the merchant dashboard, moderation, the admin or
# the payment provider's webhook can meet: no API operation reaches the
# services that raise them. A new code must land here or in docs/api.md.
NOT_IN_THE_API = {
    "admins_only",
    "already_merchant",
    # Photos: no API endpoint takes uploads yet (docs/api.md lists them apart).
    "image_too_large",
    "image_too_many_pixels",
    "image_unreadable",
    "image_unsupported",
    "merchant_not_found",  # the dashboard's merchant switch
    "payment_not_found",  # the development gateway's page
    "already_paid",
    "amount_mismatch",
    "bad_signature",
    "district_not_in_city",
    "business_area_not_in_district",  # stores are edited on the dashboard only
    "invalid_list_price",
    "invalid_price",
    "invalid_sale_window",
    "invalid_uses",
    "merchant_not_approved",
    "no_store",
    "offer_ended",
    "reason_required",
    "reason_too_long",  # hiding a review: moderation and the admin only
    "review_not_found",
    "role_not_allowed",
    "stock_below_sold",
    "too_many_images",
    # Merchants start their coupon campaigns on the dashboard only.
    "audience_not_allowed",
    "invalid_validity",
    "invalid_value",
    "too_many_addresses",  # an admin's coupon grant, in the admin only
}


def test_every_code_the_services_raise_is_documented_or_known_not_to_reach_the_api():
    documented = {code for code, _status in docs_codes()}
    raised = raised_codes()
    assert {"sold_out", "not_your_merchant", "too_many_attempts"} <= raised  # the scan works
    assert raised - documented == NOT_IN_THE_API
    assert NOT_IN_THE_API & documented == set()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/"),
        ("get", "/api/v1/"),
        ("get", "/api/v1/no-such-thing/"),
        ("get", "/api/v2/offers/"),
        ("get", "/api/v1/orders/abc/"),
        ("get", "/api/v1/offers/-1/"),
        ("post", "/api/v1/orders/-5/pay/"),
        ("delete", "/api/v1/nothing/here"),
    ],
)
def test_unknown_api_addresses_answer_the_api_json_404(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert response.json()["detail"]


def test_a_post_without_its_slash_is_told_the_address_and_a_read_is_redirected(client):
    response = client.post("/api/v1/orders", {"offer": 1, "quantity": 1})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert "/api/v1/orders/" in response.json()["detail"]
    redirected = client.get("/api/v1/offers?sort=price")
    assert redirected.status_code == 301
    assert redirected["Location"] == "/api/v1/offers/?sort=price"


def test_unknown_pages_outside_the_api_are_still_pages(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.django_db
def test_a_validation_refusal_says_invalid_in_the_callers_language(consumer):
    client = APIClient()
    client.force_authenticate(consumer)
    response = client.get("/api/v1/offers/", {"sort": "random"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"] != "Invalid input."
    assert "sort" in response.json()["errors"]


def test_errors_are_always_an_object_of_messages():
    response = exception_handler(exceptions.ValidationError("Not like that."), {})
    assert response is not None
    assert response.data["errors"] == {"non_field_errors": ["Not like that."]}
