"""The inventory for a State in the database: its ratifications, its profile's facts, its cycles."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlmodel import Session, select

from nmrf.domain.inventory import COMPUTED, OFFICIAL, Obligation, Ratification, inventory
from nmrf.domain.rules import load_catalogue
from nmrf.domain.wording import CycleTitle
from nmrf.models import Cycle, Milestone, State
from nmrf.domain.reference import all_ratifications, upr_calendar, upr_schedule
from nmrf.services.cycles import cycle_key


def ratifications_for(state: State) -> dict[str, Ratification]:
    """The shipped UN data for the State, with the profile's overrides on top."""
    out = dict(all_ratifications().get(state.code, {}))
    for name, spec in state.ratifications.items():
        out[name] = Ratification(party=bool(spec["party"]), year=spec.get("year"), status="profile")
    return out


def state_inventory(*, session: Session, state: State, today: date, years: int) -> list[tuple[Obligation, Cycle | None]]:
    obligations = inventory(catalogue=load_catalogue(), state=state.code, ratifications=ratifications_for(state),
                            reporting=state.reporting, today=today, years=years, upr=upr_schedule(),
                            upr_calendar=upr_calendar())
    # A cycle launched for an obligation carries the obligation's key; running
    # cycles the inventory did not foresee (communications, visits, cycles
    # launched on an official date) are obligations too.
    cycles = {c.key: c for c in session.exec(select(Cycle).where(Cycle.state_id == state.id))}
    out: list[tuple[Obligation, Cycle | None]] = [
        (ob, cycles.get(cycle_key(ob.mechanism, ob.template, ob.anchors, None)) if ob.template else None)
        for ob in obligations]
    seen = {c.id for _, c in out if c is not None}
    running = [c for c in cycles.values() if c.status == "active" and c.id not in seen]
    submissions = {m.cycle_id: m for m in session.exec(
        select(Milestone).where(Milestone.cycle_id.in_(seen | {c.id for c in running}),  # type: ignore[union-attr]
                                Milestone.template_key == "submission"))}
    out = [(replace(ob, status="submitted") if c is not None and c.id in submissions
            and submissions[c.id].status == "done" else ob, c) for ob, c in out]
    for c in running:
        sub = submissions.get(c.id)
        if sub is None or sub.is_closed:
            continue
        status = "overdue" if sub.due_date and sub.due_date < today else (
            "upcoming" if sub.due_date else "date unknown")
        out.append((Obligation(c.mechanism, c.template, c.title, sub.due_date,
                               OFFICIAL if sub.official_date else COMPUTED, status, sub.source,
                               title_said=CycleTitle(c.title, c.template, c.mechanism, c.reference, state.name,
                                                     state.names)), c))
    out.sort(key=lambda pair: pair[0].sort_key)
    return out
