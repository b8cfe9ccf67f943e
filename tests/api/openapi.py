"""Reading the API's OpenAPI schema as a client generator would."""

import re
from collections.abc import Iterator
from typing import Any

from django.test import Client

CODE = re.compile(r"`([a-z_]+)`")
METHODS = ("get", "post", "put", "patch", "delete")


def fetch_schema() -> dict[str, Any]:
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200, response.content
    return response.json()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def documented_codes(response: dict[str, Any]) -> list[str]:
    """The codes a refusal's description lists: "Conflict. `code` is one of: `a`, `b`."."""
    return CODE.findall(response.get("description", "").partition("`code`")[2])
