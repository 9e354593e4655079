"""The outbox on PostgreSQL: concurrent sweeps create each message once and send it once.

Needs NMRF_TEST_POSTGRES_URL (a server where we may create databases), e.g.
postgresql+psycopg://postgres@127.0.0.1/postgres; each test makes its own notify_* database.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import date

import pytest
from tests.support.notify import make_world, sweep
from sqlalchemy import select

from nmrf.models import Delivery, Notification
from nmrf.models.db import make_engine, session_scope

URL = os.environ.get("NMRF_TEST_POSTGRES_URL")
pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(not URL, reason="set NMRF_TEST_POSTGRES_URL to run against PostgreSQL")]


@pytest.fixture
def pg_url(fresh_pg_url: str) -> str:
    return fresh_pg_url


def test_four_sweeps_at_once_on_postgresql_create_and_send_each_message_once(pg_url, smtp, http):
    w = make_world(pg_url, smtp, http)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run() -> None:
        engine = make_engine(pg_url)
        try:
            barrier.wait()
            results.append(sweep(engine, date(2027, 6, 15)))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with session_scope(w.engine, readonly=True) as s:
        keys = s.execute(select(Delivery.idempotency_key)).scalars().all()
        statuses = set(s.execute(select(Delivery.status)).scalars())
        created = s.execute(select(Notification.id)).scalars().all()
    assert statuses == {"sent"}
    # Each message created by exactly one sweep: the reminders and escalations (a digest counts among those
    # created; what it lists is recorded, not sent) and what the stages that opened send (the requests).
    assert sum(r["stage_messages"] for r in results) > 0
    assert sum(r["created"] + r["digested"] + r["stage_messages"] for r in results) == len(created)
    received = Counter([m.message_id.strip("<>").split("@")[0] for m in smtp.mails] + http.keys())
    assert sorted(received) == sorted(keys)
    assert set(received.values()) == {1}
