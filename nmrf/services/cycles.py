"""Reporting cycles in the database: launch, official dates, records, and advancing.

Every function is idempotent where a flow calls it (launching the same cycle
twice returns the first; advancing twice on the same day changes nothing) and
refuses, changing nothing, where a person's input is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from nmrf.domain.dates import Offset
from nmrf.domain.planning import Moved, Participant, PlannedMilestone, compress_late, missing_anchors, plan_cycle
from nmrf.domain.progress import MilestoneState, Step, next_steps
from nmrf.domain.review_calendars import upr_dates
from nmrf.domain.rules import ROLE_NAMES, Catalogue, Mechanism, Template, load_catalogue
from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError
from nmrf.models.audit import audit_inserts
from nmrf.models import (
    CLOSED_STATUSES,
    Cycle,
    CycleEvent,
    CycleInstitution,
    CycleMember,
    Institution,
    Milestone,
    Person,
    Record,
    RoleAssignment,
    State,
)
from nmrf.domain.reference import upr_calendar
from nmrf.services.people import get_person, holds, owners, work_calendar

# Institution kinds asked for inputs unless a cycle names its own participants.
DEFAULT_PARTICIPANT_KINDS = ("ministry", "statistics_office", "judiciary", "parliament", "other")


@dataclass(frozen=True)
class Launched:
    cycle: Cycle
    created: bool
    # Internal dates a late launch compressed (planned -> now), to be said at launch.
    compressed: list[Moved] = field(default_factory=list)


# ---------------------------------------------------------------- launching

def cycle_key(mechanism: str, template: str, anchors: Mapping[str, date], reference: str | None) -> str:
    if reference:
        return f"{mechanism}/{template}/{reference}"
    parts = ",".join(f"{k}={v.isoformat()}" for k, v in sorted(anchors.items()))
    return f"{mechanism}/{template}/{parts}"


def participants(*, session: Session, state: State, mechanism: str,
                 only: Sequence[str] | None = None) -> list[tuple[Institution, Participant]]:
    """Institutions taking part: those named, or every active contributor to the mechanism."""
    insts = list(session.exec(select(Institution).where(Institution.state_id == state.id, Institution.active)
                              .order_by(Institution.key)))
    if only:
        known = {i.key: i for i in insts}
        missing = [k for k in only if k not in known]
        if missing:
            raise NmrfError(f"unknown or inactive institution(s): {', '.join(missing)}; known: {', '.join(known)}")
        insts = [known[k] for k in only]
    else:
        insts = [i for i in insts if i.kind in DEFAULT_PARTICIPANT_KINDS
                 and (not i.contributes_to or mechanism in i.contributes_to)]
    roles: dict[int, set[str]] = {}
    rows = session.exec(select(RoleAssignment.institution_id, RoleAssignment.role)
                        .join(Person, Person.id == RoleAssignment.person_id)
                        .where(Person.state_id == state.id, Person.active))
    for inst_id, role in rows:
        if inst_id is not None:
            roles.setdefault(inst_id, set()).add(role)
    return [(i, Participant(key=i.key, name=i.name, kind=i.kind, roles=frozenset(roles.get(i.id, ()))))
            for i in insts]


# Templates that are one obligation: the next report to a committee, whichever procedure.
REPORT_TEMPLATES = frozenset({"initial_report", "periodic_report", "simplified_report",
                              "regional_periodic_report", "additional_information"})


def same_obligation(*, session: Session, state: State, mechanism: str, template: str) -> list[Cycle]:
    """Active cycles, launched without a reference, that answer the same obligation as `template`."""
    family = REPORT_TEMPLATES if template in REPORT_TEMPLATES else frozenset({template})
    return list(session.exec(select(Cycle).where(
        Cycle.state_id == state.id, Cycle.mechanism == mechanism, Cycle.status == "active",
        Cycle.template.in_(family), Cycle.reference.is_(None), Cycle.parent_id.is_(None))  # type: ignore[attr-defined,union-attr]
        .order_by(Cycle.id)))


def _snapshot(template: Template, mechanism: Mechanism, lead_times: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "template": template.model_dump(mode="json", by_alias=True, exclude_defaults=True),
        "mechanism": mechanism.model_dump(mode="json", by_alias=True, exclude_defaults=True),
        "lead_times": dict(lead_times),
    }


def rules_of(cycle: Cycle) -> tuple[Template, Mechanism, dict[str, Offset]]:
    """The template, mechanism and lead times the cycle was launched with (its snapshot, not today's catalogue)."""
    snap = cycle.rules_snapshot
    return (Template.model_validate(snap["template"]), Mechanism.model_validate(snap["mechanism"]),
            {k: Offset.model_validate(v) for k, v in snap.get("lead_times", {}).items()})


def launch_cycle(
    *,
    session: Session,
    state: State,
    template: str,
    mechanism: str,
    dates: Mapping[str, date],
    now: datetime,
    actor: str,
    sources: Mapping[str, str] | None = None,
    reference: str | None = None,
    institutions: Sequence[str] | None = None,
    members: Sequence[str] | None = None,
    parent: Cycle | None = None,
    catalogue: Catalogue | None = None,
    reason: str | None = None,
) -> Launched:
    """Launch a cycle, or return the one already launched for the same obligation and dates.

    A second cycle for an obligation that already has one running (another UPR review, a
    second periodic report to the same committee) is refused unless `reason` says why.
    """
    catalogue = catalogue or load_catalogue()
    try:
        mech = catalogue.mechanism(mechanism)
        tpl = catalogue.template(template)
    except KeyError as exc:
        raise NmrfError(str(exc.args[0])) from None
    if template not in mech.templates:
        raise NmrfError(f"{mechanism} has no {template!r} cycle; its templates: {', '.join(mech.templates)}"
                        + (f" ({mech.note})" if mech.note else ""))
    keys = {m.key for m in tpl.milestones}
    unknown = [k for k in dates if k.split(":")[0] not in keys]
    if unknown:
        raise NmrfError(f"unknown milestone(s) {', '.join(unknown)} for {template}; known: {', '.join(sorted(keys))}")
    if mechanism == "UPR" and template == "upr_review":
        # OHCHR's published calendar: the State's session and its deadlines, as official dates
        # with their source; dates given at launch win, and beyond the calendar the rules apply.
        published = upr_dates(upr_calendar(), state=state.code, given=dates, today=now.date())
        dates = {**published.dates, **dates}
        sources = {**published.sources, **(sources or {})}
    missing = missing_anchors(tpl, dates)
    if missing:
        raise NmrfError(f"{template} needs the official date of: {', '.join(missing)} "
                        f"(e.g. --date {missing[0]}=YYYY-MM-DD)")
    if tpl.confidential and not reference:
        raise NmrfError(f"{template} is confidential: give the mechanism's reference (--reference)")
    anchors = {k: v for k, v in dates.items() if k in {m.key for m in tpl.milestones if m.anchor}}
    key = cycle_key(mechanism, template, anchors, reference)
    existing = session.exec(select(Cycle).where(Cycle.state_id == state.id, Cycle.key == key)).first()
    if existing is not None:
        return Launched(existing, False)
    running = [] if (parent is not None or reference) else same_obligation(
        session=session, state=state, mechanism=mechanism, template=template)
    if running and not (reason or "").strip():
        listed = "; ".join(f"#{c.id} {c.title} ({c.template}, {c.key})" for c in running)
        raise NmrfError(f"this obligation to {mechanism} already has a cycle running for {state.code}: {listed}. "
                        "Close or cancel it first, or say why a second one is needed (--reason)")

    parts = participants(session=session, state=state, mechanism=mechanism, only=institutions)
    lead_times = {k: Offset.model_validate(v) for k, v in state.lead_times.items()}
    plan = plan_cycle(tpl, mech, officials=dates, participants=[p for _, p in parts],
                      calendar=work_calendar(state), timezone=state.timezone, lead_times=lead_times,
                      sources=sources)
    # Launched after its first internal lead times: what is left is compressed up to the next UN deadline
    # (never before today; UN and official dates untouched), and said at launch.
    today = now.astimezone(ZoneInfo(state.timezone)).date()
    plan, moved = compress_late(plan, today=today, calendar=work_calendar(state), timezone=state.timezone)
    title = tpl.title.format(state=state.name, mechanism=mechanism, reference=reference or "")
    cycle = Cycle(state_id=state.id, key=key, template=template, mechanism=mechanism, flow=tpl.flow,
                  title=title, template_version=catalogue.version, confidential=tpl.confidential,
                  parent_id=parent.id if parent else None, reference=reference,
                  rules_snapshot=_snapshot(tpl, mech, state.lead_times), created_at=now, updated_at=now)
    session.add(cycle)
    session.flush()
    if running:
        _insert_event(session, cycle_id=cycle.id, milestone_id=None, kind="launched_alongside",
                      dedup_key=f"{cycle.id}::launched_alongside:0", on_date=now.date(), at=now,
                      detail={"reason": reason.strip(), "running": [c.id for c in running]})  # type: ignore[union-attr]
    inst_ids = {i.key: i.id for i, _ in parts}
    links = [dict(cycle_id=cycle.id, institution_id=inst.id) for inst, _ in parts]
    if links:
        stmt = insert(CycleInstitution).returning(CycleInstitution.id, sort_by_parameter_order=True)
        ids = session.execute(stmt, links).scalars().all()
        audit_inserts(session, CycleInstitution, list(zip(ids, links, strict=True)))
    for person_key in members or ():
        person = get_person(session=session, state=state, key=person_key)
        session.add(CycleMember(cycle_id=cycle.id, person_id=person.id))
    # One bulk INSERT for the milestones (a cycle has 10 to 50): the ORM unit of
    # work costs 0.3 ms a row here, which launching 193 States' cycles feels.
    rows = [_milestone_row(cycle, p, inst_ids, now, (sources or {}).get(p.key)) for p in plan]
    # Ids in the order of `rows` (PostgreSQL's batched RETURNING does not promise it otherwise).
    stmt = insert(Milestone).returning(Milestone.id, sort_by_parameter_order=True)
    ids = session.execute(stmt, rows).scalars().all()
    audit_inserts(session, Milestone, list(zip(ids, rows, strict=True)))
    if moved:
        _insert_event(session, cycle_id=cycle.id, milestone_id=None, kind="compressed",
                      dedup_key=f"{cycle.id}::compressed:0", on_date=today, at=now,
                      detail={"moved": [{"key": m.key, "planned": m.planned.isoformat(), "now": m.now.isoformat()}
                                        for m in moved]})
    return Launched(cycle, True, moved)


def _milestone_row(cycle: Cycle, p: PlannedMilestone, inst_ids: Mapping[str, int], now: datetime,
                   official_source: str | None) -> dict[str, Any]:
    return dict(
        cycle_id=cycle.id, key=p.key, template_key=p.template_key, stage=p.stage, title=p.title,
        description=p.description, kind=p.kind, side=p.side, owner_role=p.owner_role,
        institution_id=inst_ids.get(p.institution_key) if p.institution_key else None,
        completion=p.completion, track=p.track, confidential=cycle.confidential,
        depends_on=list(p.depends_on), waits_for=list(p.waits_for), computed_date=p.computed_date,
        official_date=p.official_date, official_source=official_source if p.official_date else None,
        due_date=p.due_date, opens_on=p.opens_on, starts_at=p.starts_at, ends_at=p.ends_at,
        timezone=p.timezone, audience_roles=list(p.audience_roles), word_limit=p.word_limit,
        source=p.source, verified=p.verified, status="planned", sequence=0, created_at=now, updated_at=now,
        completed_at=None, completed_by_id=None, completed_actor=None, location=None,
    )


# ---------------------------------------------------------------- reading

def get_cycle(*, session: Session, state: State, ref: str | int) -> Cycle:
    """A cycle by number or key."""
    q = select(Cycle).where(Cycle.state_id == state.id)
    cycle = None
    if isinstance(ref, int) or str(ref).isdigit():
        cycle = session.exec(q.where(Cycle.id == int(ref))).first()
    if cycle is None:
        cycle = session.exec(q.where(Cycle.key == str(ref))).first()
    if cycle is None:
        # Name the active cycles: a mistyped number is then seen at once.
        known = [f"#{c.id} {c.mechanism}" for c in session.exec(
            select(Cycle).where(Cycle.state_id == state.id, Cycle.status == "active").order_by(Cycle.id))]
        if known:
            raise NmrfError.said(N_("no cycle %(ref)s for %(state)s (active: %(cycles)s): %(command)s shows them"),
                                 ref=repr(ref), state=state.code, cycles=", ".join(known),
                                 command="`nmrf cycle list`")
        raise NmrfError.said(N_("no cycle %(ref)s for %(state)s (none is active): %(command)s shows them"),
                             ref=repr(ref), state=state.code, command="`nmrf cycle list`")
    return cycle


def milestones_of(*, session: Session, cycle: Cycle, fresh: bool = False) -> list[Milestone]:
    """The cycle's milestones by due date; `fresh` overwrites objects the session already holds."""
    q = (select(Milestone).where(Milestone.cycle_id == cycle.id)
         .order_by(Milestone.due_date.is_(None), Milestone.due_date, Milestone.id))  # type: ignore[union-attr]
    if fresh:
        q = q.execution_options(populate_existing=True)
    return list(session.exec(q))


def get_milestone(*, session: Session, cycle: Cycle, key: str) -> Milestone:
    m = session.exec(select(Milestone).where(Milestone.cycle_id == cycle.id, Milestone.key == key)).first()
    if m is None:
        keys = [x.key for x in milestones_of(session=session, cycle=cycle)]
        raise NmrfError.said(N_("cycle %(id)s has no milestone %(key)s; its milestones: %(keys)s"), id=cycle.id,
                             key=repr(key), keys=", ".join(keys))
    return m


# ---------------------------------------------------------------- official dates

def set_official_date(*, session: Session, cycle: Cycle, key: str, day: date, source: str,
                      now: datetime, actor: str) -> list[Milestone]:
    """Record an official date and re-plan every milestone that counts from it.

    Returns the milestones whose date moved. Closed milestones keep their date.
    """
    if not source.strip():
        raise NmrfError("an official date needs its source (the document or notice that set it): --source")
    tpl_keys = {m.key for m in rules_of(cycle)[0].milestones}
    targets = [m for m in milestones_of(session=session, cycle=cycle)
               if m.key == key or (key in tpl_keys and m.template_key == key)]
    if not targets:
        get_milestone(session=session, cycle=cycle, key=key)  # raises with the list of keys
    for m in targets:
        if m.is_closed:
            raise NmrfError(f"{m.key} is already {m.status}; its date cannot change (reopen it first)")
        m.official_date, m.official_source = day, source
    return replan(session=session, cycle=cycle, now=now, actor=actor, reason=f"official date for {key}: {source}")


def replan(*, session: Session, cycle: Cycle, now: datetime, actor: str, reason: str) -> list[Milestone]:
    template, mechanism, lead_times = rules_of(cycle)
    state = session.get(State, cycle.state_id)
    ms = milestones_of(session=session, cycle=cycle)
    officials = {m.key: m.official_date for m in ms if m.official_date is not None}
    # Every institution the cycle was launched with, holding every role: the
    # plan may then name milestones the cycle lacks, and those are ignored.
    parts = [Participant(key=i.key, name=i.name, kind=i.kind, roles=frozenset(ROLE_NAMES))
             for i in session.exec(select(Institution).join(
                 CycleInstitution, CycleInstitution.institution_id == Institution.id)
                 .where(CycleInstitution.cycle_id == cycle.id))]
    plan = {p.key: p for p in plan_cycle(template, mechanism, officials=officials, participants=parts,
                                         calendar=work_calendar(state), timezone=state.timezone,
                                         lead_times=lead_times)}
    moved = []
    for m in ms:
        p = plan.get(m.key)
        if p is None and not m.is_closed and m.official_date and m.official_date != m.due_date:
            # A milestone added after launch (a follow-up action) has no rule:
            # an official date set on it is simply its date.
            moved.append(m)
            session.add(Record(cycle_id=cycle.id, milestone_id=m.id, kind="redated", actor=actor, at=now,
                               note=reason, data={"before": m.due_date.isoformat() if m.due_date else None,
                                                  "after": m.official_date.isoformat()}))
            m.due_date = m.official_date
            m.sequence += 1
            m.updated_at = now
            continue
        if p is None or m.is_closed:
            continue
        before = m.due_date
        changes = dict(computed_date=p.computed_date, due_date=p.due_date, opens_on=p.opens_on,
                       starts_at=p.starts_at, ends_at=p.ends_at, timezone=p.timezone)
        if any(getattr(m, k) != v for k, v in changes.items()):
            for k, v in changes.items():
                setattr(m, k, v)
            m.sequence += 1
            m.updated_at = now
            if before != m.due_date:
                moved.append(m)
                session.add(Record(cycle_id=cycle.id, milestone_id=m.id, kind="redated", actor=actor, at=now,
                                   note=reason, data={"before": before.isoformat() if before else None,
                                                      "after": m.due_date.isoformat() if m.due_date else None}))
    cycle.updated_at = now
    session.flush()
    return moved


# ---------------------------------------------------------------- milestones added after launch

def add_milestone(*, session: Session, cycle: Cycle, key: str, template_key: str, stage: str, title: str,
                  due_date: date, now: datetime, description: str = "", owner_role: str | None = None,
                  institution_id: int | None = None, side: str = "internal", source: str = "") -> Milestone:
    """Add a deadline to a running cycle (an action of a follow-up plan).

    A completed cycle becomes active again: it has something left to do.
    """
    if session.exec(select(Milestone).where(Milestone.cycle_id == cycle.id, Milestone.key == key)).first():
        raise NmrfError(f"cycle {cycle.id} already has a milestone {key!r}")
    if owner_role is not None and owner_role not in ROLE_NAMES:
        raise NmrfError(f"unknown role {owner_role!r}; expected one of {', '.join(ROLE_NAMES)}")
    m = Milestone(cycle_id=cycle.id, key=key, template_key=template_key, stage=stage, title=title[:300],
                  description=description[:4000], kind="deadline", side=side, owner_role=owner_role,
                  institution_id=institution_id, completion="person", track=True, confidential=cycle.confidential,
                  computed_date=due_date, due_date=due_date, source=source[:500], verified=True,
                  created_at=now, updated_at=now)
    session.add(m)
    if cycle.status != "active":
        cycle.status, cycle.completed_at = "active", None
    cycle.updated_at = now
    session.flush()
    return m


def update_milestone(*, session: Session, milestone: Milestone, now: datetime, actor: str, reason: str,
                     due_date: date | None = None, title: str | None = None, description: str | None = None,
                     institution_id: int | None = None) -> bool:
    """Change what people see of a milestone added after launch; True when something changed.

    Every visible change raises `sequence` and sets `updated_at` (feeds and
    escalation chains follow it); a new due date is also kept as a "redated" record.
    """
    if milestone.is_closed and due_date is not None and due_date != milestone.due_date:
        raise NmrfError(f"{milestone.key} is already {milestone.status}; its date cannot change (reopen it first)")
    before = milestone.due_date
    changes: dict[str, Any] = {}
    if due_date is not None and due_date != milestone.due_date:
        changes.update(due_date=due_date, computed_date=due_date)
    if title is not None and title[:300] != milestone.title:
        changes["title"] = title[:300]
    if description is not None and description[:4000] != milestone.description:
        changes["description"] = description[:4000]
    if institution_id is not None and institution_id != milestone.institution_id:
        changes["institution_id"] = institution_id
    if not changes:
        return False
    for k, v in changes.items():
        setattr(milestone, k, v)
    milestone.sequence += 1
    milestone.updated_at = now
    if "due_date" in changes:
        session.add(Record(cycle_id=milestone.cycle_id, milestone_id=milestone.id, kind="redated", actor=actor,
                           at=now, note=reason, data={"before": before.isoformat() if before else None,
                                                      "after": due_date.isoformat() if due_date else None}))
    cycle = session.get(Cycle, milestone.cycle_id)
    if cycle is not None:
        cycle.updated_at = now
    session.flush()
    return True


# ---------------------------------------------------------------- records

RECORD_KINDS = ("done", "waived", "comment", "reopened", "cancelled")


def record_action(*, session: Session, cycle: Cycle, key: str, kind: str, now: datetime, actor: str,
                  by: str | None = None, note: str = "", data: Mapping[str, Any] | None = None) -> Record:
    """Record what a person did. Append-only: an earlier record is never overwritten."""
    if kind not in RECORD_KINDS:
        raise NmrfError(f"unknown record kind {kind!r}; expected one of {', '.join(RECORD_KINDS)}")
    state = session.get(State, cycle.state_id)
    m = get_milestone(session=session, cycle=cycle, key=key)
    person: Person | None = None
    if by:
        person = get_person(session=session, state=state, key=by)
    if kind == "done":
        if m.is_closed:
            raise NmrfError(f"{m.key} was already recorded {m.status} by {m.completed_actor or 'the system'}"
                            f" on {m.completed_at:%Y-%m-%d}; nothing changed" if m.completed_at else
                            f"{m.key} is already {m.status}; nothing changed")
        if m.completion != "person":
            raise NmrfError(f"{m.key} is completed by the {'engine' if m.completion == 'system' else 'calendar'}, "
                            "not by a record")
        if person is not None and m.owner_role and not holds(session=session, person=person, role=m.owner_role,
                                                             institution_id=m.institution_id):
            expected = ", ".join(p.key for p in owners(session=session, state_id=state.id, milestone=m)) or "nobody"
            raise NmrfError(f"{person.key} does not hold the role {m.owner_role} for this milestone "
                            f"(owed by: {expected})")
    if kind in ("waived", "cancelled") and m.is_closed:
        raise NmrfError.said(N_("%(key)s is already %(status)s; nothing changed"), key=m.key, status=m.status)
    if kind in ("waived", "cancelled", "reopened") and not note.strip():
        raise NmrfError.said(N_("say why with --note: a %(kind)s milestone needs a reason"), kind=kind)
    if kind == "reopened" and not m.is_closed:
        raise NmrfError.said(N_("%(key)s is not closed (%(status)s); nothing to reopen"), key=m.key, status=m.status)

    if kind in ("done", "waived", "cancelled"):
        m.status = kind
        m.completed_at, m.completed_by_id = now, person.id if person else None
        m.completed_actor = (person.name if person else actor)
        m.sequence += 1
        m.updated_at = now
    elif kind == "reopened":
        m.status, m.completed_at, m.completed_by_id, m.completed_actor = "open", None, None, None
        m.sequence += 1
        m.updated_at = now
    rec = Record(cycle_id=cycle.id, milestone_id=m.id, kind=kind, person_id=person.id if person else None,
                 actor=actor, at=now, note=note, data=dict(data or {}))
    session.add(rec)
    cycle.updated_at = now
    session.flush()
    return rec


# ---------------------------------------------------------------- advancing

def _insert_event(session: Session, **values: Any) -> bool:
    """Insert an event once: a second attempt with the same dedup_key does nothing."""
    table = CycleEvent.__table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(table).values(**values).on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(table.c.id))
    # RETURNING, not rowcount: drivers disagree on rowcount after ON CONFLICT DO NOTHING.
    return session.execute(stmt).first() is not None


def milestone_states(ms: Sequence[Milestone], missed: set[tuple[int, int]]) -> list[MilestoneState]:
    return [MilestoneState(key=m.key, template_key=m.template_key, stage=m.stage, status=m.status,
                           completion=m.completion, due_date=m.due_date, opens_on=m.opens_on,
                           depends_on=tuple(m.depends_on), waits_for=tuple(m.waits_for), track=m.track,
                           missed=(m.id, m.sequence) in missed) for m in ms]


def advance_cycle(*, session: Session, cycle: Cycle, today: date, now: datetime,
                  stages: Iterable[str] | None = None) -> list[CycleEvent]:
    """Apply every step due on `today` (for the given stages); return the new events."""
    # One advance of a cycle at a time: lock its row (SQLite's BEGIN IMMEDIATE does the same),
    # then read it and its milestones afresh. On PostgreSQL a second advance waits here and must
    # act on what the first committed, not on objects this session loaded before the lock.
    cycle = session.exec(select(Cycle).where(Cycle.id == cycle.id).with_for_update()
                         .execution_options(populate_existing=True)).one()
    if cycle.status != "active":
        return []
    stages = list(stages) if stages is not None else None
    new_events: list[str] = []
    for _ in range(20):  # a fixpoint; the bound only guards against a bad template
        ms = milestones_of(session=session, cycle=cycle, fresh=True)
        missed = set(session.exec(select(CycleEvent.milestone_id, CycleEvent.sequence).where(
            CycleEvent.cycle_id == cycle.id, CycleEvent.kind == "missed")).all())
        steps = next_steps(milestone_states(ms, missed), today, stages)
        if not steps:
            break
        by_key = {m.key: m for m in ms}
        for step in steps:
            new_events.extend(_apply(session, cycle, by_key[step.key], step, today, now))
        session.flush()
    if stages is None or "follow_up" in stages:
        new_events.extend(_launch_children(session, cycle, today, now))
        new_events.extend(_maybe_complete(session, cycle, today, now))
    session.flush()
    if not new_events:
        return []
    return list(session.exec(select(CycleEvent).where(CycleEvent.dedup_key.in_(new_events))  # type: ignore[attr-defined]
                             .order_by(CycleEvent.id)))


def _apply(session: Session, cycle: Cycle, m: Milestone, step: Step, today: date, now: datetime) -> list[str]:
    def institutions() -> list[str]:
        return [i.key for i in session.exec(
            select(Institution).join(CycleInstitution, CycleInstitution.institution_id == Institution.id)
            .where(CycleInstitution.cycle_id == cycle.id).order_by(Institution.key))]

    event = step_event(cycle_id=cycle.id, milestone=m, step=step, today=today, now=now, institutions=institutions)
    if _insert_event(session, **event):
        return [event["dedup_key"]]
    return []


def step_event(*, cycle_id: int, milestone: Milestone, step: Step, today: date, now: datetime,
               institutions: Callable[[], list[str]]) -> dict[str, Any]:
    """Apply a step to the milestone (in memory) and return the event row it makes.

    `institutions` gives the cycle's institution keys, asked only for an information request.
    The per-cycle advance and the sweep's batched one both go through here.
    """
    m = milestone
    if step.action == "open":
        m.status, m.updated_at = "open", now
        kind = "opened"
    elif step.action == "complete":
        m.status, m.completed_at, m.completed_actor = "done", now, "nmrf"
        m.sequence += 1
        m.updated_at = now
        kind = "request_sent" if m.stage == "information_request" else (
            "took_place" if m.completion == "date" else "completed")
    else:
        kind = "missed"
    detail: dict[str, Any] = {"key": m.key, "title": m.title,
                              "due": m.due_date.isoformat() if m.due_date else None}
    if kind == "missed":
        detail["days_late"] = (today - m.due_date).days if m.due_date else 0
    if kind == "request_sent":
        detail["institutions"] = institutions()
    return dict(cycle_id=cycle_id, milestone_id=m.id, kind=kind, dedup_key=f"{cycle_id}:{m.key}:{kind}:{m.sequence}",
                sequence=m.sequence, on_date=today, at=now, detail=detail)


def _launch_children(session: Session, cycle: Cycle, today: date, now: datetime) -> list[str]:
    ms = milestones_of(session=session, cycle=cycle)
    return [row["dedup_key"] for row in follow_ups(session=session, cycle=cycle, milestones=ms, today=today, now=now)
            if _insert_event(session, **row)]


def follow_ups(*, session: Session, cycle: Cycle, milestones: Sequence[Milestone], today: date,
               now: datetime) -> list[dict[str, Any]]:
    """Launch (or find) the cycles that the cycle's closed milestones open; return the events to insert."""
    ms = {m.key: m for m in milestones}
    # The snapshot's raw rules first: validating a template costs milliseconds, and few milestones launch.
    launching = [r.get("key") for r in cycle.rules_snapshot["template"].get("milestones", []) if r.get("launches")]
    if not any(ms.get(k) is not None and ms[k].status == "done" for k in launching):
        return []
    template, _, _ = rules_of(cycle)
    out = []
    for rule in template.milestones:
        m = ms.get(rule.key)
        if rule.launches is None or m is None or m.status != "done":
            continue
        dates = {child: ms[parent].due_date for child, parent in rule.launches.anchors.items()
                 if ms.get(parent) and ms[parent].due_date}
        state = session.get(State, cycle.state_id)
        launched = launch_cycle(session=session, state=state, template=rule.launches.template,
                                mechanism=cycle.mechanism, dates=dates, now=now, actor="nmrf", parent=cycle,
                                reference=cycle.reference)
        out.append(dict(cycle_id=cycle.id, milestone_id=m.id, kind="follow_up_launched",
                        dedup_key=f"{cycle.id}:{m.key}:follow_up_launched:{launched.cycle.id}", on_date=today,
                        at=now, detail={"child_cycle": launched.cycle.id, "title": launched.cycle.title}))
    return out


def _maybe_complete(session: Session, cycle: Cycle, today: date, now: datetime) -> list[str]:
    row = completion(cycle=cycle, milestones=milestones_of(session=session, cycle=cycle), today=today, now=now)
    if row is not None and _insert_event(session, **row):
        return [row["dedup_key"]]
    return []


def completion(*, cycle: Cycle, milestones: Sequence[Milestone], today: date, now: datetime) -> dict[str, Any] | None:
    """Complete the cycle (in memory) when every milestone is closed; return the event to insert."""
    if not milestones or any(m.status not in CLOSED_STATUSES for m in milestones):
        return None
    cycle.status, cycle.completed_at, cycle.updated_at = "completed", now, now
    return dict(cycle_id=cycle.id, milestone_id=None, kind="cycle_completed", dedup_key=f"{cycle.id}::cycle_completed:0",
                on_date=today, at=now, detail={"title": cycle.title})


def active_cycles(*, session: Session, state: State | None = None) -> list[Cycle]:
    q = select(Cycle).where(Cycle.status == "active")
    if state is not None:
        q = q.where(Cycle.state_id == state.id)
    return list(session.exec(q.order_by(Cycle.id)))



# ---------------------------------------------------------------- institutions joining a running cycle

def add_institution(*, session: Session, cycle: Cycle, institution: Institution, today: date, now: datetime,
                    actor: str) -> list[Milestone]:
    """Add an institution to a running cycle: its own milestones planned with the rules and lead times the
    cycle was launched with, from today by the late-launch rule (compress_late: what its people owe is spread
    between today and the next UN deadline, never before today)."""
    if cycle.status != "active":
        raise NmrfError(f"cycle {cycle.id} is {cycle.status}; an institution joins only a running cycle")
    if not institution.active or institution.state_id != cycle.state_id:
        raise NmrfError(f"{institution.key} is not an active institution of this State")
    if session.exec(select(CycleInstitution).where(CycleInstitution.cycle_id == cycle.id,
                                                   CycleInstitution.institution_id == institution.id)).first():
        raise NmrfError(f"{institution.name} already takes part in cycle {cycle.id}; nothing changed")
    template, mechanism, lead_times = rules_of(cycle)
    state = session.get(State, cycle.state_id)
    ms = milestones_of(session=session, cycle=cycle)
    officials = {m.key: m.official_date for m in ms if m.official_date is not None}
    parts = participants(session=session, state=state, mechanism=cycle.mechanism,  # type: ignore[arg-type]
                         only=[institution.key])
    existing = {m.key for m in ms}
    calendar = work_calendar(state)  # type: ignore[arg-type]
    planned = plan_cycle(template, mechanism, officials=officials, participants=[p for _, p in parts],
                         calendar=calendar, timezone=state.timezone, lead_times=lead_times)  # type: ignore[union-attr]
    planned, _ = compress_late(planned, today=today, calendar=calendar, timezone=state.timezone)  # type: ignore[union-attr]
    plan = [p for p in planned if p.institution_key == institution.key and p.key not in existing]
    if not plan:
        raise NmrfError(f"the {cycle.template} template asks nothing of a {institution.kind} "
                        f"({institution.name}); nothing changed")
    session.add(CycleInstitution(cycle_id=cycle.id, institution_id=institution.id))  # type: ignore[arg-type]
    added = []
    for p in plan:
        m = Milestone(**_milestone_row(cycle, p, {institution.key: institution.id}, now, None))  # type: ignore[dict-item]
        session.add(m)
        added.append(m)
    cycle.updated_at = now
    session.flush()
    session.add(Record(cycle_id=cycle.id, milestone_id=None, kind="comment", actor=actor, at=now,  # type: ignore[arg-type]
                       note=f"{institution.name} joined the cycle ({len(added)} deadline(s))",
                       data={"joined": institution.key, "milestones": [m.key for m in added]}))
    session.flush()
    return added
