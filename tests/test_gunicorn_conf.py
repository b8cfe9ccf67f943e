"""The production web server's settings file (gunicorn.conf.py)."""

import gc
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_gunicorn_accepts_the_settings_file() -> None:
    # A hook with the wrong signature or a typo stops every worker from
    # booting; gunicorn checks the file and loads the app, then exits.
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--check-config", "o2o.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_workers_freeze_what_they_loaded_so_full_collections_stay_short() -> None:
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        conf["post_worker_init"](None)
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # the framework, the apps and every view
        assert len(gc.get_objects()) < frozen  # a full collection skips them
        # The search's dictionaries are loaded: no shopper's first search waits for them.
        from offers import words

        assert words._jieba is not None
        assert words.pinyin.cache_info().currsize > 0
    finally:
        gc.unfreeze()


def test_forwarded_headers_are_believed_only_from_loopback_by_default(monkeypatch) -> None:
    # "*" let any client claim HTTPS with X-Forwarded-Proto; gunicorn's own
    # default trusts the machine itself, and a deployment names its proxy.
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_the_load_balancers_addresses_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.0/8")
    done = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "o2o.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    resolved = [line for line in done.stdout.splitlines() if line.startswith("forwarded_allow_ips")]
    assert resolved == [f"{'forwarded_allow_ips':<35}= ['10.0.0.0/8']"]
