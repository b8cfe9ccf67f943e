"""On CI a skip is a failure (tests/ci_skips.py), tried in a pytest of its own."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .ci_skips import ENV

ROOT = Path(__file__).resolve().parent.parent

SAMPLE = """
import pytest

def test_runs():
    pass

def test_needs_redis():
    pytest.skip("needs Redis (.ci/run sets REDIS_URL)")

@pytest.mark.skipif(True, reason="PostgreSQL's statement")
def test_marked_for_postgresql():
    pass

@pytest.fixture
def browser():
    pytest.skip("Debian's chromium is not installed here")

def test_in_a_browser(browser):
    pass

@pytest.mark.xfail(reason="a known bug")
def test_known_bug():
    assert False
"""

SKIPPED_MODULE = """
import pytest

pytest.skip("needs PostgreSQL", allow_module_level=True)

def test_never_collected():
    pass
"""


def run_pytest(tmp_path: Path, *, required: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "test_skipped_module.py").write_text(SKIPPED_MODULE)
    env = {key: value for key, value in os.environ.items() if key != ENV}
    if required:
        env[ENV] = "1"
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.ci_skips",
            "-p",
            "no:django",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--continue-on-collection-errors",
            "-rA",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_where_services_are_required_every_skip_fails_naming_the_test_and_reason(tmp_path):
    result = run_pytest(tmp_path, required=True)
    out = result.stdout
    assert result.returncode == 1, out
    for test, reason in [
        ("test_needs_redis", "needs Redis (.ci/run sets REDIS_URL)"),
        ("test_marked_for_postgresql", "PostgreSQL's statement"),
        ("test_in_a_browser", "Debian's chromium is not installed here"),
    ]:
        assert f"{test} was skipped, and skips fail when {ENV}=1 (.ci/run): {reason}" in out
    # A skip in the call fails the test; one in its setup (a mark, a fixture)
    # or at collection is reported by pytest as an error: either fails the run.
    unrun = [line.split()[1] for line in out.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    assert sorted(unrun) == [
        "test_sample.py::test_in_a_browser",
        "test_sample.py::test_marked_for_postgresql",
        "test_sample.py::test_needs_redis",
        "test_skipped_module.py",
    ]
    assert "test_skipped_module.py was skipped, and skips fail" in out
    assert "PASSED test_sample.py::test_runs" in out
    assert "XFAIL test_sample.py::test_known_bug" in out
    assert "SKIPPED" not in out


def test_elsewhere_the_same_tests_skip_and_say_why(tmp_path):
    result = run_pytest(tmp_path, required=False)
    out = result.stdout
    assert result.returncode == 0, out
    assert "SKIPPED [1] test_sample.py:8: needs Redis (.ci/run sets REDIS_URL)" in out
    assert "FAILED" not in out
    assert "ERROR" not in out


def test_the_suite_loads_the_hook_and_ci_requires_the_services(request):
    assert request.config.pluginmanager.has_plugin("tests.ci_skips")
    ci = (ROOT / ".ci" / "run").read_text()
    assert f"export {ENV}=1" in ci


@pytest.mark.parametrize("value", ["", "0"])
def test_an_empty_or_zero_setting_requires_nothing(monkeypatch, value):
    from .ci_skips import services_required

    monkeypatch.setenv(ENV, value)
    assert not services_required()
    monkeypatch.setenv(ENV, "1")
    assert services_required()
