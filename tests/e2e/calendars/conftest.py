"""The feed tests: every calendar serialised in a test is read by three parsers; the example profile
in English (tests/conftest.py)."""

import pytest
from sqlalchemy import Engine


@pytest.fixture(autouse=True)
def _every_feed_read_by_three_parsers(every_feed_read_by_three_parsers: list[bytes]) -> list[bytes]:
    return every_feed_read_by_three_parsers


@pytest.fixture
def loaded(loaded_in_english: Engine) -> Engine:
    return loaded_in_english
