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
    finally:
        gc.unfreeze()
