"""Read models for people: a cycle's plan as rows, with owners, status and lateness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from nmrf.domain.progress import days_late
from nmrf.models import Cycle, Institution, Milestone, Person, RoleAssignment
from nmrf.services.cycles import milestones_of
from nmrf.services.people import NMRF_WIDE_ROLES


@dataclass(frozen=True)
class PlanRow:
    key: str
    title: str
    due: date | None
    due_text: str
    owed_by: str
    status: str
    status_text: str
    state_word: str  # planned | open | late | done | waived | cancelled
    basis: str
    days_late: int


def cycle_rows(*, session: Session, cycle: Cycle, today: date) -> list[PlanRow]:
    ms = milestones_of(session=session, cycle=cycle)
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == cycle.state_id))}
    holders: dict[tuple[str, int | None], list[str]] = {}
    for role, inst_id, name in session.exec(
            select(RoleAssignment.role, RoleAssignment.institution_id, Person.name)
            .join(Person, Person.id == RoleAssignment.person_id)
            .where(Person.state_id == cycle.state_id, Person.active).order_by(Person.name)):
        holders.setdefault((role, inst_id), []).append(name)
        holders.setdefault((role, None), []).append(name)
    rows = []
    for m in ms:
        rows.append(_row(m, insts, holders, today))
    return rows


def _row(m: Milestone, insts: dict[int, Institution], holders: dict, today: date) -> PlanRow:
    inst = insts.get(m.institution_id) if m.institution_id else None
    if m.owner_role in NMRF_WIDE_ROLES or inst is None:
        names = holders.get((m.owner_role, None), [])
    else:
        names = holders.get((m.owner_role, inst.id), [])
    who = ", ".join(dict.fromkeys(names)) or "-"
    owed_by = f"{inst.key}: {who}" if inst else who
    late = days_late(m.due_date, today) if m.status in ("planned", "open") and m.completion == "person" else 0
    if m.status in ("done", "waived", "cancelled"):
        word = m.status
        text = f"{m.status} {m.completed_at:%Y-%m-%d}" if m.completed_at else m.status
        if m.status == "done" and m.completed_actor and m.completion == "person":
            text += f" ({m.completed_actor})"
    elif late and m.track:
        word, text = "late", f"LATE {late} day(s)"
    else:
        word, text = m.status, m.status
    if m.starts_at and m.timezone:
        local = m.starts_at.astimezone(ZoneInfo(m.timezone))
        due_text = f"{local:%Y-%m-%d %H:%M} {m.timezone}"
    else:
        due_text = m.due_date.isoformat() if m.due_date else "to be set"
    basis = "official" if m.official_date else ("rule" if m.side == "un" else "internal")
    if not m.verified and not m.official_date:
        basis += " (unverified)"
    return PlanRow(key=m.key, title=m.title, due=m.due_date, due_text=due_text, owed_by=owed_by,
                   status=m.status, status_text=text, state_word=word, basis=basis, days_late=late)


def describe_events(events: list[dict]) -> list[str]:
    """What the flows did, one line per kind of step: nine inputs opening make one line."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for e in events:
        key = e.get("key") or ""
        groups.setdefault((e["kind"], key.split(":")[0]), []).append(e)
    lines = []
    for (kind, base), items in groups.items():
        first = items[0]
        insts = [i["key"].split(":", 1)[1] for i in items if ":" in (i.get("key") or "")]
        who = f" for {len(insts)} institution(s): {', '.join(insts)}" if insts else ""
        if kind == "missed":
            lines.append(f"LATE {base}{(': ' + ', '.join(insts)) if insts else ''} "
                         f"(due {first['due']}, {first['days_late']} day(s) late)")
        elif kind == "request_sent":
            lines.append(f"request for information sent to {', '.join(first.get('institutions', []))}")
        elif kind == "follow_up_launched":
            lines.append(f"follow-up cycle #{first['child_cycle']} launched: {first['title']}")
        elif kind == "cycle_completed":
            lines.append(f"cycle completed: {first['title']}")
        else:
            lines.append(f"{kind.replace('_', ' ')}: {first['title']} [{base}]{who}")
    return lines
