"""The benchmarks app is benchmark-only: installed and routed only when
BENCHMARK_VIEWS is on, and then where benchmarks/run.sh calls it."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve, reverse

import o2o.urls
from benchmarks import views

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def remount(settings):
    """Rebuild the root URLs under the settings as the test leaves them."""
    original = settings.BENCHMARK_VIEWS

    def rebuild():
        importlib.reload(o2o.urls)
        clear_url_caches()

    yield rebuild
    with override_settings(BENCHMARK_VIEWS=original):
        rebuild()


def test_without_the_flag_no_benchmark_view_is_routed(settings, remount):
    settings.BENCHMARK_VIEWS = False
    remount()
    for path in ("/bench/ceiling/", "/bench/api-floor/", "/bench/redemption-upper-bound/"):
        with pytest.raises(Resolver404):
            resolve(path)


def test_with_the_flag_the_benchmark_views_answer_where_run_sh_calls_them(settings, remount):
    settings.BENCHMARK_VIEWS = True
    remount()
    assert resolve("/bench/ceiling/").func is views.ceiling
    assert resolve("/bench/api-floor/").func.view_class is views.ApiFloor  # type: ignore[attr-defined]
    assert resolve("/bench/redemption-upper-bound/").func is views.redemption_upper_bound
    assert reverse("bench-ceiling") == "/bench/ceiling/"
    assert reverse("bench-api-floor") == "/bench/api-floor/"


def installed_apps(**variables: str) -> list[str]:
    """INSTALLED_APPS as the local settings give them to a fresh process."""
    env = {k: v for k, v in os.environ.items() if k != "BENCHMARK_VIEWS"}
    env.update(DJANGO_SETTINGS_MODULE="o2o.settings.local", **variables)
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(*settings.INSTALLED_APPS)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_the_benchmarks_app_is_installed_only_when_the_benchmarks_ask():
    assert "benchmarks" not in installed_apps()
    assert "benchmarks" in installed_apps(BENCHMARK_VIEWS="True")
