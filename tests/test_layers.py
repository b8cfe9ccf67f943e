"""The apps' layers (README "Architecture in a page", pyproject.toml
[tool.importlinter]) hold, and the check has teeth: an import up the layers,
between two presentation apps or round a cycle in one app fails it, hidden in
a function or not."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", "--no-logo"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_apps_keep_their_layers():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_app_is_in_the_layers(settings):
    """An app left out of the contracts could import anything."""
    apps = {app for app in settings.INSTALLED_APPS if (ROOT / app / "__init__.py").exists()}
    assert apps == set(CONFIG["root_packages"])
    (layers,) = (c["layers"] for c in CONFIG["contracts"] if c["type"] == "layers")
    assert {name.strip() for layer in layers for name in layer.split("|")} == apps


@pytest.fixture
def project(tmp_path):
    """A copy of the apps and the contracts, to break."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for app in CONFIG["root_packages"]:
        shutil.copytree(ROOT / app, tmp_path / app, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


HIDDEN = "\n\ndef _hidden():\n    import {module}  # noqa\n\n    return {module}\n"


@pytest.mark.parametrize(
    ("importer", "imported", "refusal"),
    [
        ("o2o/health.py", "merchants.selectors", "o2o is not allowed to import merchants"),
        ("accounts/services.py", "orders.models", "accounts is not allowed to import orders"),
        ("merchants/selectors.py", "offers.models", "merchants is not allowed to import offers"),
        ("orders/codes.py", "payments.models", "orders is not allowed to import payments"),
        ("reviews/selectors.py", "api.reviews", "reviews is not allowed to import api"),
        (
            "dashboard/views.py",
            "storefront.offer_views",
            "dashboard is not allowed to import storefront",
        ),
        ("api/offers.py", "demo.images", "api is not allowed to import demo"),
        ("o2o/errors.py", "o2o.http", "No cycles are allowed in o2o"),
    ],
)
def test_an_import_against_the_layers_fails_the_check_even_inside_a_function(
    project, importer, imported, refusal
):
    module = project / importer
    module.write_text(module.read_text() + HIDDEN.format(module=imported))
    result = lint_imports(project)
    assert result.returncode == 1
    assert refusal in result.stdout
