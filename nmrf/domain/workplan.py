"""The annual workplan: everything the NMRF has to do in a year, who answers for it, what it costs. Pure.

The OHCHR guide asks for "a workplan and calendar … with timelines, assignment of
responsibilities and estimated costs". The service reads the database into the plain
facts below; this module sorts them into quarters and adds up the estimated costs per
currency (never across currencies), per institution and budget line. `today` comes in:
it only says what is already late.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from nmrf.domain.costs import totals

ENTRY_KINDS = ("obligation", "cycle", "milestone", "meeting", "action", "pledge")


@dataclass(frozen=True)
class Cost:
    amount: Decimal
    currency: str
    budget_line: str
    basis: str  # estimate | actual
    description: str
    falls_on: date
    target: str  # the key of the entry it belongs to ("milestone:42"), or "" when that entry is in another year


@dataclass(frozen=True)
class Entry:
    key: str  # "milestone:42", "meeting:plenary-2027-05", "series:plenary:2027-06-05", "obligation:CEDAW:2027-10-01"
    kind: str
    day: date
    title: str
    reference: str  # the cycle, the mechanism, the series
    institution: str  # the responsible institution's name
    person: str  # the responsible people's names ("" when nobody holds the role)
    status: str
    # The title and reference as nmrf wrote them, for nmrf.domain.wording.say to put in a reader's language
    # (a Said, a CycleTitle); None where a person typed them (title and reference above are then the text).
    title_said: Any = None
    reference_said: Any = None


@dataclass(frozen=True)
class Row:
    entry: Entry
    costs: tuple[Cost, ...]
    late: bool

    def estimate(self) -> dict[str, Decimal]:
        return totals((c.currency, c.amount) for c in self.costs if c.basis == "estimate")


@dataclass(frozen=True)
class Workplan:
    state: str
    year: int
    today: date
    quarters: tuple[tuple[Row, ...], tuple[Row, ...], tuple[Row, ...], tuple[Row, ...]]
    # Estimated costs of the year, per currency; and per (institution, budget line), per currency.
    totals: dict[str, Decimal]
    by_institution_line: dict[tuple[str, str], dict[str, Decimal]]
    actual: dict[str, Decimal] = field(default_factory=dict)
    budget_lines: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> list[Row]:
        return [r for q in self.quarters for r in q]

    def count(self, kind: str) -> int:
        return sum(1 for r in self.rows if r.entry.kind == kind)


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


CLOSED = {"done", "waived", "cancelled", "submitted", "implemented"}


def build_workplan(*, state: str, year: int, today: date, entries: Iterable[Entry], costs: Sequence[Cost],
                   secretariat: str, budget_lines: dict[str, str] | None = None) -> Workplan:
    """Entries of `year` in quarters (by day, then kind and title), each with its costs; totals
    of the year's estimated costs per currency, and per institution and budget line. A cost
    whose entry lies in another year (or has none) is booked on the secretariat."""
    chosen = sorted((e for e in entries if e.day.year == year),
                    key=lambda e: (e.day, ENTRY_KINDS.index(e.kind) if e.kind in ENTRY_KINDS else 9, e.title, e.key))
    year_costs = [c for c in costs if c.falls_on.year == year]
    by_target: dict[str, list[Cost]] = {}
    for c in year_costs:
        by_target.setdefault(c.target, []).append(c)
    quarters: list[list[Row]] = [[], [], [], []]
    institution_of: dict[str, str] = {}
    for e in chosen:
        institution_of[e.key] = e.institution
        row = Row(entry=e, costs=tuple(by_target.get(e.key, ())),
                  late=e.day < today and e.status not in CLOSED)
        quarters[quarter_of(e.day) - 1].append(row)
    grouped: dict[tuple[str, str], list[tuple[str, Decimal]]] = {}
    for c in year_costs:
        if c.basis != "estimate":
            continue
        inst = institution_of.get(c.target) or secretariat
        grouped.setdefault((inst, c.budget_line), []).append((c.currency, c.amount))
    return Workplan(
        state=state, year=year, today=today,
        quarters=tuple(tuple(q) for q in quarters),  # type: ignore[arg-type]
        totals=totals((c.currency, c.amount) for c in year_costs if c.basis == "estimate"),
        by_institution_line={k: totals(v) for k, v in sorted(grouped.items())},
        actual=totals((c.currency, c.amount) for c in year_costs if c.basis == "actual"),
        budget_lines=dict(budget_lines or {}),
    )
