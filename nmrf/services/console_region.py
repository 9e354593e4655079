"""A regional office's day across States: for a person whose console role covers several (or all) States,
everything late and due this week in each State's own calendar, one line per State, and the items of one
State when the office filters on it.

Who covers which States: the same person key holds a console role in each State's profile (a regional office
is listed in the profile of every State it follows). The queries are set-based across the States (one per
table, not one per State), so 193 States cost a few queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from nmrf.domain.progress import days_late
from nmrf.models import Cycle, Institution, Milestone, Person, RoleAssignment, State
from nmrf.services.console import OPEN, Item, departed_names, owners_of
from nmrf.services.console_auth import CONSOLE_ROLES

CHUNK = 900  # parameters per IN (SQLite's older limit is 999)


@dataclass
class StateLine:
    state: State
    today: date
    late: int = 0
    due_this_week: int = 0
    most_late: int = 0


@dataclass
class Region:
    lines: list[StateLine] = field(default_factory=list)
    chosen: State | None = None
    late: list[tuple[State, Item]] = field(default_factory=list)
    due_this_week: list[tuple[State, Item]] = field(default_factory=list)


def covered_states(*, session: Session, person: Person) -> list[State]:
    """The States in which this person's key holds a console role (active), by name."""
    ids = select(Person.state_id).join(RoleAssignment, RoleAssignment.person_id == Person.id).where(
        Person.key == person.key, Person.active, RoleAssignment.role.in_(CONSOLE_ROLES))  # type: ignore[attr-defined]
    return list(session.exec(select(State).where(State.id.in_(ids)).order_by(State.name)))  # type: ignore[union-attr]


def _chunks(ids: list[int]):  # type: ignore[no-untyped-def]
    for n in range(0, len(ids), CHUNK):
        yield ids[n:n + CHUNK]


def region_view(*, session: Session, states: list[State], now: datetime, state_code: str | None = None,
                limit: int = 200) -> Region:
    """One line per State (late, due this week, the most days late); the items of `state_code` if given
    (else the `limit` latest across all). Each State's today is its own timezone's."""
    todays = {s.id: now.astimezone(ZoneInfo(s.timezone)).date() for s in states}
    by_id = {s.id: s for s in states}
    region = Region(lines=[StateLine(state=s, today=todays[s.id]) for s in states])
    lines = {ln.state.id: ln for ln in region.lines}
    chosen = next((s for s in states if s.code == state_code), None) if state_code else None
    region.chosen = chosen
    # The columns the view shows only: a cycle's rules snapshot is large JSON (most of the time, if loaded).
    cycles = {c.id: c for c in session.exec(select(Cycle.id, Cycle.state_id, Cycle.title, Cycle.mechanism)  # type: ignore[call-overload]
                                            .where(Cycle.state_id.in_(list(by_id)), Cycle.status == "active"))}
    horizon = max(todays.values(), default=now.date()) + timedelta(days=7)
    # Plain rows (no ORM objects) filtered in SQL: across every State, the due-date index is the right walk.
    M = Milestone
    ms = session.exec(select(M.id, M.cycle_id, M.key, M.title, M.due_date, M.official_date, M.completion,  # type: ignore[call-overload]
                             M.track, M.institution_id, M.owner_role)
                      .join(Cycle, Cycle.id == M.cycle_id)
                      .where(Cycle.state_id.in_(list(by_id)), Cycle.status == "active",  # type: ignore[attr-defined]
                             M.status.in_(OPEN), M.kind == "deadline", M.due_date.is_not(None),  # type: ignore[attr-defined,union-attr]
                             M.due_date <= horizon)).all()  # type: ignore[operator]
    detail_states = {chosen.id} if chosen else set(by_id)
    need_detail = []
    for m in ms:
        sid = cycles[m.cycle_id].state_id
        today = todays[sid]
        if m.due_date > today + timedelta(days=7):  # type: ignore[operator]
            continue
        late = days_late(m.due_date, today) if m.completion == "person" else 0
        ln = lines[sid]
        if late > 0 and m.track:
            ln.late += 1
            ln.most_late = max(ln.most_late, late)
        elif m.due_date >= today:  # type: ignore[operator]
            ln.due_this_week += 1
        else:
            continue
        if sid in detail_states:
            need_detail.append((m, late))
    need_detail.sort(key=lambda x: (-x[1], x[0].due_date, x[0].id))
    need_detail = need_detail[:limit] if not chosen else need_detail
    if need_detail:
        sids = {cycles[m.cycle_id].state_id for m, _ in need_detail}
        holders: dict[int, dict[tuple[str, int | None], list[str]]] = {}
        for sid, role, inst_id, name in session.exec(
                select(Person.state_id, RoleAssignment.role, RoleAssignment.institution_id, Person.name)
                .join(Person, Person.id == RoleAssignment.person_id)
                .where(Person.state_id.in_(list(sids)), Person.active).order_by(Person.name)):  # type: ignore[attr-defined]
            h = holders.setdefault(sid, {})
            h.setdefault((role, inst_id), []).append(name)
            h.setdefault((role, None), []).append(name)
        inst_ids = list({m.institution_id for m, _ in need_detail if m.institution_id})
        insts: dict[int, Any] = {}
        for part in _chunks(inst_ids):
            insts.update({i.id: i.name for i in session.exec(select(Institution).where(Institution.id.in_(part)))})  # type: ignore[attr-defined]
        gone = departed_names(session, {m.cycle_id for m, _ in need_detail})
        for m, late in need_detail:
            c = cycles[m.cycle_id]
            st = by_id[c.state_id]
            item = Item(milestone_id=m.id, cycle_id=c.id, cycle_title=c.title, mechanism=c.mechanism,  # type: ignore[arg-type]
                        key=m.key, title=m.title, due=m.due_date, official=m.official_date is not None,
                        institution=insts.get(m.institution_id) if m.institution_id else None,
                        owners=owners_of(m, holders.get(c.state_id, {}), gone), days_late=late, holds_up=[])
            (region.late if late > 0 and m.track else region.due_this_week).append((st, item))
    return region
