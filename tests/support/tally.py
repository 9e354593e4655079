"""A tally of generated and hand-written attack cases by area, printed at the end of the run (issue 17 asks
how many ran)."""

from __future__ import annotations

from collections import Counter

CASES: Counter[tuple[str, str]] = Counter()


def count(area: str, what: str, n: int = 1) -> None:
    CASES[(area, what)] += n
