"""The import rules, checked by import-linter with the contracts in pyproject.toml.

The card's folders (flows/, models/, calendars/, notifications/) live at the repository's root; the links
nmrf/flows -> ../flows (and the three others) let import-linter, which finds a package's modules by walking
its folder, see them as the subpackages they are once installed. So `lint-imports` runs in the repository
as it is; a rule broken on purpose is broken in a copy.
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


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` as a developer runs it, in `tree` (first on the path, so `nmrf` is that tree's)."""
    script = Path(sys.executable).parent / "lint-imports"
    env = {"PYTHONPATH": str(tree), "PATH": str(Path(sys.executable).parent), "NO_COLOR": "1",
           "COLUMNS": "200"}
    return subprocess.run([str(script), "pyproject.toml", "--no-cache"], cwd=tree, env=env,
                          capture_output=True, text=True, timeout=300)


def test_every_import_contract_is_kept_by_the_code_of_the_repository():
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    assert f"Contracts: {len(contracts)} kept, 0 broken." in run.stdout
    # The four folders at the root were analysed too: their modules are in the graph the contracts read.
    for package in ("nmrf.flows", "nmrf.models", "nmrf.calendars", "nmrf.notifications"):
        assert (ROOT / Path(*package.split(".")) / "__init__.py").exists()


def copy_of_the_package(into: Path) -> Path:
    """The package as installed (the links followed: nmrf/flows/... are real folders), with the contracts."""
    shutil.copytree(ROOT / "nmrf", into / "nmrf", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(PYPROJECT, into / "pyproject.toml")
    return into


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
    tree = copy_of_the_package(tmp_path)
    (tree / path).write_text(f'"""A module that breaks a rule on purpose."""\n\n{line}', encoding="utf-8")
    run = lint_imports(tree)
    assert run.returncode == 1, run.stdout + run.stderr
    assert contract in run.stdout
    assert reported in run.stdout
