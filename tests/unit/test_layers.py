"""The import rules, checked by import-linter with the contracts in pyproject.toml.

The card's folders (flows/, models/, calendars/, notifications/) live at the repository's
root and install as nmrf.flows and the rest; import-linter finds a package's modules in
its folder, so each check runs on a copy laid out as the wheel installs it (nmrf/flows/...,
the mapping read from pyproject.toml's [tool.setuptools.package-dir]).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.support.paths import ROOT  # noqa: E402
PYPROJECT = ROOT / "pyproject.toml"


def installed_layout(into: Path) -> Path:
    """A copy of the package as the wheel lays it out, with the contracts beside it."""
    mapping = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / mapping["nmrf"], into / "nmrf", ignore=ignore)
    for package, folder in sorted(mapping.items()):
        if package != "nmrf":
            shutil.copytree(ROOT / folder, into / Path(*package.split(".")), ignore=ignore)
    shutil.copy(PYPROJECT, into / "pyproject.toml")
    return into


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` as a developer runs it, on `tree` (first on the path, so `nmrf` is the copy)."""
    script = Path(sys.executable).parent / "lint-imports"
    env = {"PYTHONPATH": str(tree), "PATH": str(Path(sys.executable).parent), "NO_COLOR": "1",
           "COLUMNS": "200"}
    return subprocess.run([str(script), "pyproject.toml", "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300)


def test_every_import_contract_is_kept_by_the_code_as_installed(tmp_path):
    run = lint_imports(installed_layout(tmp_path))
    assert run.returncode == 0, run.stdout + run.stderr
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    assert f"Contracts: {len(contracts)} kept, 0 broken." in run.stdout
    # The copy held every folder: the four at the root were analysed too.
    for package in ("nmrf.flows", "nmrf.models", "nmrf.calendars", "nmrf.notifications"):
        assert (tmp_path / Path(*package.split(".")) / "__init__.py").exists()


VIOLATIONS = [
    # (module added, its import, the contract that must break, the line import-linter must print)
    ("nmrf/calendars/leak.py", "from nmrf.notifications.addresses import redact\n",
     "calendars and notifications never import each other BROKEN",
     "nmrf.calendars.leak -> nmrf.notifications.addresses"),
    ("nmrf/domain/leak.py", "from sqlmodel import Session\n",
     "The domain is pure: no database, no network, no transport, no tables BROKEN",
     "nmrf.domain.leak -> sqlmodel"),
    ("nmrf/models/leak.py", "from nmrf.services.people import get_state\n",
     "The models import no other layer BROKEN", "nmrf.models.leak -> nmrf.services.people"),
    ("nmrf/flows/leak.py", "from sqlalchemy import select\n",
     "Flows only orchestrate: no SQL, no date arithmetic BROKEN", "nmrf.flows.leak -> sqlalchemy"),
    ("nmrf/services/leak.py", "import apprise\n",
     "Only notifications imports apprise BROKEN", "nmrf.services.leak -> apprise"),
]


@pytest.mark.parametrize("path, line, contract, reported", VIOLATIONS, ids=[v[0] for v in VIOLATIONS])
def test_one_import_against_the_rules_breaks_its_contract_and_is_named(tmp_path, path, line, contract, reported):
    tree = installed_layout(tmp_path)
    (tree / path).write_text(f'"""A module that breaks a rule on purpose."""\n\n{line}', encoding="utf-8")
    run = lint_imports(tree)
    assert run.returncode == 1, run.stdout + run.stderr
    assert contract in run.stdout
    assert reported in run.stdout
