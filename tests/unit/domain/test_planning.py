"""Planning a cycle from a template: every mechanism's template, official dates winning, working days."""

from __future__ import annotations

from datetime import date

import pytest

from nmrf.domain.dates import Offset, WorkCalendar
from nmrf.domain.planning import Participant, missing_anchors, plan_cycle
from nmrf.domain.rules import load_catalogue

CAL = WorkCalendar()  # Saturday-Sunday weekend, no holidays: the arithmetic is visible
MINISTRIES = [
    Participant("health", "Ministry of Health", "ministry", frozenset({"focal_point", "minister"})),
    Participant("justice", "Ministry of Justice", "ministry", frozenset({"focal_point", "minister"})),
    Participant("statistics", "Statistics office", "statistics_office", frozenset({"focal_point"})),
    Participant("congress", "Congress", "parliament", frozenset({"focal_point"})),
]
ANCHOR = date(2028, 5, 1)


def plan(template: str, mechanism: str, officials=None, **kw):
    cat = load_catalogue()
    tpl = cat.template(template)
    if officials is None:
        officials = {k: ANCHOR for k in missing_anchors(tpl, {})}
    return {p.key: p for p in plan_cycle(tpl, cat.mechanism(mechanism), officials=officials,
                                         participants=MINISTRIES, calendar=CAL, timezone="America/Santiago", **kw)}


ALL_PAIRS = [(t, code) for code, m in load_catalogue().mechanisms.items() for t in m.templates]


@pytest.mark.parametrize(("template", "mechanism"), ALL_PAIRS)
def test_every_template_plans_a_date_for_every_milestone_that_counts_from_an_anchor(template, mechanism):
    cat = load_catalogue()
    tpl = cat.template(template)
    planned = plan(template, mechanism)
    rules = {m.key: m for m in tpl.milestones}
    for key, p in planned.items():
        rule = rules[p.template_key]
        if rule.anchor:
            assert p.due_date == ANCHOR and p.official_date == ANCHOR
            continue
        # A milestone counting (transitively) from an anchor has a date; one whose
        # date the mechanism sets later (a dialogue, a decision) has none yet.
        chain, cur = [], rule
        while cur.due:
            chain.append(cur.due.from_)
            cur = rules[cur.due.from_]
        if cur.anchor:
            assert p.due_date is not None, key
        else:
            assert p.due_date is None, key
        if p.due_date and p.side == "internal":
            assert CAL.is_working_day(p.due_date), key
        if rule.due and rule.due.rule:
            assert p.source == cat.mechanism(mechanism).rules[rule.due.rule].source


def test_the_upr_national_report_is_due_15_weeks_before_the_session_and_parliament_is_alerted_10_months_ahead():
    p = plan("upr_review", "UPR", {"review": date(2027, 11, 8)})
    assert p["submission"].due_date == date(2027, 7, 26)
    assert p["submission"].side == "un"
    assert p["parliament_alert"].due_date == date(2026, 9, 25)  # 26 September is a Saturday
    assert p["info_request"].due_date == date(2027, 1, 26)
    # A November session: 32 weeks before (OHCHR's November deadlines were 31 and 30.7 weeks before).
    assert p["stakeholder_deadline"].due_date == date(2027, 3, 29)
    assert p["submission"].word_limit == 10700


def test_an_official_date_wins_on_its_milestone_and_on_every_milestone_counting_from_it():
    computed = plan("upr_review", "UPR", {"review": date(2027, 11, 8)})
    official = plan("upr_review", "UPR", {"review": date(2027, 11, 8), "submission": date(2027, 7, 12)})
    assert official["submission"].due_date == date(2027, 7, 12)
    assert official["submission"].computed_date == date(2027, 7, 26)
    assert official["submission"].verified
    assert official["draft"].due_date == CAL.on_or_before(Offset(weeks=-10).apply(date(2027, 7, 12)))
    assert official["draft"].due_date < computed["draft"].due_date
    assert official["input:health"].due_date == date(2027, 3, 12)
    # Milestones counting from the review itself do not move.
    assert official["hrc_adoption"].due_date == computed["hrc_adoption"].due_date


def test_an_official_date_for_a_per_institution_milestone_moves_only_that_institution():
    p = plan("periodic_report", "CEDAW", {"submission": date(2027, 10, 1), "input:health": date(2027, 6, 15)})
    assert p["input:health"].due_date == date(2027, 6, 15)
    assert p["input:justice"].due_date == date(2027, 6, 1)


def test_internal_deadlines_move_to_the_previous_working_day_but_un_deadlines_stay_as_published():
    # Submission on a Sunday: the UN date stays; the draft ten weeks before (a Sunday too) moves to Friday.
    p = plan("periodic_report", "CEDAW", {"submission": date(2027, 10, 3)})
    assert p["submission"].due_date == date(2027, 10, 3)
    assert p["draft"].computed_date == date(2027, 7, 23)
    holidays = WorkCalendar(holidays_for=lambda y: {date(2027, 7, 23)} if y == 2027 else ())
    cat = load_catalogue()
    q = {x.key: x for x in plan_cycle(cat.template("periodic_report"), cat.mechanism("CEDAW"),
                                      officials={"submission": date(2027, 10, 3)}, participants=MINISTRIES,
                                      calendar=holidays, timezone="UTC")}
    assert q["draft"].due_date == date(2027, 7, 22)


def test_the_nmrf_s_own_lead_times_replace_the_template_s_for_internal_milestones_only():
    p = plan("periodic_report", "CEDAW", {"submission": date(2027, 10, 1)},
             lead_times={"info_request": Offset(months=-8), "submission": Offset(months=3)})
    assert p["info_request"].due_date == date(2027, 2, 1)
    assert p["submission"].due_date == date(2027, 10, 1)


def test_one_milestone_per_institution_whose_people_hold_the_owner_role():
    p = plan("periodic_report", "CEDAW", {"submission": date(2027, 10, 1)})
    assert {k for k in p if k.startswith("input:")} == {"input:health", "input:justice", "input:statistics",
                                                      "input:congress"}
    assert {k for k in p if k.startswith("signoff:")} == {"signoff:health", "signoff:justice"}
    upr = plan("upr_review", "UPR", {"review": date(2027, 11, 8)})
    assert "input:congress" not in upr  # parliament comments on the draft instead
    assert "parliament_comment:congress" in upr


def test_meetings_are_timed_in_the_state_s_zone():
    p = plan("periodic_report", "CEDAW", {"submission": date(2027, 10, 1)})
    meeting = p["consultation"]
    assert meeting.kind == "meeting" and meeting.timezone == "America/Santiago"
    assert meeting.starts_at.isoformat() == "2027-08-06T10:00:00-04:00"
    assert (meeting.ends_at - meeting.starts_at).total_seconds() == 3 * 3600


def test_a_treaty_follow_up_report_is_due_a_year_after_the_concluding_observations():
    """CAT: one year (OHCHR, follow-up to concluding observations). The CCPR's three years are
    tested in test_review_calendars.py (predictable review cycle)."""
    p = plan("follow_up_report", "CAT", {"concluding_observations": date(2026, 11, 5)})
    assert p["submission"].due_date == date(2027, 11, 5)
    cescr = plan("follow_up_report", "CESCR", {"concluding_observations": date(2026, 11, 5)})
    assert cescr["submission"].due_date == date(2028, 11, 5)
    assert not cescr["submission"].verified


def test_a_communication_reply_is_due_six_months_after_transmission():
    p = plan("communication_reply", "CCPR", {"transmitted": date(2027, 2, 15)})
    assert p["submission"].due_date == date(2027, 8, 15)
    assert p["decision"].due_date is None
