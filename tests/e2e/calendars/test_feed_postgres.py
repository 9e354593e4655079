"""The same feeds from PostgreSQL (needs NMRF_TEST_POSTGRES_URL, e.g. postgresql+psycopg://postgres@127.0.0.1/postgres)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from tests.support.feed_worlds import NOW, Clock, issue, launch_world

from nmrf.calendars.publishing import FeedPublisher
from nmrf.models import Cycle
from nmrf.models.db import make_engine, session_scope, upgrade_schema
from nmrf.services.cycles import set_official_date
from tests.conftest import load_example

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_engine(fresh_pg_url: str) -> Iterator[Engine]:
    engine = make_engine(fresh_pg_url)
    yield engine
    engine.dispose()


def test_feeds_are_served_and_revalidated_from_postgresql(pg_engine: Engine) -> None:
    upgrade_schema(pg_engine)
    load_example(pg_engine, language="en")  # English readers: the assertions read the English texts
    world = launch_world(pg_engine)
    token = issue(pg_engine, "jorge-nunez")
    clock = Clock(NOW)
    publisher = FeedPublisher(pg_engine, clock=clock)
    first = publisher.get(token)
    assert first is not None and first.events > 0
    assert b"Focal-point coordination meeting" in first.body  # an audience match, through the JSON text
    assert publisher.get(token) is first  # from the cache while nothing changed
    with session_scope(pg_engine, actor="test") as s:
        set_official_date(session=s, cycle=s.get(Cycle, world.cedaw), key="input:health",
                          day=NOW.date() + timedelta(days=100), source="note", now=NOW, actor="test")
    clock.moment = NOW + timedelta(minutes=1)
    second = publisher.get(token)
    assert second is not None and second.etag != first.etag
    assert second.last_modified > first.last_modified
