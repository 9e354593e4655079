"""The annual workplan read from the database: obligations, cycles, milestones, meetings, actions,
pledges and costs of a year, as the plain facts nmrf.domain.workplan builds from.

Confidential cycles (individual communications, the SPT) are left out: a workplan is
circulated to the members and may be published.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from nmrf.calendars.series import recurrence_of
from nmrf.domain.i18n import N_, Said
from nmrf.domain.recurrence import occurrences
from nmrf.domain.wording import CycleTitle
from nmrf.domain.workplan import Cost, Entry, Workplan, build_workplan
from nmrf.models import (
    CostItem,
    Cycle,
    FollowUpAction,
    Institution,
    Meeting,
    MeetingSeries,
    Milestone,
    Person,
    Pledge,
    RoleAssignment,
    State,
)
from nmrf.services.inventory import state_inventory

NMRF_WIDE = {"secretariat": "secretariat", "head_of_secretariat": "secretariat", "nhri_contact": "nhri",
             "cso_contact": "cso"}


class _Directory:
    """Who holds which role where, and the institutions' names."""

    def __init__(self, session: Session, state: State) -> None:
        self.names = {i.id: i.name for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
        kinds = {i.id: i.kind for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
        self.secretariat_id = next((i for i, k in kinds.items() if k == "secretariat"), None)
        self.first_of_kind = {}
        for i, k in kinds.items():
            self.first_of_kind.setdefault(k, i)
        self.holders: dict[tuple[str, int | None], list[str]] = defaultdict(list)
        rows = session.exec(select(RoleAssignment.role, RoleAssignment.institution_id, Person.name, Person.institution_id)
                            .join(Person, Person.id == RoleAssignment.person_id)
                            .where(Person.state_id == state.id, Person.active).order_by(Person.name))
        for role, inst, name, own in rows:
            self.holders[(role, inst if inst is not None else own)].append(name)
            self.holders[(role, None)].append(name)

    @property
    def secretariat(self) -> str:
        return self.names.get(self.secretariat_id, "Secretariat")  # type: ignore[arg-type]

    def responsible(self, role: str | None, institution_id: int | None) -> tuple[str, str]:
        """(institution name, people's names) answering for an item owed by `role` at `institution_id`."""
        if institution_id is None and role in NMRF_WIDE:
            institution_id = self.first_of_kind.get(NMRF_WIDE[role])
        if institution_id is None:
            institution_id = self.secretariat_id
        people = self.holders.get((role or "secretariat", institution_id)) or self.holders.get(
            (role or "secretariat", None), [])
        return self.names.get(institution_id, self.secretariat), ", ".join(dict.fromkeys(people))  # type: ignore[arg-type]


def workplan_facts(*, session: Session, state: State, year: int, today: date) -> tuple[list[Entry], list[Cost]]:
    first, last = date(year, 1, 1), date(year, 12, 31)
    d = _Directory(session, state)
    head = d.responsible("head_of_secretariat", None)

    def said_cycle(c: Cycle) -> CycleTitle:
        return CycleTitle(c.title, c.template, c.mechanism, c.reference, state.name, state.names)

    entries: list[Entry] = []
    years = max(1, year - today.year + 1)
    for ob, cycle in state_inventory(session=session, state=state, today=today, years=years):
        if ob.due is not None and first <= ob.due <= last:
            entries.append(Entry(key=f"obligation:{ob.mechanism}:{ob.template}:{ob.due}", kind="obligation",
                                 day=ob.due, title=ob.title, reference=ob.mechanism, institution=head[0],
                                 person=head[1], status=ob.status, title_said=ob.title_said))
    cycles = {c.id: c for c in session.exec(select(Cycle).where(Cycle.state_id == state.id,
                                                                Cycle.confidential == False))}  # noqa: E712
    action_of = {a.milestone_id: a for a in session.exec(
        select(FollowUpAction).where(FollowUpAction.cycle_id.in_(list(cycles) or [-1])))}  # type: ignore[attr-defined]
    milestone_target: dict[int, str] = {}
    first_day: dict[int, date] = {}
    if cycles:
        for m in session.exec(select(Milestone).where(Milestone.cycle_id.in_(list(cycles)),  # type: ignore[attr-defined]
                                                      Milestone.due_date >= first, Milestone.due_date <= last,  # type: ignore[operator]
                                                      Milestone.confidential == False)):  # noqa: E712
            cycle = cycles[m.cycle_id]
            assert m.due_date is not None
            first_day[cycle.id] = min(first_day.get(cycle.id, m.due_date), m.due_date)
            action = action_of.get(m.id)
            if action is not None:
                inst, people = d.responsible("focal_point", action.institution_id)
                key = f"action:{action.id}"
                entries.append(Entry(key=key, kind="action", day=m.due_date, title=action.title,
                                     reference=cycle.title, institution=inst, person=people, status=action.status,
                                     reference_said=said_cycle(cycle)))
            else:
                inst, people = d.responsible(m.owner_role, m.institution_id)
                key = f"milestone:{m.id}"
                entries.append(Entry(key=key, kind="meeting" if m.kind == "meeting" else "milestone", day=m.due_date,
                                     title=m.title, reference=f"{cycle.mechanism}: {cycle.title}", institution=inst,
                                     person=people, status=m.status, title_said=Said(m.title),
                                     reference_said=Said.of(N_("%(mechanism)s: %(cycle)s"),
                                                            mechanism=cycle.mechanism, cycle=said_cycle(cycle))))
            milestone_target[m.id] = key
    for cid, day in first_day.items():
        c = cycles[cid]
        entries.append(Entry(key=f"cycle:{cid}", kind="cycle", day=day, title=c.title, reference=c.mechanism,
                             institution=d.secretariat, person=d.responsible("secretariat", None)[1], status=c.status,
                             title_said=said_cycle(c)))
    lo = datetime.combine(first - timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo("UTC"))
    hi = datetime.combine(last + timedelta(days=1), datetime.max.time(), tzinfo=ZoneInfo("UTC"))
    for mt in session.exec(select(Meeting).where(Meeting.state_id == state.id, Meeting.starts_at >= lo,
                                                 Meeting.starts_at <= hi)):
        if mt.cycle_id is not None and mt.cycle_id not in cycles:
            continue
        day = mt.starts_at.astimezone(ZoneInfo(mt.timezone)).date()
        entries.append(Entry(key=f"meeting:{mt.key}", kind="meeting", day=day, title=mt.title, reference=mt.kind,
                             institution=head[0], person=head[1], status=mt.status))
    series_days: dict[int, list[date]] = {}
    for sr in session.exec(select(MeetingSeries).where(MeetingSeries.state_id == state.id)):
        rec = recurrence_of(session=session, series=sr)
        days = [day for day, _, _ in occurrences(rec, first=first, last=last)]
        series_days[sr.id] = days  # type: ignore[index]
        for day in days:
            entries.append(Entry(key=f"series:{sr.key}:{day}", kind="meeting", day=day, title=sr.title,
                                 reference=f"{sr.kind}, {sr.frequency.replace('_', ' ')}", institution=head[0],
                                 person=head[1], status=sr.status,
                                 reference_said=Said.of(N_("%(kind)s, %(every)s"), kind=sr.kind,
                                                        every=Said(sr.frequency.replace("_", " ")))))
    for p in session.exec(select(Pledge).where(Pledge.state_id == state.id, Pledge.made_on >= first,
                                               Pledge.made_on <= last)):
        inst, people = d.responsible("focal_point", p.institution_id)
        entries.append(Entry(key=f"pledge:{p.id}", kind="pledge", day=p.made_on, title=p.text[:300],
                             reference=p.mechanism, institution=inst, person=people, status=p.status))
    series_key = {s.id: s.key for s in session.exec(select(MeetingSeries).where(MeetingSeries.state_id == state.id))}
    meeting_key = {m.id: m.key for m in session.exec(select(Meeting).where(Meeting.state_id == state.id))}
    costs = []
    for c in session.exec(select(CostItem).where(CostItem.state_id == state.id, CostItem.falls_on >= first,
                                                 CostItem.falls_on <= last)):
        if c.milestone_id is not None:
            target = milestone_target.get(c.milestone_id, "")
        elif c.meeting_id is not None:
            target = f"meeting:{meeting_key.get(c.meeting_id)}"
        elif c.series_id is not None:
            target = f"series:{series_key.get(c.series_id)}:{c.falls_on}"
        else:
            target = f"cycle:{c.cycle_id}" if c.cycle_id in cycles else ""
        costs.append(Cost(amount=c.amount, currency=c.currency, budget_line=c.budget_line, basis=c.basis,
                          description=c.description, falls_on=c.falls_on, target=target))
    return entries, costs


def state_workplan(*, session: Session, state: State, year: int, today: date) -> Workplan:
    entries, costs = workplan_facts(session=session, state=state, year=year, today=today)
    d = _Directory(session, state)
    return build_workplan(state=state.name, year=year, today=today, entries=entries, costs=costs,
                          secretariat=d.secretariat, budget_lines=(state.budget or {}).get("lines", {}))
