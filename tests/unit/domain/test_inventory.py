"""The inventory: every obligation of a State from its ratifications and what it knows (pure)."""

from __future__ import annotations

from datetime import date

from nmrf.domain.inventory import Ratification, UprSchedule, inventory
from nmrf.domain.rules import load_catalogue
from nmrf.domain.reference import all_ratifications, upr_schedule

TODAY = date(2026, 11, 27)


def run(ratifications, reporting=None, years=5, state="XX", upr=None, today=TODAY):
    return inventory(catalogue=load_catalogue(), state=state, ratifications=ratifications,
                     reporting=reporting or {}, today=today, years=years, upr=upr)


def test_a_recent_ratification_owes_an_initial_report_dated_from_the_earliest_possible_deposit():
    obs = run({"crpd": Ratification(party=True, year=2026)})
    [crpd] = [o for o in obs if o.mechanism == "CRPD"]
    # Only the year is known: deposit on 1 January, entry into force 30 days later, report 2 years on.
    assert (crpd.template, crpd.due, crpd.basis) == ("initial_report", date(2028, 1, 31), "rule default")
    assert crpd.anchors == {"submission": date(2028, 1, 31)}


def test_an_official_due_date_in_the_past_is_overdue_and_the_chain_continues_from_it():
    obs = run({"cedaw": Ratification(True, 1989)},
              {"CEDAW": {"next_report_due": "2026-03-01", "source": "CEDAW/C/XX/CO/8"}})
    cedaw = [o for o in obs if o.mechanism == "CEDAW" and o.due]
    assert (cedaw[0].due, cedaw[0].status, cedaw[0].basis) == (date(2026, 3, 1), "overdue", "official")
    assert [o.due for o in cedaw[1:]] == [date(2030, 3, 1)]
    assert cedaw[1].status == "upcoming" and cedaw[1].basis == "computed from an official date"


def test_a_submitted_report_is_not_overdue():
    obs = run({"cedaw": Ratification(True, 1989)}, {"CEDAW": {"next_report_due": "2026-03-01", "submitted": True}})
    assert [o for o in obs if o.mechanism == "CEDAW"][0].status == "upcoming"


def test_a_recorded_dialogue_gives_the_next_report_and_the_follow_up_report():
    """CCPR: follow-up information within 3 years and the next report 6 years after the dialogue
    (the predictable review cycle of 8 years, 125th session 2019); CEDAW: follow-up in 2 years
    (OHCHR, follow-up to concluding observations: "two years in the case of CEDAW and CMW")."""
    obs = run({"iccpr": Ratification(True, 1972)}, {"CCPR": {"last_dialogue": "2026-03-10"}}, years=8)
    kinds = {(o.template, o.due, o.basis) for o in obs if o.mechanism == "CCPR" and o.due}
    assert ("follow_up_report", date(2029, 3, 10), "recorded") in kinds
    assert ("periodic_report", date(2032, 3, 10), "recorded") in kinds
    cedaw = run({"cedaw": Ratification(True, 1989)}, {"CEDAW": {"last_dialogue": "2026-03-10"}})
    assert ("follow_up_report", date(2028, 3, 10)) in {(o.template, o.due) for o in cedaw}


def test_the_simplified_procedure_is_used_where_the_state_has_accepted_it():
    obs = run({"iccpr": Ratification(True, 1972)}, {"CCPR": {"procedure": "simplified", "next_report_due": "2027-06-30"}})
    assert [o.template for o in obs if o.mechanism == "CCPR" and o.due][0] == "simplified_report"


def test_an_optional_protocol_reported_inside_the_main_treaty_owes_only_its_initial_report():
    old = run({"op_crc_ac": Ratification(True, 2002)})
    assert not [o for o in old if o.mechanism == "CRC-OPAC"]
    new = run({"op_crc_ac": Ratification(True, 2026)})
    [opac] = [o for o in new if o.mechanism == "CRC-OPAC"]
    assert opac.template == "initial_report" and opac.due == date(2028, 2, 1)


def test_communications_procedures_and_visits_are_listed_as_on_receipt():
    obs = run({"iccpr": Ratification(True, 1972), "iccpr_op1": Ratification(True, 1990),
               "opcat": Ratification(True, 2008)})
    on_receipt = {(o.mechanism, o.template) for o in obs if o.status == "on receipt"}
    assert ("CCPR", "communication_reply") in on_receipt
    assert ("SPT", "spt_visit") in on_receipt
    assert ("SP", "sp_communication_reply") in on_receipt
    assert not any(o.mechanism == "CEDAW" for o in obs)  # not a party


def test_nothing_beyond_the_horizon_is_listed():
    obs = run({"cerd": Ratification(True, 1970), "icerd": Ratification(True, 1970)}, years=3)
    assert all(o.due is None or o.due <= date(2029, 11, 27) for o in obs)
    assert len([o for o in obs if o.mechanism == "CERD" and o.due]) == 2  # every 2 years: 2027 and 2029


def test_a_upr_review_date_from_the_profile_gives_the_national_report_15_weeks_earlier():
    obs = run({}, {"UPR": {"next_review": "2028-05-01", "last_review": "2024-01-22"}}, years=3)
    upr = [o for o in obs if o.mechanism == "UPR"]
    assert [(o.template, o.due) for o in upr] == [("upr_review", date(2028, 1, 17))]
    assert upr[0].anchors == {"review": date(2028, 5, 1)}
    mid = run({}, {"UPR": {"last_review": "2025-11-03"}}, years=3)
    assert ("upr_midterm_report", date(2027, 11, 3)) in {(o.template, o.due) for o in mid}


def test_without_a_date_the_upr_is_estimated_from_the_review_order_of_upr_info():
    schedule = upr_schedule()
    chile = schedule.estimated_fourth_cycle_review("CL")  # first cycle session 5 -> session 45
    assert chile == schedule.session_dates[45]
    obs = run({}, {}, state="CL", upr=schedule, years=3)
    [upr] = [o for o in obs if o.mechanism == "UPR"]
    assert upr.basis == "rule default" and upr.due > TODAY
    unknown = run({}, {}, state="XX", upr=UprSchedule({}, {}))
    assert [o.status for o in unknown if o.mechanism == "UPR"] == ["date unknown"]


def test_the_shipped_data_covers_the_193_member_states_with_its_quirks_repaired():
    data = all_ratifications()
    assert len(data) == 193
    assert data["SS"]["op_crc_ic"].party is False  # listed as "S" in the source file
    assert "MS" not in data  # Montserrat is not a member State
    assert data["CL"]["cedaw"] == Ratification(True, 1989, "state party")
    assert data["MA"]["african_charter"].party is False and data["KE"]["african_charter"].party is True


def test_every_member_state_gets_an_inventory():
    total = 0
    for code, rats in all_ratifications().items():
        obs = run(rats, state=code, upr=upr_schedule())
        assert obs, code
        total += sum(1 for o in obs if o.due)
    assert total > 1500
