"""Plan a cycle: from a template, official dates and the participants, every milestone's date.

Pure: the calendar, the participants and the official dates come in as data.
An official date wins everywhere: on its own milestone and on every milestone
whose date counts from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nmrf.domain.dates import Offset, WorkCalendar
from nmrf.domain.rules import Mechanism, MilestoneRule, Template


@dataclass(frozen=True)
class Participant:
    """An institution taking part in a cycle, with the roles someone there holds."""

    key: str
    name: str
    kind: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlannedMilestone:
    key: str
    template_key: str
    stage: str
    title: str
    description: str
    kind: str
    side: str
    owner_role: str | None
    institution_key: str | None
    completion: str
    track: bool
    depends_on: tuple[str, ...]
    waits_for: tuple[str, ...]
    computed_date: date | None
    official_date: date | None
    due_date: date | None
    opens_on: date | None
    starts_at: datetime | None
    ends_at: datetime | None
    timezone: str | None
    audience_roles: tuple[str, ...]
    word_limit: int | None
    source: str
    verified: bool
    launches: dict | None = field(default=None, compare=False)


def expand_keys(rule: MilestoneRule, participants: Sequence[Participant]) -> list[tuple[str, str | None]]:
    """The milestone keys a template milestone becomes: one, or one per institution."""
    if not rule.per_institution:
        return [(rule.key, None)]
    out = []
    for p in participants:
        if rule.institution_kinds and p.kind not in rule.institution_kinds:
            continue
        if rule.owner in p.roles:
            out.append((f"{rule.key}:{p.key}", p.key))
    return out


def missing_anchors(template: Template, officials: Mapping[str, date]) -> list[str]:
    return [m.key for m in template.milestones if m.anchor and m.key not in officials]


def plan_cycle(
    template: Template,
    mechanism: Mechanism,
    *,
    officials: Mapping[str, date],
    participants: Sequence[Participant],
    calendar: WorkCalendar,
    timezone: str,
    lead_times: Mapping[str, Offset] | None = None,
    sources: Mapping[str, str] | None = None,
) -> list[PlannedMilestone]:
    lead_times = lead_times or {}
    by_key = {m.key: m for m in template.milestones}
    dates: dict[str, date | None] = {}
    computed: dict[str, date | None] = {}

    def resolve(key: str) -> date | None:
        if key in dates:
            return dates[key]
        rule = by_key[key]
        value: date | None = None
        if rule.due is not None:
            base = resolve(rule.due.from_)
            if base is not None:
                offset = lead_times.get(key) if rule.side == "internal" else None
                if offset is None:
                    offset = rule.due.offset or mechanism.rules[rule.due.rule].offset_for(base)  # type: ignore[index]
                value = offset.apply(base)
                if rule.side == "internal":
                    # Internal deadlines fall on a day people work, never later.
                    value = calendar.on_or_before(value)
        computed[key] = value
        dates[key] = officials.get(key, value)
        return dates[key]

    for key in by_key:
        resolve(key)

    planned: list[PlannedMilestone] = []
    for rule in template.milestones:
        source, verified = _provenance(rule, mechanism)
        limit = mechanism.word_limits.get(rule.word_limit) if rule.word_limit else None
        for key, inst in expand_keys(rule, participants):
            official = officials.get(key) if key != rule.key else officials.get(rule.key)
            if official is None and key != rule.key:
                official = officials.get(rule.key)
            calc = computed[rule.key]
            due = official or calc
            starts_at = ends_at = None
            if rule.kind == "meeting" and due is not None and rule.time:
                hh, mm = (int(x) for x in rule.time.split(":"))
                local = datetime.combine(due, time(hh, mm), tzinfo=ZoneInfo(timezone))
                starts_at = local
                ends_at = local + timedelta(minutes=rule.duration_minutes)
            planned.append(PlannedMilestone(
                key=key,
                template_key=rule.key,
                stage=rule.stage,
                title=rule.title,
                description=rule.description,
                kind=rule.kind,
                side=rule.side,
                owner_role=rule.owner,
                institution_key=inst,
                completion=rule.completion,
                track=rule.track,
                depends_on=rule.after,
                waits_for=rule.waits_for,
                computed_date=calc,
                official_date=official,
                due_date=due,
                opens_on=rule.opens.apply(due) if (rule.opens and due) else None,
                starts_at=starts_at,
                ends_at=ends_at,
                timezone=timezone if starts_at else None,
                audience_roles=rule.audience,
                word_limit=limit,
                source=(sources or {}).get(key) or source,
                verified=True if official else verified,
                launches=rule.launches.model_dump() if rule.launches else None,
            ))
    return planned


def _provenance(rule: MilestoneRule, mechanism: Mechanism) -> tuple[str, bool]:
    if rule.due and rule.due.rule:
        r = mechanism.rules[rule.due.rule]
        return r.source, r.verified
    return rule.source, rule.verified


@dataclass(frozen=True)
class Moved:
    """An internal date a late launch moved: from the plan's date to the compressed one."""

    key: str
    title: str
    planned: date
    now: date


def compress_late(planned: Sequence[PlannedMilestone], *, today: date, calendar: WorkCalendar,
                  timezone: str) -> tuple[list[PlannedMilestone], list[Moved]]:
    """A cycle launched after its first internal lead times: what is left is compressed between today and
    the next UN deadline, proportionally, never before today. UN dates and official dates are untouched.

    The internal schedule ran from its first internal date S to the next UN date U after today; each internal
    date d in [S, U] becomes today + (d - S) * (U - today) / (U - S), on a working day but never before
    today (meetings in that span move with it). Nothing is moved unless something a person owes would be due on
    the launch day or before it. Pure.
    """
    internal = [p for p in planned if p.side == "internal" and p.official_date is None and p.due_date is not None]
    if not internal:
        return list(planned), []
    start = min(p.due_date for p in internal)  # type: ignore[type-var]
    # Late when a person would owe something due on the launch day or before it; the engine's own steps
    # (the inventory) may lie behind the launch day without that.
    if not any(p.due_date <= today for p in internal  # type: ignore[operator]
               if p.completion == "person" and p.kind == "deadline"):
        return list(planned), []
    un_after = sorted(p.due_date for p in planned if p.side == "un" and p.due_date is not None
                      and p.due_date > today)
    if not un_after:
        return list(planned), []
    deadline = un_after[0]
    span, room = (deadline - start).days, (deadline - today).days
    out: list[PlannedMilestone] = []
    moved: list[Moved] = []
    for p in planned:
        d = p.due_date
        if p not in internal or d is None or d > deadline:
            out.append(p)
            continue
        new = today + timedelta(days=round((d - start).days * room / span)) if span > 0 else today
        worked = calendar.on_or_before(new)
        new = worked if worked >= today else today
        if new == d:
            out.append(p)
            continue
        starts_at = ends_at = None
        if p.starts_at is not None and p.ends_at is not None:
            local = p.starts_at.astimezone(ZoneInfo(timezone))
            starts_at = datetime.combine(new, local.timetz())
            ends_at = starts_at + (p.ends_at - p.starts_at)
        out.append(replace(p, due_date=new, opens_on=p.opens_on + (new - d) if p.opens_on else None,
                           starts_at=starts_at or p.starts_at, ends_at=ends_at or p.ends_at))
        moved.append(Moved(p.key, p.title, d, new))
    return out, moved
