"""Where a cycle stands and what must happen next, decided from dates and statuses alone.

Pure: `today` is an argument. The flows apply the steps to the database and
ask again until nothing is left to do, so running them twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

CLOSED = frozenset({"done", "waived", "cancelled"})


@dataclass(frozen=True)
class MilestoneState:
    key: str
    template_key: str
    stage: str
    status: str
    completion: str
    due_date: date | None
    opens_on: date | None = None
    depends_on: tuple[str, ...] = ()
    waits_for: tuple[str, ...] = ()
    track: bool = True
    missed: bool = False  # a "missed" event exists for the current due date


@dataclass(frozen=True)
class Step:
    action: Literal["open", "complete", "miss"]
    key: str
    reason: str


def _groups(states: Sequence[MilestoneState]) -> dict[str, list[MilestoneState]]:
    out: dict[str, list[MilestoneState]] = {}
    for s in states:
        out.setdefault(s.template_key, []).append(s)
    return out


def next_steps(states: Sequence[MilestoneState], today: date, stages: Iterable[str] | None = None) -> list[Step]:
    """The steps due today for the milestones of the given stages (all when None)."""
    groups = _groups(states)
    wanted = set(stages) if stages is not None else None

    def closed(group: str) -> bool:
        # A group with no milestones (no parliament in this State) does not block.
        return all(s.status in CLOSED for s in groups.get(group, ()))

    def waited(group: str) -> bool:
        return all(s.status in CLOSED or (s.due_date is not None and s.due_date < today)
                   for s in groups.get(group, ()))

    steps: list[Step] = []
    for s in states:
        if wanted is not None and s.stage not in wanted:
            continue
        if s.status in CLOSED:
            continue
        if s.status == "planned":
            ready = all(closed(g) for g in s.depends_on) and all(waited(g) for g in s.waits_for)
            if ready and (s.opens_on is None or today >= s.opens_on):
                if s.completion in ("system", "date"):
                    if s.due_date is not None and today >= s.due_date:
                        why = "sent" if s.completion == "system" else "took place"
                        steps.append(Step("complete", s.key, why))
                        continue
                else:
                    steps.append(Step("open", s.key, "its prerequisites are met"))
        if (s.completion == "person" and s.track and not s.missed
                and s.due_date is not None and s.due_date < today):
            steps.append(Step("miss", s.key, f"due {s.due_date.isoformat()}"))
    return steps


def is_complete(states: Sequence[MilestoneState]) -> bool:
    return bool(states) and all(s.status in CLOSED for s in states)


def days_late(due: date | None, today: date) -> int:
    return (today - due).days if due is not None and today > due else 0
