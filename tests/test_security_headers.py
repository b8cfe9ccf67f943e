"""Content-Security-Policy and Permissions-Policy: defence in depth behind
template escaping. The browser journeys (tests/e2e) fail on any violation;
these check the headers and the templates without a browser."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", ["/", "/deals/", "/accounts/login/", "/api/v1/offers/"])
def test_pages_and_the_api_carry_a_policy_of_this_site_only(client, offer, path):
    response = client.get(path)
    assert response.status_code == 200
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["form-action"] == ["'self'"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_a_page_served_whole_from_the_cache_carries_the_policy_too(client, offer):
    client.get("/")  # built and kept whole for anonymous visitors
    assert policy(client.get("/"))["script-src"] == ["'self'"]


def test_powerful_features_are_off_but_the_camera_and_location_for_our_pages(client):
    features = dict(
        item.split("=", 1) for item in client.get("/")["Permissions-Policy"].split(", ")
    )
    assert features["camera"] == "(self)"  # the redeem page scans voucher QR codes
    assert features["geolocation"] == "(self)"  # "near me", planned
    for denied in ("microphone", "payment", "usb", "display-capture", "browsing-topics"):
        assert features[denied] == "()"


INLINE = [
    (re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"<style[\s>]", re.IGNORECASE), "a <style> element"),
    (re.compile(r"\sstyle=", re.IGNORECASE), "a style attribute"),
    (re.compile(r"\son[a-z]+=", re.IGNORECASE), "an inline event handler"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """The policy allows neither (no nonce: cached pages would keep a stale one)."""
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{template.relative_to(TEMPLATES)}:{line}: {what}")
    assert found == []


def test_the_api_docs_load_their_start_up_script_from_the_site(client):
    page = client.get("/api/docs/")
    html = page.content.decode()
    assert page.status_code == 200
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert "<style" not in html
    script = client.get("/api/docs/", {"script": ""})
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()
