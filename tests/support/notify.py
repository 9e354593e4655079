"""What the notification tests share: the example NMRF with its addresses pointed at local sinks,
a CEDAW cycle whose inputs are due on 2027-06-01, and helpers to sweep and record."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select

from nmrf.domain.clock import moment
from nmrf.models import Address, Cycle, Delivery, Notification
from nmrf.flows.sweep import run_sweep
from nmrf.models.db import session_scope
from nmrf.testing.sinks import HttpSink, SmtpSink
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services.cycles import launch_cycle, record_action
from nmrf.services.people import get_state
from nmrf.services.profiles import apply_profile
from nmrf.settings import Settings, get_settings
from tests.support.database import migrated_engine

TZ = "America/Santiago"
INPUT_DUE = date(2027, 6, 1)  # the CEDAW inputs of a report due 2027-10-01
CEDAW_DUE = date(2027, 10, 1)




def point_addresses(engine: Engine, smtp: SmtpSink | None, http: HttpSink | None) -> None:
    """Every mailto address to the SMTP sink (same recipient), every other to the HTTP sink."""
    with session_scope(engine, actor="test") as s:
        for a in s.execute(select(Address)).scalars():
            if a.url.startswith("mailto") and smtp is not None:
                a.url = smtp.url(a.url.split("to=")[1].split("&")[0])
            elif http is not None:
                a.url = http.url(f"/{a.person_id}/{a.label}")


def write_profile(tmp_path: Path, *, notifications: dict | None = None, edit=None) -> Path:
    data = yaml.safe_load(EXAMPLE_PROFILE.read_text(encoding="utf-8"))
    if notifications is not None:
        data["notifications"] = notifications
    if edit is not None:
        edit(data)
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def load(engine: Engine, profile: Path = EXAMPLE_PROFILE, when: date = date(2027, 3, 1)) -> None:
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(profile), now=moment(when, TZ)[1])


def launch_cedaw(engine: Engine, due: date = CEDAW_DUE, when: date = date(2027, 3, 1), reason: str | None = None) -> int:
    with session_scope(engine, actor="test") as s:
        state = get_state(session=s)
        return launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                            dates={"submission": due}, now=moment(when, TZ)[1], actor="test",
                            reason=reason).cycle.id


def record(engine: Engine, cycle_id: int, key: str, day: date, kind: str = "done", by: str | None = None,
           note: str = "") -> None:
    with session_scope(engine, actor="test") as s:
        record_action(session=s, cycle=s.get(Cycle, cycle_id), key=key, kind=kind, by=by, note=note,
                      now=moment(day, TZ)[1], actor="test")


def settings(**overrides: object) -> Settings:
    base = {"notify_timeout": 2.0, "notify_workers": 4}
    return get_settings(**(base | overrides))


def sweep(engine: Engine, day: date | None = None, *, now: datetime | None = None, **kw: object) -> dict:
    return run_sweep(engine=engine, settings=kw.pop("settings", None) or settings(), as_of=day, now=now, **kw)  # type: ignore[arg-type]


def at(day: date, hh: int, mm: int = 0, tz: str = TZ) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ZoneInfo(tz)).astimezone(UTC)


@dataclass
class World:
    engine: Engine
    cycle_id: int
    smtp: SmtpSink
    http: HttpSink


def make_world(db_url: str, smtp: SmtpSink, http: HttpSink, profile: Path = EXAMPLE_PROFILE) -> World:
    engine = migrated_engine(db_url)
    load(engine, profile)
    point_addresses(engine, smtp, http)
    cycle_id = launch_cedaw(engine)
    return World(engine, cycle_id, smtp, http)


def outbox(engine: Engine) -> list[tuple[Notification, list[Delivery]]]:
    with session_scope(engine, readonly=True) as s:
        out = []
        for n in s.execute(select(Notification).order_by(Notification.id)).scalars():
            ds = list(s.execute(select(Delivery).where(Delivery.notification_id == n.id)).scalars())
            s.expunge(n)
            for d in ds:
                s.expunge(d)
            out.append((n, ds))
        return out


def to_whom(engine: Engine) -> list[tuple[str, str, str]]:
    """(person key, kind, step) of every message, in order."""
    from nmrf.models import Person

    with session_scope(engine, readonly=True) as s:
        return [(s.get(Person, n.person_id).key, n.kind, n.step)
                for n in s.execute(select(Notification).order_by(Notification.id)).scalars()]
