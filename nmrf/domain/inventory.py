"""The inventory: every reporting obligation of a State over the next years, and what is overdue.

The first item of the OHCHR guide's checklist. Pure: ratifications, what the
State knows of its own reporting, the published review calendar and `today` come
in as data. Each line says on what its date rests (BASES) so that nobody mistakes
a default for a deadline, and only an obligation that exists is ever overdue: a
committee without periodic reports (the CED) owes none, and a date computed by a
rule is only as good as the rule (the CCPR's follow-up is 3 years since 2019).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from nmrf.domain.dates import Offset
from nmrf.domain.i18n import N_, Said
from nmrf.domain.review_calendars import ReviewCalendar
from nmrf.domain.rules import Catalogue, Mechanism

UPR_CYCLE = Offset(years=4, months=6)

# What a date rests on, from the firmest to the softest.
OFFICIAL = "official"  # the date itself was set by the mechanism (profile, set-date)
PUBLISHED = "published calendar"  # a date in a calendar the mechanism published (nmrf/data/calendars/)
COMPUTED = "computed from an official date"  # a rule applied to an official or published date
RECORDED = "recorded"  # a rule applied to what the secretariat recorded (last dialogue, last review)
DEFAULT = "rule default"  # a rule applied to an assumption (ratification year, review order)
BASES = (OFFICIAL, PUBLISHED, COMPUTED, RECORDED, DEFAULT)


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
    basis: str  # one of BASES, or "on receipt" / "unknown"
    status: str  # overdue | upcoming | date unknown | on receipt
    source: str
    note: str = ""
    anchors: Mapping[str, date] = field(default_factory=dict)
    # The title and note as sentences of ours, said in the reader's language by nmrf.domain.wording.say
    # (title and note above are their English).
    title_said: Said | None = None
    note_said: Said | None = None

    @property
    def sort_key(self) -> tuple:
        return (self.due or date.max, self.mechanism, self.title)


def _obligation(mechanism: str, template: str | None, title: Said, due: date | None, basis: str, status: str,
                source: str, note: Said | None = None, anchors: Mapping[str, date] | None = None) -> Obligation:
    return Obligation(mechanism, template, str(title), due, basis, status, source, str(note) if note else "",
                      dict(anchors or {}), title_said=title, note_said=note)


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
    upr_calendar: ReviewCalendar | None = None,
) -> list[Obligation]:
    horizon = Offset(years=years).apply(today)
    out: list[Obligation] = []
    for code, mech in catalogue.mechanisms.items():
        facts = reporting.get(code, {})
        if mech.body == "charter":
            out.extend(_upr(code, mech, facts, state, today, horizon, upr, upr_calendar))
        elif mech.body in ("treaty", "regional") and mech.instruments:
            party = [ratifications[i] for i in mech.instruments if i in ratifications and ratifications[i].party]
            if party and ("periodic_report" in mech.rules or "initial_report" in mech.rules):
                out.extend(_treaty(code, mech, facts, party[0], today, horizon))
            if party:
                out.extend(_on_request(code, mech))
                out.extend(_visits(code, mech, facts, today, horizon))
        elif mech.body == "spt":
            if any(ratifications.get(i, Ratification(False)).party for i in mech.instruments):
                out.append(_obligation(code, "spt_visit", Said(N_("Reply to an SPT visit report")), None,
                                       "on receipt", "on receipt", mech.rules["visit_reply"].source,
                                       Said(N_("reply within 6 months of receiving the visit report"))))
                out.extend(_visits(code, mech, facts, today, horizon))
        elif mech.body == "special_procedures":
            out.append(_obligation(code, "sp_communication_reply",
                                   Said(N_("Replies to special-procedure communications")), None, "on receipt",
                                   "on receipt", mech.rules["communication_reply"].source,
                                   Said(N_("reply within 60 days of each communication"))))
            out.extend(_visits(code, mech, facts, today, horizon))
        for inst in mech.communications_instruments:
            if ratifications.get(inst, Ratification(False)).party:
                rule = mech.rules.get("communication_reply")
                out.append(_obligation(
                    code, "communication_reply",
                    Said.of(N_("Replies to individual communications (%(mechanism)s)"), mechanism=code), None,
                    "on receipt", "on receipt", rule.source if rule else mech.source,
                    Said.of(N_("observations within %(offset)s of transmission; confidential"),
                            offset=rule.offset if rule else "?")))
    return sorted(out, key=lambda o: o.sort_key)


# Obligations that arise only when the mechanism asks: listed once, never overdue.
ON_REQUEST = {
    "additional_information": (N_("Additional information (art. 29(4)), when the committee asks"),
                               "initial_report", N_("at the date the committee sets; no periodic reports")),
    "urgent_action": (N_("Observations on urgent actions (art. 30)"), "urgent_action_reply",
                      N_("within about two weeks of each request; confidential")),
    "cpt_visit": (N_("Response to a CPT visit report"), "visit_reply",
                  N_("within 6 months of the report; confidential")),
}


def _on_request(code: str, mech: Mechanism) -> list[Obligation]:
    out = []
    for template, (title, rule_name, note) in ON_REQUEST.items():
        if template in mech.templates:
            rule = mech.rules.get(rule_name)
            out.append(_obligation(code, template, Said(title), None, "on receipt", "on receipt",
                                   rule.source if rule else mech.source, Said(note)))
    if not out and "follow_up_report" in mech.templates and "periodic_report" not in mech.rules \
            and "initial_report" not in mech.rules:
        rule = mech.rules["follow_up"]
        out.append(_obligation(code, "follow_up_report",
                               Said.of(N_("Follow-up information to %(mechanism)s"), mechanism=code), None,
                               "on receipt", "on receipt", rule.source,
                               Said.of(N_("%(offset)s after each report of %(mechanism)s"), offset=rule.offset,
                                       mechanism=code)))
    return out


def _visits(code: str, mech: Mechanism, facts: Mapping[str, Any], today: date, horizon: date) -> list[Obligation]:
    """Visits requested or announced (recorded in the profile), with the reply a request needs."""
    out = []
    reply_rule = mech.rules.get("request_reply")
    template = "sp_country_visit" if code == "SP" else next(
        (t for t in mech.templates if t.endswith("_visit")), None)
    for v in facts.get("visits") or ():
        mandate = str(v["mandate"])
        requested, announced, visit = (_as_date(v.get(k)) for k in ("requested", "announced", "visit"))
        if requested and visit is None and reply_rule is not None and not v.get("answered"):
            due = reply_rule.offset.apply(requested)
            out.append(_obligation(code, template,
                                   Said.of(N_("Reply to the visit request of %(mandate)s"), mandate=mandate), due,
                                   RECORDED, _status(due, today), reply_rule.source,
                                   Said.of(N_("requested %(day)s"), day=requested.isoformat()),
                                   anchors={"request_received": requested}))
        if visit is not None and today <= visit <= horizon:
            out.append(_obligation(code, template, Said.of(N_("Visit of %(mandate)s"), mandate=mandate), visit,
                                   OFFICIAL, "upcoming", f"profile: reporting.{code}.visits",
                                   Said(N_("agreed dates; prepare the programme"))))
        elif visit is None and announced is not None:
            out.append(_obligation(code, template, Said.of(N_("Visit announced by %(mandate)s"), mandate=mandate),
                                   None, RECORDED, "date unknown", f"profile: reporting.{code}.visits",
                                   Said.of(N_("announced %(day)s"), day=announced.isoformat())))
    return out


def _upr(code: str, mech: Mechanism, facts: Mapping[str, Any], state: str, today: date,
         horizon: date, upr: UprSchedule | None, calendar: ReviewCalendar | None) -> list[Obligation]:
    rules = mech.rules
    out: list[Obligation] = []
    review = _as_date(facts.get("next_review"))
    basis, source = OFFICIAL, str(facts.get("source", "profile: reporting.UPR.next_review"))
    last = _as_date(facts.get("last_review"))
    session = calendar.session_of(state) if calendar is not None else None
    if review is None and session is not None and session.opens >= today:
        review, basis = session.opens, PUBLISHED
        source = f"OHCHR calendar, UPR session {session.session}: {session.source}"
    elif review is None and session is not None and session.opens < today and last is None:
        # Reviewed in a published session of this cycle: the next review counts from it.
        last = session.opens
        review, basis = UPR_CYCLE.apply(last), COMPUTED
        source = f"UPR session {session.session} ({session.opens}, published) + 4.5 years (HRC res. 16/21)"
    if review is None and last is not None:
        review, basis, source = UPR_CYCLE.apply(last), RECORDED, "last review + 4.5 years (HRC res. 16/21)"
    if review is None and upr is not None:
        est = upr.estimated_fourth_cycle_review(state)
        if est is not None:
            last = last or est
            review, basis = est, DEFAULT
            source = "UPR review order (UPR Info, sessions 1-5) and approximate session dates; unverified"
    if review is None:
        return [_obligation(code, "upr_review", Said(N_("UPR national report")), None, "unknown", "date unknown",
                            mech.source,
                            Said.of(N_("set %(field)s in the profile"), field="reporting.UPR.next_review"))]
    if last is not None:
        midterm = rules["midterm_report"].offset.apply(last)
        if today <= midterm <= horizon:
            out.append(_obligation(code, "upr_midterm_report", Said(N_("UPR mid-term report (voluntary)")), midterm,
                                  DEFAULT if basis == DEFAULT else (COMPUTED if basis == COMPUTED else RECORDED),
                                  "upcoming",
                                  rules["midterm_report"].source, anchors={"review": last}))
    # Roll a computed date forward to the first review whose report is still ahead.
    while basis in (COMPUTED, RECORDED, DEFAULT) and rules["national_report"].offset.apply(review) < today:
        review = UPR_CYCLE.apply(review)
    while True:
        report_due, report_basis = rules["national_report"].offset.apply(review), basis
        if basis in (OFFICIAL, PUBLISHED):
            # Only the review date is official; the report date is computed from it unless
            # OHCHR published the session's deadline.
            published = calendar.session_on(review) if calendar is not None else None
            if published is not None and published.national_report_deadline is not None:
                report_due, report_basis = published.national_report_deadline, PUBLISHED
            else:
                report_basis = COMPUTED
        if report_due > horizon:
            break
        out.append(_obligation(code, "upr_review",
                               Said.of(N_("UPR national report (review %(day)s)"), day=review.isoformat()),
                              report_due, report_basis, _status(report_due, today, bool(facts.get("submitted"))),
                              f"{rules['national_report'].source}; review date: {source}",
                              anchors={"review": review}))
        review, source = UPR_CYCLE.apply(review), "previous review + 4.5 years (HRC res. 16/21)"
        basis = COMPUTED if basis in (OFFICIAL, PUBLISHED, COMPUTED) else DEFAULT
    return out


# A treaty report's title by its template (the committee's code is the value).
PERIODIC_TITLES = {
    "initial_report": N_("Initial report to %(mechanism)s"),
    "simplified_report": N_("Replies to the list of issues prior to reporting (simplified procedure) to "
                            "%(mechanism)s"),
    "periodic_report": N_("Periodic report to %(mechanism)s"),
}


def _treaty(code: str, mech: Mechanism, facts: Mapping[str, Any], rat: Ratification,
            today: date, horizon: date) -> list[Obligation]:
    rules = mech.rules
    out: list[Obligation] = []
    periodic = rules.get("periodic_report")
    has_periodic = periodic is not None and ("periodic_report" in mech.templates
                                             or "regional_periodic_report" in mech.templates)
    simplified = facts.get("procedure") == "simplified" and "simplified_report" in mech.templates
    periodic_template = "simplified_report" if simplified else (
        "periodic_report" if "periodic_report" in mech.templates else "regional_periodic_report")
    due: date | None = None
    template = periodic_template
    basis, source = OFFICIAL, str(facts.get("source", f"profile: reporting.{code}"))
    note: Said | None = None
    if facts.get("next_report_due"):
        due = _as_date(facts["next_report_due"])
    elif facts.get("last_dialogue") and has_periodic:
        due, basis = periodic.offset.apply(_as_date(facts["last_dialogue"])), RECORDED  # type: ignore[arg-type,union-attr]
        source = f"last dialogue in the profile + {periodic.offset} ({periodic.source})"  # type: ignore[union-attr]
    elif facts.get("last_submitted") and has_periodic:
        due, basis = periodic.offset.apply(_as_date(facts["last_submitted"])), RECORDED  # type: ignore[arg-type,union-attr]
        source = f"last report in the profile + {periodic.offset}"  # type: ignore[union-attr]
    elif rat.year is not None and "initial_report" in rules and "entry_into_force" in rules:
        # Only the year is known: assume deposit on 1 January, the earliest
        # possible, so the default errs early.
        eif = rules["entry_into_force"].offset.apply(date(rat.year, 1, 1))
        due, basis, template = rules["initial_report"].offset.apply(eif), DEFAULT, "initial_report"
        source = f"ratified {rat.year}: {rules['initial_report'].source}"
        if due < today:
            if not has_periodic:
                # An optional protocol reported inside the main treaty's reports, or a
                # committee without periodic reports (the CED): nothing more falls due.
                return out
            while due < today:
                due = periodic.offset.apply(due)  # type: ignore[union-attr]
            template = periodic_template
            note = Said(N_("from the ratification year; no reporting history in the profile"))
    if due is None:
        return [_obligation(code, periodic_template, Said.of(PERIODIC_TITLES["periodic_report"], mechanism=code),
                            None, "unknown", "date unknown", mech.source,
                            Said.of(N_("set %(field)s in the profile"), field=f"reporting.{code}.next_report_due"))]
    submitted = bool(facts.get("submitted"))
    first = True
    while due <= horizon or (first and due < today):
        label = PERIODIC_TITLES.get(template, PERIODIC_TITLES["periodic_report"])
        anchors = {"submission": due}
        if template == "simplified_report":
            # The cycle counts from the list of issues; the replies are due a year after it.
            anchors = {"loipr_received": _before(due, rules["loipr_replies"].offset)}
        out.append(_obligation(code, template, Said.of(label, mechanism=code), due, basis,
                               _status(due, today, submitted and first), source, note, anchors=anchors))
        if not has_periodic:
            break
        due = periodic.offset.apply(due)  # type: ignore[union-attr]
        template, first, note = periodic_template, False, None
        basis = COMPUTED if basis in (OFFICIAL, PUBLISHED, COMPUTED) else (RECORDED if basis == RECORDED else DEFAULT)
        source = f"previous report + {periodic.offset}"  # type: ignore[union-attr]
    if facts.get("last_dialogue") and "follow_up" in rules and "follow_up_report" in mech.templates:
        co = _as_date(facts["last_dialogue"])
        fu = rules["follow_up"].offset.apply(co)  # type: ignore[arg-type]
        if fu <= horizon and not facts.get("follow_up_submitted"):
            out.append(_obligation(code, "follow_up_report",
                                   Said.of(N_("Follow-up report to %(mechanism)s"), mechanism=code), fu, RECORDED,
                                   _status(fu, today), rules["follow_up"].source,
                                   anchors={"concluding_observations": co}))  # type: ignore[dict-item]
    return out


def _before(day: date, offset: Offset) -> date:
    """The date `offset` before `day` (an offset counted back)."""
    back = Offset(years=-offset.years, months=-offset.months, weeks=-offset.weeks, days=-offset.days)
    return back.apply(day)
