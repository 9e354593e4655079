"""The NMRF's annual report as plain data: what it did in a year, counted. Pure.

The guide asks an NMRF to "issue an annual report and make it public" (to parliament in
several of its examples): reports submitted and whether on time, dialogues held,
recommendations received and their status by theme and institution, actions completed,
consultations with the NHRI and civil society, meetings held, costs spent against
estimates (per currency, never summed across currencies).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Submission:
    cycle: str
    mechanism: str
    due: date | None
    submitted: date | None  # None: not submitted (yet)

    @property
    def on_time(self) -> bool | None:
        if self.submitted is None:
            return None
        return self.due is None or self.submitted <= self.due


@dataclass(frozen=True)
class Held:
    day: date
    title: str
    reference: str  # the cycle or the kind of meeting


@dataclass(frozen=True)
class AnnualReport:
    state: str
    secretariat: str
    year: int
    today: date
    submissions: tuple[Submission, ...]
    dialogues: tuple[Held, ...]
    recommendations: int
    by_theme: dict[str, dict[str, int]]  # theme -> status -> count
    by_institution: dict[str, dict[str, int]]  # lead institution -> status -> count
    actions_completed: tuple[Held, ...]
    consultations: tuple[Held, ...]
    meetings: tuple[Held, ...]
    estimated: dict[str, Decimal]
    spent: dict[str, Decimal]
    by_line: dict[str, tuple[dict[str, Decimal], dict[str, Decimal]]] = field(default_factory=dict)

    @property
    def on_time(self) -> int:
        return sum(1 for s in self.submissions if s.on_time)

    @property
    def late(self) -> int:
        return sum(1 for s in self.submissions if s.on_time is False)

    @property
    def not_submitted(self) -> int:
        return sum(1 for s in self.submissions if s.submitted is None)


def count_statuses(pairs: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """(group, status) pairs -> {group: {status: count}}, groups and statuses sorted."""
    out: dict[str, dict[str, int]] = {}
    for group, status in pairs:
        out.setdefault(group, {})
        out[group][status] = out[group].get(status, 0) + 1
    return {g: dict(sorted(v.items())) for g, v in sorted(out.items())}
