"""The `nmrf` command in this process (typer's CliRunner), as the integration tests run it."""

from __future__ import annotations

from typer.testing import CliRunner

from nmrf.cli.app import app

runner = CliRunner()


def nmrf(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)
