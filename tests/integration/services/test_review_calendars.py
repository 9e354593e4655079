"""The rules as the committees apply them today, and OHCHR's published review calendar.

Each test names the source of the rule it checks (treaty article, rules of procedure,
or the committee's or OHCHR's published page with the date it was read).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from nmrf.domain.inventory import Ratification, inventory
from nmrf.domain.review_calendars import UPR_CALENDAR_PATH, default_gap, parse_review_calendar
from nmrf.domain.rules import load_catalogue
from nmrf.errors import NmrfError
from nmrf.models import CycleEvent
from nmrf.models.db import session_scope
from nmrf.notifications.decide import level_days, reminder_days
from nmrf.domain.policy import default_policy
from nmrf.domain.dates import WorkCalendar
from nmrf.domain.reference import member_names, upr_calendar
from nmrf.services.cycles import launch_cycle, milestones_of
from nmrf.services.people import get_state
from tests.conftest import at
from tests.unit.domain.test_planning import plan

UPR = load_catalogue().mechanism("UPR")


# ---------------------------------------------------------------- the UPR calendar and its defaults

def test_the_upr_stakeholder_default_is_never_later_than_ohchrs_deadline_and_at_most_four_weeks_earlier():
    """For every session whose deadline OHCHR published (sessions 41-46, ILGA's copy read 2026-12-01),
    the default the catalogue would give without it errs early, by four weeks at most."""
    rule = UPR.rules["stakeholder_submissions"]
    checked = []
    for s in upr_calendar().sessions:
        if s.stakeholder_deadline is None:
            continue
        gap = default_gap(rule, s.opens, s.stakeholder_deadline)
        assert 0 <= gap <= 28, (s.session, s.opens, s.stakeholder_deadline, gap)
        checked.append(s.session)
    assert checked == [41, 42, 43, 44, 45, 46]


def test_the_upr_national_report_default_is_never_later_than_ohchrs_deadline_and_at_most_four_weeks_earlier():
    """OHCHR's national-report deadlines of sessions 41-45 were 12 to 15 weeks before the session."""
    rule = UPR.rules["national_report"]
    gaps = [default_gap(rule, s.opens, s.national_report_deadline) for s in upr_calendar().sessions
            if s.national_report_deadline is not None]
    assert len(gaps) == 5 and all(0 <= g <= 28 for g in gaps), gaps


def test_the_calendar_names_each_state_once_by_its_iso_code_with_its_source():
    cal = upr_calendar()
    states = [c for s in cal.sessions for c in s.states]
    assert len(states) == len(set(states)) and set(states) <= set(member_names())
    assert cal.session_of("CL").session == 46 and cal.session_of("IT").session == 48
    assert all("read 2026-12-01" in s.source for s in cal.sessions)


@pytest.mark.parametrize("edit, message, line_text", [
    (("  - session: 44\n", "  - session: 40\n"), "out of order", "session: 40"),
    (("states: [SA, SN, CN,", "states: [SA, XQ, CN,"), "unknown State code 'XQ'", "states: [SA, XQ"),
    (("    national_report_deadline: 2023-08-07\n", "    national_report_deadline: 2023-10-02\n"),
     "outside the range of the rule national_report", "national_report_deadline: 2023-10-02"),
])
def test_a_calendar_file_with_a_wrong_session_is_refused_with_its_line(tmp_path: Path, edit, message, line_text):
    text = UPR_CALENDAR_PATH.read_text(encoding="utf-8")
    broken = text.replace(*edit, 1)
    assert broken != text
    path = tmp_path / "upr.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(NmrfError) as err:
        parse_review_calendar(path, known_states=member_names(), mechanism=UPR)
    [problem] = [p for p in err.value.problems if message in p.message]
    assert problem.file == str(path)
    assert line_text in broken.splitlines()[problem.line - 1]


@pytest.mark.both_databases
def test_a_upr_review_launched_before_its_session_takes_ohchrs_published_dates_with_their_source(loaded):
    """Chile is in session 46 (29 April 2024); launched in June 2023, the cycle takes the session's
    date and OHCHR's stakeholder deadline (11 October 2023) as official dates, source named; the
    national report, whose deadline was not found, falls back on the rule (15 weeks)."""
    with session_scope(loaded, actor="test") as s:
        cycle = launch_cycle(session=s, state=get_state(session=s), template="upr_review", mechanism="UPR",
                             dates={}, now=at(date(2023, 6, 1)), actor="test").cycle
        ms = {m.key: m for m in milestones_of(session=s, cycle=cycle)}
        assert ms["review"].official_date == date(2024, 4, 29)
        assert "session 46" in ms["review"].official_source
        assert ms["stakeholder_deadline"].official_date == date(2023, 10, 11)
        assert "published deadline" in ms["stakeholder_deadline"].official_source
        assert ms["submission"].official_date is None and ms["submission"].due_date == date(2024, 1, 15)


def test_a_upr_review_on_a_published_session_takes_its_national_report_deadline(loaded):
    with session_scope(loaded, actor="test") as s:
        cycle = launch_cycle(session=s, state=get_state(session=s), template="upr_review", mechanism="UPR",
                             dates={"review": date(2024, 1, 22)}, now=at(date(2023, 6, 1)), actor="test").cycle
        ms = {m.key: m for m in milestones_of(session=s, cycle=cycle)}
        assert ms["submission"].official_date == date(2023, 10, 9)  # session 45's published deadline
        assert ms["stakeholder_deadline"].official_date == date(2023, 7, 18)


def test_beyond_the_published_calendar_the_defaults_apply(loaded):
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        with pytest.raises(NmrfError, match="needs the official date of: review"):
            launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR", dates={},
                         now=at(date(2027, 3, 1)), actor="test")  # session 46 is past: no date to take
        cycle = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                             dates={"review": date(2028, 11, 6)}, now=at(date(2027, 3, 1)), actor="test").cycle
        ms = {m.key: m for m in milestones_of(session=s, cycle=cycle)}
        assert ms["stakeholder_deadline"].official_date is None
        assert ms["stakeholder_deadline"].due_date == date(2028, 11, 6) - timedelta(weeks=32)


# ---------------------------------------------------------------- one obligation, one cycle

@pytest.mark.both_databases
def test_a_second_cycle_for_a_running_obligation_is_refused_unless_the_secretariat_says_why(loaded):
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        first = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                             dates={"review": date(2028, 5, 1)}, now=at(date(2027, 3, 1)), actor="test").cycle
        with pytest.raises(NmrfError, match=rf"already has a cycle running for CL: #{first.id} .*upr_review.*--reason"):
            launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                         dates={"review": date(2028, 11, 6)}, now=at(date(2027, 3, 1)), actor="test")
        second = launch_cycle(session=s, state=state, template="upr_review", mechanism="UPR",
                              dates={"review": date(2028, 11, 6)}, now=at(date(2027, 3, 1)), actor="test",
                              reason="the session was postponed; the first cycle is kept until OHCHR confirms").cycle
        [event] = s.exec(select(CycleEvent).where(CycleEvent.cycle_id == second.id,
                                                  CycleEvent.kind == "launched_alongside")).all()
        assert event.detail["running"] == [first.id] and "postponed" in event.detail["reason"]
        # Another report to the same committee, under another procedure, is the same obligation.
        launch_cycle(session=s, state=state, template="periodic_report", mechanism="CEDAW",
                     dates={"submission": date(2027, 10, 1)}, now=at(date(2027, 3, 1)), actor="test")
        with pytest.raises(NmrfError, match=r"to CEDAW already has a cycle running for CL: .*periodic_report"):
            launch_cycle(session=s, state=state, template="simplified_report", mechanism="CEDAW",
                         dates={"loipr_received": date(2027, 1, 10)}, now=at(date(2027, 3, 1)), actor="test")


# ---------------------------------------------------------------- treaty bodies

def test_ccpr_loipr_replies_are_due_a_year_after_the_list_predictable_review_cycle_2019():
    """Human Rights Committee, predictable review cycle (ohchr.org/en/treaty-bodies/ccpr/predictable-review-cycle):
    list of issues prior to reporting in year 1, replies in year 2."""
    p = plan("simplified_report", "CCPR", {"loipr_received": date(2027, 4, 1)})
    assert p["submission"].due_date == date(2028, 4, 1) and p["submission"].verified
    assert load_catalogue().mechanism("CCPR").rules["periodic_report"].offset.years == 6


def test_ccpr_follow_up_is_due_in_three_years_since_the_predictable_review_cycle():
    p = plan("follow_up_report", "CCPR", {"concluding_observations": date(2026, 11, 5)})
    assert p["submission"].due_date == date(2029, 11, 5)
    assert not p["submission"].verified  # no primary text read; the concluding observations say it


def test_cedaw_and_cmw_follow_up_is_due_in_two_years_ohchr_follow_up_page():
    """OHCHR, follow-up to concluding observations: "two years in the case of CEDAW and CMW"."""
    for code in ("CEDAW", "CMW"):
        p = plan("follow_up_report", code, {"concluding_observations": date(2026, 11, 5)})
        assert p["submission"].due_date == date(2028, 11, 5), code


def test_ced_has_no_periodic_reports_only_additional_information_at_the_date_it_sets_icpped_art_29():
    """ICPPED art. 29(4): additional information when the committee asks; CED/C/22/4: follow-up in one year."""
    ced = load_catalogue().mechanism("CED")
    assert "periodic_report" not in ced.rules and "periodic_report" not in ced.templates
    p = plan("additional_information", "CED", {"request_received": date(2027, 2, 1), "submission": date(2028, 2, 1)})
    assert p["submission"].due_date == date(2028, 2, 1) and p["draft"].due_date < date(2028, 2, 1)
    assert plan("follow_up_report", "CED", {"concluding_observations": date(2027, 3, 1)})["submission"].due_date \
        == date(2028, 3, 1)
    obs = inventory(catalogue=load_catalogue(), state="CL", ratifications={"cped": Ratification(True, 2009)},
                    reporting={}, today=date(2026, 12, 1), years=5)
    assert [o.template for o in obs if o.mechanism == "CED"] == ["additional_information", "urgent_action"]
    assert all(o.status == "on receipt" for o in obs if o.mechanism == "CED")


def test_a_ced_urgent_action_is_answered_in_two_weeks_and_its_reminders_and_escalation_fit_icpped_art_30():
    """ICPPED art. 30(3); CED's urgent-action procedure (rules 58-64): observations usually within two weeks.
    Every reminder comes after the request and every escalation level before the reply is due."""
    transmitted = date(2027, 3, 1)
    p = plan("urgent_action", "CED", {"transmitted": transmitted})
    reply = p["submission"].due_date
    assert reply == transmitted + timedelta(weeks=2)
    policy, cal = default_policy(), WorkCalendar()
    for key, m in p.items():
        if m.track and m.stage == "urgent_action" and m.owner_role:
            ladder = policy.ladder_for(m.stage, m.owner_role)
            assert all(transmitted < day <= m.due_date for _, day in reminder_days(ladder, m.due_date, cal)), key
            if m.template_key != "submission":
                esc = policy.escalation_for(m.stage, m.owner_role)
                assert all(day < reply for _, _, day in level_days(esc, m.due_date, cal)), key
    # The default ladders (14 days before; the minister 10 working days late) would not fit.
    assert policy.ladder_for("inputs", "focal_point").name == "default"
    inputs = [m for m in p.values() if m.template_key == "input"]
    assert inputs and all(m.due_date == reply - timedelta(days=5) for m in inputs)


def test_communications_to_cat_and_cerd_are_due_in_six_and_three_months_cat_art_22_icerd_art_14():
    """CAT art. 22(3): explanations within six months; ICERD art. 14(6)(b): within three months."""
    cat = plan("communication_reply", "CAT", {"transmitted": date(2027, 2, 15)})
    cerd = plan("communication_reply", "CERD", {"transmitted": date(2027, 2, 15)})
    assert cat["submission"].due_date == date(2027, 8, 15) and cat["submission"].verified
    assert cerd["submission"].due_date == date(2027, 5, 15) and cerd["submission"].verified
    # The declarations are not in the UN ratification data: the profile records them.
    obs = inventory(catalogue=load_catalogue(), state="CL", reporting={}, today=date(2026, 12, 1), years=1,
                    ratifications={"cat": Ratification(True, 1988), "cat_art22": Ratification(True)})
    assert ("CAT", "communication_reply") in {(o.mechanism, o.template) for o in obs}


def test_acerwc_wants_an_initial_report_in_two_years_then_every_three_acrwc_art_43():
    rules = load_catalogue().mechanism("ACERWC").rules
    assert rules["initial_report"].offset.years == 2 and rules["periodic_report"].offset.years == 3
    assert rules["periodic_report"].verified
    obs = inventory(catalogue=load_catalogue(), state="KE", ratifications={"acrwc": Ratification(True)},
                    reporting={"ACERWC": {"last_submitted": "2025-06-01"}}, today=date(2026, 12, 1), years=5)
    assert [o.due for o in obs if o.mechanism == "ACERWC"] == [date(2028, 6, 1), date(2031, 6, 1)]


def test_the_african_commission_has_no_unsourced_word_limit_and_the_council_of_europe_bodies_exist():
    cat = load_catalogue()
    assert cat.mechanism("ACHPR").word_limits == {}
    for code in ("CPT", "ECRI", "GREVIO"):
        assert cat.mechanism(code).body == "regional"


def test_upr_rules_without_a_primary_text_are_marked_unverified():
    """HRC res. 16/21 sets the 4.5-year periodicity; it sets no date for the mid-term report or the addendum."""
    rules = UPR.rules
    assert rules["periodicity"].verified
    for name in ("midterm_report", "position_first", "position_final", "recommendations_list", "hrc_adoption"):
        assert not rules[name].verified, name


# ---------------------------------------------------------------- the inventory never cries wolf

def test_the_upr_national_report_rests_on_a_computed_date_not_an_official_one():
    obs = inventory(catalogue=load_catalogue(), state="CL", ratifications={}, today=date(2026, 12, 1), years=3,
                    reporting={"UPR": {"next_review": "2028-05-01"}}, upr_calendar=upr_calendar())
    [report] = [o for o in obs if o.template == "upr_review"]
    assert report.basis == "computed from an official date"
    early = inventory(catalogue=load_catalogue(), state="CN", ratifications={}, today=date(2023, 6, 1), years=1,
                      reporting={}, upr_calendar=upr_calendar())
    [report] = [o for o in early if o.template == "upr_review"]
    assert (report.due, report.basis) == (date(2023, 10, 9), "published calendar")


def test_special_procedure_and_spt_visits_are_listed_when_requested_or_announced():
    reporting = {"SP": {"visits": [
        {"mandate": "Special Rapporteur on the right to food", "requested": "2026-11-02"},
        {"mandate": "Working Group on arbitrary detention", "requested": "2026-03-01", "visit": "2027-04-12"}]},
        "SPT": {"visits": [{"mandate": "SPT", "announced": "2026-10-20"}]}}
    obs = inventory(catalogue=load_catalogue(), state="CL", ratifications={"opcat": Ratification(True, 2008)},
                    reporting=reporting, today=date(2026, 12, 1), years=2)
    lines = {(o.title, o.due, o.status) for o in obs if o.mechanism in ("SP", "SPT")}
    assert ("Reply to the visit request of Special Rapporteur on the right to food", date(2027, 1, 1),
            "upcoming") in lines
    assert ("Visit of Working Group on arbitrary detention", date(2027, 4, 12), "upcoming") in lines
    assert ("Visit announced by SPT", None, "date unknown") in lines


def test_the_example_profile_inventory_shows_no_false_overdue_item_and_no_ced_periodic_report(loaded):
    from nmrf.services.inventory import state_inventory

    for today in (date(2026, 12, 1), date(2027, 3, 1)):
        with session_scope(loaded, readonly=True) as s:
            rows = state_inventory(session=s, state=get_state(session=s), today=today, years=5)
        assert not [ob for ob, _ in rows if ob.status == "overdue"], today
        assert not [ob for ob, _ in rows if ob.mechanism == "CED" and ob.due is not None]
        ccpr = {ob.template: ob.due for ob, _ in rows if ob.mechanism == "CCPR" and ob.due}
        assert ccpr == {"follow_up_report": date(2027, 10, 14), "simplified_report": date(2030, 10, 14)}


def test_a_visit_recorded_without_any_date_is_refused_with_its_line(tmp_path: Path):
    from nmrf.profile import EXAMPLE_PROFILE, load_profile

    text = EXAMPLE_PROFILE.read_text(encoding="utf-8")
    line = '  SP: {visits: [{mandate: "Special Rapporteur on the right to food"}]}\n'
    bad = text.replace("  CRC: {last_dialogue: 2022-09-01}\n", "  CRC: {last_dialogue: 2022-09-01}\n" + line, 1)
    assert bad != text
    path = tmp_path / "state.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(NmrfError) as err:
        load_profile(path)
    [problem] = err.value.problems
    assert "requested, announced" in problem.message and bad.splitlines()[problem.line - 1] == line.rstrip("\n")


def test_a_visit_request_in_the_profile_reaches_the_inventory(engine, tmp_path: Path):
    from nmrf.profile import EXAMPLE_PROFILE, load_profile
    from nmrf.services.inventory import state_inventory
    from nmrf.services.profiles import apply_profile

    text = EXAMPLE_PROFILE.read_text(encoding="utf-8").replace(
        "  CRC: {last_dialogue: 2022-09-01}\n",
        "  CRC: {last_dialogue: 2022-09-01}\n"
        '  SP: {visits: [{mandate: "Special Rapporteur on the right to food", requested: 2026-11-02}]}\n', 1)
    path = tmp_path / "state.yaml"
    path.write_text(text, encoding="utf-8")
    from nmrf.models.db import upgrade_schema

    upgrade_schema(engine)
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(path), now=at(date(2026, 12, 1)))
    with session_scope(engine, readonly=True) as s:
        rows = state_inventory(session=s, state=get_state(session=s), today=date(2026, 12, 1), years=1)
    [(visit, _)] = [(ob, c) for ob, c in rows if ob.mechanism == "SP" and ob.due]
    assert (visit.due, visit.template, visit.anchors) == (date(2027, 1, 1), "sp_country_visit",
                                                          {"request_received": date(2026, 11, 2)})


def test_a_state_reviewed_in_a_published_session_counts_its_next_review_from_it():
    """HRC res. 16/21: every 4.5 years; Chile was reviewed in session 46 (29 April 2024)."""
    obs = inventory(catalogue=load_catalogue(), state="CL", ratifications={}, reporting={},
                    today=date(2026, 12, 1), years=3, upr_calendar=upr_calendar())
    upr = {o.template: o for o in obs if o.mechanism == "UPR"}
    assert upr["upr_review"].anchors == {"review": date(2028, 10, 29)}
    assert upr["upr_review"].basis == "computed from an official date"
    assert "session 46" in upr["upr_review"].source


def test_a_default_earlier_than_its_range_or_a_season_outside_it_is_refused():
    from nmrf.domain.dates import Offset
    from nmrf.domain.rules import Rule, Season

    weeks = (Offset(weeks=-15), Offset(weeks=-12))
    with pytest.raises(ValueError, match="never by more than the rule's range"):
        Rule(offset=Offset(weeks=-16), range=weeks, source="test", verified=False)
    with pytest.raises(ValueError, match="outside the range"):
        Rule(offset=Offset(weeks=-15), range=weeks, source="test", verified=False,
             seasons=(Season(months=(1,), offset=Offset(weeks=-11)),))
