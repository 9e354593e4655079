"""The OHCHR guide's five questions for prioritising clustered recommendations.

(a) flagged urgent by a treaty body? and (b) raised by several mechanisms? are
computed from the data; (c) possible without budget? (d) a national priority
for other stakeholders? and (e) about disadvantaged or marginalised groups? are
the secretariat's judgement, recorded with who and when. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nmrf.domain.recommendation_files import TREATY_BODIES

# Wording treaty bodies use when they ask for urgent measures.
_URGENT = re.compile(r"\b(urgent(ly)?|as a matter of (urgency|priority)|without (further )?delay|immediate(ly)?)\b",
                     re.IGNORECASE)


def urgent_basis(*, mechanism: str, urgent_flag: bool, text: str) -> str | None:
    """Why a recommendation counts as flagged urgent by a treaty body (None: it does not)."""
    if mechanism not in TREATY_BODIES:
        return None
    if urgent_flag:
        return f"{mechanism} flagged it (urgent or selected for follow-up)"
    m = _URGENT.search(text)
    if m:
        return f"{mechanism} asks for it {m.group(0).lower()!r}"
    return None


@dataclass(frozen=True)
class Priority:
    urgent: bool
    urgent_why: str
    mechanisms: tuple[str, ...]  # every mechanism in the recommendation's cluster
    no_budget: bool | None
    national_priority: bool | None
    disadvantaged_groups: bool | None

    @property
    def several_mechanisms(self) -> bool:
        return len(self.mechanisms) > 1

    @property
    def score(self) -> int:
        """How many of the five questions are answered yes."""
        return sum(bool(x) for x in (self.urgent, self.several_mechanisms, self.no_budget,
                                     self.national_priority, self.disadvantaged_groups))

    @property
    def assessed(self) -> bool:
        return None not in (self.no_budget, self.national_priority, self.disadvantaged_groups)

    def flags(self) -> str:
        """Five characters, one per question: Y yes, n no, ? not assessed."""
        def ch(v: bool | None) -> str:
            return "?" if v is None else ("Y" if v else "n")
        return "".join(ch(v) for v in (self.urgent, self.several_mechanisms, self.no_budget,
                                       self.national_priority, self.disadvantaged_groups))


def priority_of(*, mechanism: str, urgent_flag: bool, text: str, cluster_mechanisms: Iterable[str],
                no_budget: bool | None, national_priority: bool | None,
                disadvantaged_groups: bool | None) -> Priority:
    why = urgent_basis(mechanism=mechanism, urgent_flag=urgent_flag, text=text)
    mechs = tuple(sorted(set(cluster_mechanisms) | {mechanism}))
    return Priority(urgent=why is not None, urgent_why=why or "", mechanisms=mechs, no_budget=no_budget,
                    national_priority=national_priority, disadvantaged_groups=disadvantaged_groups)
