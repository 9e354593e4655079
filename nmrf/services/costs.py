"""Cost items on cycles, milestones and meetings: checked against the profile's budget, then written.

Every problem of one cost item is reported at once, each with its field; nothing is
written unless the whole item is valid.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from nmrf.domain.costs import check_currency, parse_amount
from nmrf.domain.i18n import N_, Said
from nmrf.errors import NmrfError, Problem
from nmrf.models import COST_BASES, CostItem, Cycle, Meeting, MeetingSeries, Milestone, State


def _target(session: Session, state: State, *, cycle: Cycle | None, milestone: Milestone | None,
            meeting: Meeting | None, series: MeetingSeries | None) -> tuple[dict[str, int], date | None]:
    given = [x for x in (cycle, milestone, meeting, series) if x is not None]
    if len(given) != 1:
        raise NmrfError([Problem(Said(N_("a cost is for exactly one cycle, milestone, meeting or meeting series")),
                                 field="target")])
    if milestone is not None:
        return {"milestone_id": milestone.id, "cycle_id": None}, milestone.due_date or (
            milestone.starts_at.date() if milestone.starts_at else None)
    if meeting is not None:
        return {"meeting_id": meeting.id}, meeting.starts_at.astimezone(ZoneInfo(meeting.timezone)).date()
    if series is not None:
        return {"series_id": series.id}, series.first_date
    assert cycle is not None
    return {"cycle_id": cycle.id}, None


def add_cost(*, session: Session, state: State, amount: str | Decimal, currency: str, budget_line: str,
             description: str, now: datetime, actor: str, basis: str = "estimate", falls_on: date | None = None,
             cycle: Cycle | None = None, milestone: Milestone | None = None, meeting: Meeting | None = None,
             series: MeetingSeries | None = None) -> CostItem:
    """One cost item; refused whole, with every bad field named, when anything is wrong."""
    problems: list[Problem] = []
    value = code = None
    try:
        value = parse_amount(amount)
    except ValueError as exc:
        problems.append(Problem(exc.args[0], field="amount"))
    try:
        code = check_currency(currency)
        allowed = state.budget.get("currencies") or []
        if allowed and code not in allowed:
            problems.append(Problem(Said.of(N_("currency %(code)s is not among the profile's currencies "
                                               "(%(allowed)s)"), code=code, allowed=", ".join(allowed)),
                                    field="currency"))
    except ValueError as exc:
        problems.append(Problem(exc.args[0], field="currency"))
    lines = state.budget.get("lines") or {}
    if budget_line not in lines:
        known = ", ".join(lines) if lines else Said.of(N_("none: add %(field)s to the profile"),
                                                       field="`budget: lines:`")
        problems.append(Problem(Said.of(N_("budget line %(line)s is not in the profile (known: %(known)s)"),
                                        line=repr(budget_line), known=known), field="budget_line"))
    if basis not in COST_BASES:
        problems.append(Problem(Said.of(N_("%(basis)s: expected one of %(known)s"), basis=repr(basis),
                                        known=", ".join(COST_BASES)), field="basis"))
    if not description.strip():
        problems.append(Problem(Said(N_("say what the cost is for")), field="description"))
    try:
        ids, default_day = _target(session, state, cycle=cycle, milestone=milestone, meeting=meeting, series=series)
    except NmrfError as exc:
        problems += exc.problems
        ids, default_day = {}, None
    day = falls_on or default_day
    if day is None and ids:
        problems.append(Problem(Said.of(N_("a cost on a cycle needs the day it falls on (%(option)s)"),
                                        option="--on YYYY-MM-DD"), field="falls_on"))
    if problems:
        raise NmrfError(problems)
    if milestone is not None:
        ids["cycle_id"] = None
    item = CostItem(state_id=state.id, amount=value, currency=code, budget_line=budget_line,  # type: ignore[arg-type]
                    description=description.strip()[:500], basis=basis, falls_on=day, created_at=now,
                    actor=actor, **{k: v for k, v in ids.items() if v is not None})
    session.add(item)
    session.flush()
    return item


def costs_of(*, session: Session, state: State, first: date | None = None, last: date | None = None) -> list[CostItem]:
    q = select(CostItem).where(CostItem.state_id == state.id)
    if first is not None:
        q = q.where(CostItem.falls_on >= first)
    if last is not None:
        q = q.where(CostItem.falls_on <= last)
    return list(session.exec(q.order_by(CostItem.falls_on, CostItem.id)))
