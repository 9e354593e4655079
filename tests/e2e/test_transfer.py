"""Moving a working NMRF from SQLite to PostgreSQL with `nmrf db migrate`: everything, or nothing.

Needs NMRF_TEST_POSTGRES_URL (each test copies into a new database of its own).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.support.notify import make_world, record, sweep
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from nmrf.calendars.links import Subject, issue_link
from nmrf.cli.app import app
from nmrf.errors import NmrfError
from nmrf.domain.clock import moment
from nmrf.models import Cycle, CycleEvent, Milestone, Notification, Record
from nmrf.models.db import make_engine, session_scope, upgrade_schema
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services.cycles import advance_cycle, launch_cycle, record_action
from nmrf.services.people import get_person, get_state
from nmrf.services.profiles import apply_profile
from nmrf.services.recommendations import import_recommendations
from nmrf.services.transfer import copy_database, count_rows, tables
from tests.conftest import NOW, at
from tests.support.paths import UHRI as UHRI_CSV

pytestmark = pytest.mark.postgres
UHRI = UHRI_CSV
SANTIAGO = "America/Santiago"


def nmrf(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def with_password(url: str) -> str:
    # The server trusts local connections: the password is accepted and ignored, and must never be shown.
    return url.replace("postgres@", "postgres:s3cret-pw@", 1)


def every_row(engine: Engine) -> dict[str, list[dict]]:
    with engine.connect() as conn:
        return {t.name: [dict(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns)).mappings()]
                for t in tables()}


def launch(engine: Engine, mechanism: str, template: str, dates: dict, when: date) -> int:
    with session_scope(engine, actor="test") as s:
        return launch_cycle(session=s, state=get_state(session=s), template=template, mechanism=mechanism,
                            dates=dates, now=moment(when, SANTIAGO)[1], actor="test").cycle.id


def advance(engine: Engine, cycle_id: int, day: date) -> list[str]:
    with session_scope(engine, actor="test") as s:
        return [e.kind for e in advance_cycle(session=s, cycle=s.get(Cycle, cycle_id), today=day, now=at(day))]


@pytest.fixture
def working(db_url, smtp, http):
    """A SQLite NMRF after months of work: cycles (one launched by another), records, reminders,
    escalations and a digest sent to local sinks, imported recommendations, a feed link."""
    w = make_world(db_url, smtp, http)
    for i, mech in enumerate(("CCPR", "CESCR", "CAT")):  # more inputs due the same week: a digest
        launch(w.engine, mech, "periodic_report", {"submission": date(2027, 10, 1) + timedelta(days=i)},
               date(2027, 3, 1))
    sweep(w.engine, date(2027, 5, 18))
    record(w.engine, w.cycle_id, "input:health", date(2027, 5, 20))
    with session_scope(w.engine) as s:
        for m in s.execute(select(Milestone).where(Milestone.key == "input:labour")).scalars():
            m.status = "open"
    sweep(w.engine, date(2027, 5, 31))
    sweep(w.engine, date(2027, 6, 2))
    upr = launch(w.engine, "UPR", "upr_review", {"review": date(2027, 11, 8)}, date(2027, 3, 1))
    assert "follow_up_launched" in advance(w.engine, upr, date(2028, 3, 8))
    with session_scope(w.engine, actor="test") as s:
        state = get_state(session=s)
        import_recommendations(session=s, data=UHRI.read_bytes(), file_name=UHRI.name, fmt="uhri", now=NOW,
                               actor="test", states=[state])
        issue_link(session=s, subject=Subject("person", get_person(session=s, state=state, key="jorge-nunez")),
                   now=NOW, actor="test")
    return w


def test_a_working_nmrf_moves_to_postgresql_whole_and_carries_on_there(working, fresh_pg_url, smtp):
    source = every_row(working.engine)
    for table in ("cycle_event", "record", "audit_entry", "notification_delivery", "delivery_attempt",
                  "escalation_chain", "recommendation", "feed_link", "cycle_sweep"):
        assert source[table], f"the fixture left {table} empty: the comparison would prove nothing there"
    assert any(c["parent_id"] for c in source["cycle"]) and any(n["digest_id"] for n in source["notification"])

    code, out = nmrf("db", "migrate", "--to", with_password(fresh_pg_url), "--chunk", "50")
    assert code == 0, out
    assert "every table has as many rows as in the source" in out and "s3cret-pw" not in out and "***" in out
    pg = make_engine(fresh_pg_url)
    try:
        assert every_row(pg) == source  # table by table, row by row, ids included
        # Work goes on there: new rows get new ids (the sequences were moved past the copied ones).
        with session_scope(pg, readonly=True) as s:
            before = {m: s.execute(select(func.max(m.id))).scalar_one() for m in (Cycle, CycleEvent, Record,
                                                                                   Notification)}
        assert advance(pg, working.cycle_id, date(2027, 8, 10)) == ["missed", "took_place"]
        with session_scope(pg, actor="clerk") as s:
            rec = record_action(session=s, cycle=s.get(Cycle, working.cycle_id), key="input:labour", kind="done",
                                now=at(date(2027, 6, 11)), actor="clerk")
        new_cycle = launch(pg, "CRC", "periodic_report", {"submission": date(2028, 3, 1)}, date(2027, 6, 11))
        n_mails = len(smtp.mails)
        sweep(pg, date(2027, 6, 15))
        with session_scope(pg, readonly=True) as s:
            after = {m: s.execute(select(func.max(m.id))).scalar_one() for m in before}
        assert rec.id > before[Record] and new_cycle > before[Cycle]
        assert after[CycleEvent] > before[CycleEvent] and after[Notification] > before[Notification]
        assert len(smtp.mails) > n_mails
    finally:
        pg.dispose()


def test_a_bad_or_busy_target_is_refused_clearly_and_nothing_is_written(loaded, db_url, fresh_pg_url):
    for target, says in [
        ("not a url", "is not a database URL"),
        ("mysql://root:s3cret-pw@127.0.0.1/nmrf", "is not a database nmrf runs on"),
        ("postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:1/nmrf", "127.0.0.1:1/nmrf"),
        (db_url, "is the database nmrf uses now"),
    ]:
        code, out = nmrf("db", "migrate", "--to", target)
        assert code == 2 and says in out and "Nothing was changed." in out, out
        assert "s3cret-pw" not in out and "Traceback" not in out
    busy = make_engine(fresh_pg_url)
    try:
        upgrade_schema(busy)
        with session_scope(busy, actor="someone") as s:
            apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=NOW)
        before = every_row(busy)
        code, out = nmrf("db", "migrate", "--to", with_password(fresh_pg_url))
        assert code == 2 and "already holds data:" in out and "state (1 row)," in out and "s3cret-pw" not in out, out
        assert every_row(busy) == before
    finally:
        busy.dispose()


def test_an_nmrf_that_writes_during_the_copy_leaves_nothing_in_the_target(loaded, fresh_pg_url):
    cycle_id = launch(loaded, "CEDAW", "periodic_report", {"submission": date(2027, 10, 1)}, date(2027, 3, 1))

    def someone_records(table: str, _rows: int) -> None:
        if table == "state":  # while the copy runs, the secretariat records an input
            with session_scope(loaded, actor="clerk") as s:
                record_action(session=s, cycle=s.get(Cycle, cycle_id), key="input:health", kind="comment",
                              note="figures follow", now=NOW, actor="clerk")

    target = make_engine(fresh_pg_url)
    try:
        with pytest.raises(NmrfError, match=r"kept writing during the copy: .*record \(0 -> 1\)"):
            copy_database(source=loaded, target=target, chunk_size=7, progress=someone_records)
        with target.connect() as conn:
            assert {t.name: count_rows(conn=conn, table=t) for t in tables()} == {t.name: 0 for t in tables()}
    finally:
        target.dispose()
