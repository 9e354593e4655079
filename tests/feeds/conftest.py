"""Fixtures of the feed tests.

Every calendar serialised during a test (by the builder, the server or the
export) is collected and, at the end of the test, read by icalendar,
vobject and ical.js, which must agree; its lines must end in CRLF and be
folded at 75 octets.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parsers import assert_parsers_agree  # noqa: E402
from worlds import World, launch_world  # noqa: E402


@pytest.fixture(autouse=True)
def every_feed_read_by_three_parsers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bytes]]:
    # Every calendar serialised in the test, wherever (builder, server thread, export).
    from icalendar import Calendar

    produced: list[bytes] = []
    original = Calendar.to_ical

    def recording(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        body = original(self, *args, **kwargs)
        produced.append(body)
        return body

    monkeypatch.setattr(Calendar, "to_ical", recording)
    yield produced
    monkeypatch.undo()
    unique = list(dict.fromkeys(produced))
    if unique:
        assert_parsers_agree(unique)


@pytest.fixture
def world(loaded: Engine) -> World:
    """The example profile (Chile) with a CEDAW periodic report and a UPR review launched."""
    return launch_world(loaded)




@pytest.fixture
def loaded(engine: Engine) -> Engine:
    """The example profile with English as every reader's language: these tests are about who sees what
    and how feeds are served and parsed, with the English texts they assert; feeds in each reader's own
    language are tested in tests/test_i18n_renderings.py."""
    from nmrf.models.db import session_scope
    from nmrf.profile import EXAMPLE_PROFILE, load_profile
    from nmrf.services.profiles import apply_profile
    from tests.conftest import NOW

    profile = load_profile(EXAMPLE_PROFILE)
    profile.state.language = "en"
    for person in profile.people:
        person.language = "en"
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=profile, now=NOW)
    return engine
