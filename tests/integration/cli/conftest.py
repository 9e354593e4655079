"""Fixtures of the command-line tests."""

import pytest

from nmrf.profile import EXAMPLE_PROFILE
from tests.support.cli import nmrf


@pytest.fixture
def initialised(db_url: str) -> str:
    """`nmrf init` with the example profile, as a secretariat starts."""
    result = nmrf("init", "--profile", str(EXAMPLE_PROFILE))
    assert result.exit_code == 0, result.output
    assert "Chile (CL): profile loaded: " in result.output
    return db_url
