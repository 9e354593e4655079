"""The feed tests: every calendar serialised in a test is read by three parsers (tests/conftest.py)."""

import pytest


@pytest.fixture(autouse=True)
def _every_feed_read_by_three_parsers(every_feed_read_by_three_parsers: list[bytes]) -> list[bytes]:
    return every_feed_read_by_three_parsers
