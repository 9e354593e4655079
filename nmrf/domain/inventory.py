"""The inventory: every reporting obligation of a State over the next years, and what is overdue.

The first item of the OHCHR guide's checklist. Pure: ratifications, what the
State knows of its own reporting, and `today` come in as data. Each line says
on what its date rests (an official date, a recorded fact, or an estimate from
the treaty's rules) so that nobody mistakes an estimate for a deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from nmrf.domain.dates import Offset
from nmrf.domain.rules import Catalogue, Mechanism

UPR_CYCLE = Offset(years=4, months=6)


@dataclass(frozen=True)
class Ratification:
    party: bool
    year: int | None = None
    status: str = ""


@dataclass(frozen=True)
class UprSchedule:
    first_cycle_session: Mapping[str, int]
    session_dates: Mapping[int, date]
    fourth_cycle_first_session: int = 41

    def estimated_fourth_cycle_review(self, state: str) -> date | None:
        s = self.first_cycle_session.get(state)
        if s is None:
            return None
        # 16 States a session in the first cycle, 14 from the second on, same
        # order; rounding down takes the earlier session (errs early).
        session = self.fourth_cycle_first_session + ((s - 1) * 16) // 14
        return self.session_dates.get(session)


@dataclass(frozen=True)
class Obligation:
    mechanism: str
    template: str | None
    title: str
    due: date | None
    basis: str  # official | recorded | estimated | on receipt | unknown
    status: str  # overdue | upcoming | date unknown | on receipt
    source: str
    note: str = ""
    anchors: Mapping[str, date] = field(default_factory=dict)

    @property
    def sort_key(self) -> tuple:
        return (self.due or date.max, self.mechanism, self.title)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _status(due: date | None, today: date, submitted: bool = False) -> str:
    if due is None:
        return "date unknown"
    if due < today and not submitted:
        return "overdue"
    return "upcoming"


def inventory(
    *,
    catalogue: Catalogue,
    state: str,
    ratifications: Mapping[str, Ratification],
    reporting: Mapping[str, Mapping[str, Any]],
    today: date,
    years: int,
    upr: UprSchedule | None = None,
) -> list[Obligation]:
    horizon = Offset(years=years).apply(today)
    out: list[Obligation] = []
    for code, mech in catalogue.mechanisms.items():
        facts = reporting.get(code, {})
        if mech.body == "charter":
            out.extend(_upr(code, mech, facts, state, today, horizon, upr))
        elif mech.body in ("treaty", "regional") and mech.instruments:
            party = [ratifications[i] for i in mech.instruments if i in ratifications and ratifications[i].party]
            if party:
                out.extend(_treaty(code, mech, facts, party[0], today, horizon))
        elif mech.body == "spt":
            if any(ratifications.get(i, Ratification(False)).party for i in mech.instruments):
                out.append(Obligation(code, "spt_visit", "Reply to an SPT visit report", None, "on receipt",
                                      "on receipt", mech.rules["visit_reply"].source,
                                      "reply within 6 months of receiving the visit report"))
        elif mech.body == "special_procedures":
            out.append(Obligation(code, "sp_communication_reply", "Replies to special-procedure communications",
                                  None, "on receipt", "on receipt", mech.rules["communication_reply"].source,
                                  "reply within 60 days of each communication; visits on request"))
        for inst in mech.communications_instruments:
            if ratifications.get(inst, Ratification(False)).party:
                rule = mech.rules.get("communication_reply")
                out.append(Obligation(code, "communication_reply", f"Replies to individual communications ({code})",
                                      None, "on receipt", "on receipt", rule.source if rule else mech.source,
                                      f"observations within {rule.offset if rule else '?'} of transmission; confidential"))
    return sorted(out, key=lambda o: o.sort_key)


def _upr(code: str, mech: Mechanism, facts: Mapping[str, Any], state: str, today: date,
         horizon: date, upr: UprSchedule | None) -> list[Obligation]:
    rules = mech.rules
    out: list[Obligation] = []
    review = _as_date(facts.get("next_review"))
    basis, source = "official", str(facts.get("source", "profile: reporting.UPR.next_review"))
    last = _as_date(facts.get("last_review"))
    if review is None and last is not None:
        review, basis, source = UPR_CYCLE.apply(last), "recorded", "last review in the profile + 4.5 years"
    if review is None and upr is not None:
        est = upr.estimated_fourth_cycle_review(state)
        if est is not None:
            last = last or est
            review, basis = est, "estimated"
            source = "UPR review order (UPR Info, sessions 1-5) and approximate session dates; unverified"
    if review is None:
        return [Obligation(code, "upr_review", "UPR national report", None, "unknown", "date unknown",
                           mech.source, "set reporting.UPR.next_review in the profile")]
    if last is not None:
        midterm = rules["midterm_report"].offset.apply(last)
        if today <= midterm <= horizon:
            out.append(Obligation(code, "upr_midterm_report", "UPR mid-term report (voluntary)", midterm,
                                  basis if basis != "official" else "recorded", "upcoming",
                                  rules["midterm_report"].source, anchors={"review": last}))
    # Roll an estimate forward to the first review whose report is still ahead.
    while basis != "official" and rules["national_report"].offset.apply(review) < today:
        review = UPR_CYCLE.apply(review)
    while True:
        report_due = rules["national_report"].offset.apply(review)
        if report_due > horizon:
            break
        out.append(Obligation(code, "upr_review", f"UPR national report (review {review.isoformat()})",
                              report_due, basis, _status(report_due, today, bool(facts.get("submitted"))),
                              f"{rules['national_report'].source}; review date: {source}",
                              anchors={"review": review}))
        review, basis, source = UPR_CYCLE.apply(review), "estimated", "previous review + 4.5 years"
    return out


def _treaty(code: str, mech: Mechanism, facts: Mapping[str, Any], rat: Ratification,
            today: date, horizon: date) -> list[Obligation]:
    rules = mech.rules
    out: list[Obligation] = []
    periodic = rules.get("periodic_report")
    simplified = facts.get("procedure") == "simplified" and "simplified_report" in mech.templates
    periodic_template = "simplified_report" if simplified else (
        "periodic_report" if "periodic_report" in mech.templates else "regional_periodic_report")
    due: date | None = None
    template = periodic_template
    basis, source, note = "official", str(facts.get("source", f"profile: reporting.{code}")), ""
    if facts.get("next_report_due"):
        due = _as_date(facts["next_report_due"])
    elif facts.get("last_dialogue") and periodic:
        due, basis = periodic.offset.apply(_as_date(facts["last_dialogue"])), "recorded"  # type: ignore[arg-type]
        source = f"last dialogue in the profile + {periodic.offset}"
    elif facts.get("last_submitted") and periodic:
        due, basis = periodic.offset.apply(_as_date(facts["last_submitted"])), "recorded"  # type: ignore[arg-type]
        source = f"last report in the profile + {periodic.offset}"
    elif rat.year is not None and "initial_report" in rules and "entry_into_force" in rules:
        # Only the year is known: assume deposit on 1 January, the earliest
        # possible, so the estimate errs early.
        eif = rules["entry_into_force"].offset.apply(date(rat.year, 1, 1))
        due, basis, template = rules["initial_report"].offset.apply(eif), "estimated", "initial_report"
        source = f"ratified {rat.year}: {rules['initial_report'].source}"
        if due < today:
            if periodic is None or "periodic_report" not in mech.templates:
                return out  # an optional protocol reported inside the main treaty's reports
            while due < today:
                due = periodic.offset.apply(due)
            template = periodic_template
            note = "estimated from the ratification year; no reporting history in the profile"
    if due is None:
        return [Obligation(code, periodic_template, f"Periodic report to {code}", None, "unknown",
                           "date unknown", mech.source, f"set reporting.{code}.next_report_due in the profile")]
    submitted = bool(facts.get("submitted"))
    first = True
    while due <= horizon or (first and due < today):
        label = "Initial report" if template == "initial_report" else (
            "Report (simplified procedure)" if template == "simplified_report" else "Periodic report")
        out.append(Obligation(code, template, f"{label} to {code}", due, basis,
                              _status(due, today, submitted and first), source, note,
                              anchors={"submission": due}))
        if periodic is None or "periodic_report" not in mech.templates:
            break
        due = periodic.offset.apply(due)
        template, basis, first, note = periodic_template, "estimated", False, ""
        source = f"previous report + {periodic.offset}"
    if facts.get("last_dialogue") and "follow_up" in rules and "follow_up_report" in mech.templates:
        co = _as_date(facts["last_dialogue"])
        fu = rules["follow_up"].offset.apply(co)  # type: ignore[arg-type]
        if fu <= horizon and not facts.get("follow_up_submitted"):
            out.append(Obligation(code, "follow_up_report", f"Follow-up report to {code}", fu, "recorded",
                                  _status(fu, today), rules["follow_up"].source,
                                  anchors={"concluding_observations": co}))  # type: ignore[dict-item]
    return out
