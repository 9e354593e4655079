"""The alert that the sweep has gone silent, to each State's secretariat, through the outbox.

Prefect's server notices the silence (nmrf/prefect_automation.py) and runs the sweep-alert
flow; this module decides the words and the key and writes the messages like any
other: a Notification per member of the secretariat, a Delivery per address, sent
with a lease and recorded. The key counts silence windows from the last successful
sweep, so a trigger that fires twice in one window sends once, and a silence that
lasts gets one alert per window.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select, true
from sqlmodel import Session

from nmrf.domain.i18n import reader_language
from nmrf.models import Notification, Person, RoleAssignment, State
from nmrf.models.db import session_scope
from nmrf.notifications.compose import reference
from nmrf.notifications.delivery import deliver_due
from nmrf.notifications.messages import duration, render
from nmrf.notifications.direct import write_direct
from nmrf.settings import Settings

ROLES = ("secretariat", "head_of_secretariat")
N = Notification.__table__


def silence_window(*, last_success: datetime | None, now: datetime, window_seconds: float) -> str:
    """Which silence window `now` falls in: the same string for every trigger within one window.

    Counted from the last successful sweep (window 1 is the first hour without one); with
    no sweep ever, from the epoch.
    """
    start = last_success or datetime(1970, 1, 1, tzinfo=UTC)
    n = max(1, math.floor((now - start).total_seconds() / window_seconds))
    since = last_success.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ") if last_success else "never"
    return f"{since}#{n}"


def duration_text(seconds: float) -> str:
    """1 h 05 min, 12 min, 40 s: readable in English, Spanish and French alike."""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    hours, minutes = divmod(seconds // 60, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def compose_alert(*, language: str, timezone: str, secretariat: str, last_success: datetime | None,
                  now: datetime, window_seconds: float, dedup_key: str) -> tuple[str, str]:
    """(subject, body) in the recipient's language, times in their zone. Pure."""
    silent = (now - last_success).total_seconds() if last_success else window_seconds
    shown = (last_success.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z") if last_success else None)
    return render("alert", language, {"silent_for": duration(silent, language), "last_success": shown,
                                      "secretariat": secretariat}, ref=reference(dedup_key))


def write_alerts(*, session: Session, now: datetime, last_success: datetime | None,
                 window_seconds: float) -> list[int]:
    """The alert to every active member of each State's secretariat; returns the ids of the
    alert messages of this window still to send (created now or by an earlier trigger)."""
    P, R, S = Person.__table__, RoleAssignment.__table__, State.__table__
    window = silence_window(last_success=last_success, now=now, window_seconds=window_seconds)
    people = session.execute(
        select(P.c.id, P.c.state_id, P.c.language, P.c.timezone, S.c.code, S.c.secretariat,
               S.c.language.label("state_language"))
        .select_from(P.join(S, S.c.id == P.c.state_id))
        .where(P.c.active == true(), P.c.id.in_(select(R.c.person_id).where(R.c.role.in_(ROLES))))
        .order_by(P.c.id)).all()
    keys = []
    for p in people:
        key = f"alert:sweep-silent:{window}:p{p.id}"
        keys.append(key)
        # A language without a catalog (wo) reads the State's before English.
        subject, body = compose_alert(language=reader_language(p.language, p.state_language), timezone=p.timezone,
                                      secretariat=p.secretariat,
                                      last_success=last_success, now=now, window_seconds=window_seconds,
                                      dedup_key=key)
        # Urgent and through quiet hours: while the sweep is silent, nobody is reminded of anything.
        # Nothing new when an earlier trigger of this window wrote it (the same key).
        write_direct(session=session, state_id=p.state_id, state_code=p.code, person_id=p.id,
                     language=p.language, dedup_key=key, kind="alert", step="sweep-silent", subject=subject,
                     body=body, data={"kind": "alert", "alert": "sweep-silent", "window": window}, urgent=True,
                     through_quiet_hours=True, now=now)
    if not keys:
        return []
    return list(session.execute(select(N.c.id).where(N.c.dedup_key.in_(keys), N.c.status == "pending")).scalars())


def alert_sweep_silent(*, engine: Engine, settings: Settings, last_success: datetime | None,
                       window_seconds: float, now: datetime | None = None) -> dict[str, Any]:
    """Write this window's alerts and send them (and nothing else); counts."""
    now = now or datetime.now(UTC)
    with session_scope(engine, actor="nmrf") as s:
        ids = write_alerts(session=s, now=now, last_success=last_success, window_seconds=window_seconds)
    counts = deliver_due(engine=engine, now=now, settings=settings, only=ids) if ids else None
    return {"window": silence_window(last_success=last_success, now=now, window_seconds=window_seconds),
            "messages": len(ids), **(counts.as_dict() if counts else {"sent": 0, "failed": 0})}
