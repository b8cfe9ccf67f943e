"""Browser tests: Playwright driving Debian's Chromium against a live server.

Nothing downloads a browser: Chromium comes from `apt-get install chromium`
(.ci/run installs it) and axe-core from npm (package.json). Without them
these tests skip and say why; under .ci/run (O2O_REQUIRE_SERVICES=1) that
skip is a failure (tests/ci_skips.py).
"""

import functools
import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A fake camera that needs no permission prompt, for the QR scanner.
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
]
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@functools.cache
def axe_source() -> str:
    """axe-core's script, read once; as statements, not a function for evaluate() to call."""
    return AXE.read_text() + "\n;true"


def _missing(what: str) -> None:
    pytest.skip(f"{what} is not installed here (see .ci/run)")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _missing("Debian's chromium")
    if not AXE.exists():
        _missing("axe-core (npm install)")
    # Playwright's sync API runs an event loop; the ORM calls around it are ours and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            yield chromium
            chromium.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class Visitor:
    """One person's browser: records requests to other hosts, axe findings and
    Content-Security-Policy violations (Chromium reports each on the console)."""

    def __init__(self, browser, base_url: str, name: str) -> None:
        self.base_url = base_url
        self.name = name
        self.foreign: list[str] = []
        self.accessibility: list[str] = []
        self.csp_violations: list[str] = []
        self.context = browser.new_context(viewport=MOBILE, base_url=base_url)
        self.context.route("**/*", self._only_this_site)
        self.page = self.context.new_page()
        self.page.on("dialog", lambda dialog: dialog.accept())
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_violations.append(f"{self.page.url}: {message.text}")

    def _only_this_site(self, route) -> None:
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost", None) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def go(self, path: str) -> None:
        self.page.goto(path)

    def shoot(self, step: str) -> None:
        """Screenshots at phone and laptop sizes (CI artifacts)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for label, size in (("390x844", MOBILE), ("1280x800", DESKTOP)):
            self.page.set_viewport_size(size)
            self.page.screenshot(
                path=str(SCREENSHOTS / f"{self.name}-{step}-{label}.png"), full_page=True
            )
        self.page.set_viewport_size(MOBILE)

    def check_accessibility(self, where: str) -> None:
        # Evaluated through the DevTools protocol, which the page's CSP does
        # not govern: a <script> tag of axe's source would be an inline script.
        self.page.evaluate(axe_source())
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                self.accessibility.append(f"{where}: {violation['id']} {targets}")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visitor(browser, live_server):
    made: list[Visitor] = []

    def make(name: str) -> Visitor:
        person = Visitor(browser, live_server.url, name)
        made.append(person)
        return person

    yield make
    for person in made:
        person.close()
    # Every journey fails on a CSP violation: a blocked script or style is a
    # page that does not work, and a policy that does not hold.
    violations = [v for person in made for v in person.csp_violations]
    assert violations == [], violations
