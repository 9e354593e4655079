"""The `nmrf` command in this process (typer's CliRunner), as the integration tests run it."""

from __future__ import annotations

from typer.testing import CliRunner

from nmrf.cli.app import app

runner = CliRunner()


def nmrf(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


# A person whose environment names no language: the command line speaks English to them unless told otherwise.
NO_LANGUAGE = {"LANGUAGE": None, "LC_ALL": None, "LC_MESSAGES": None, "LANG": "C.UTF-8", "NMRF_ACTOR": None,
               "NMRF_LANG": None}


def nmrf_for(*args: str, **env: str | None):  # type: ignore[no-untyped-def]
    """`nmrf` run for a person with no language of their own, plus `env` (LANG=fr_FR.UTF-8, COLUMNS=300...)."""
    return runner.invoke(app, list(args), env={**NO_LANGUAGE, **env}, catch_exceptions=False)


def table_column(output: str, n: int) -> str:
    """The text of a table's n-th column (from 0), its wrapped lines joined: what a person reads down it."""
    cells = [line.split("│")[n + 1].strip() for line in output.splitlines() if line.startswith("│")]
    return " ".join(c for c in cells if c)
