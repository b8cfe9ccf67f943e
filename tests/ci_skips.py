"""On CI a skipped test is a failed test.

The tests that need PostgreSQL (races, row locks), Redis
(the Celery worker, view counters) or Chromium and axe-core (the browser
journeys) skip elsewhere and say why. `.ci/run` provides all of them and sets
O2O_REQUIRE_SERVICES=1: then any skip, whatever raised it (`pytest.skip`, a
`skipif` mark, a fixture, a module-level skip), is reported as a failure that
names the test and the reason, so a service missing on CI cannot let the
suite pass with those tests unrun. An expected failure (xfail) stays one.

Loaded by tests/conftest.py (`pytest_plugins`); tests/test_ci_skips.py runs
it in a pytest of its own.
"""

import os
from collections.abc import Generator

import pytest

ENV = "O2O_REQUIRE_SERVICES"


def services_required() -> bool:
    return os.environ.get(ENV, "").strip() not in ("", "0")


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def _fail(report: pytest.TestReport | pytest.CollectReport, nodeid: str) -> None:
    report.outcome = "failed"
    report.longrepr = (
        f"{nodeid} was skipped, and skips fail when {ENV}=1 (.ci/run): {_reason(report)}\n"
        "CI provides PostgreSQL, Redis, Chromium and axe-core, so every test must run there."
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if services_required() and report.skipped and not hasattr(report, "wasxfail"):
        _fail(report, item.nodeid)
    return report


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(
    collector: pytest.Collector,
) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    report = yield
    if services_required() and report.skipped:
        _fail(report, collector.nodeid)
    return report
