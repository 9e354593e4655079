"""The catalogue of mechanism rules: complete, sourced, erring early, checked when it loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from nmrf.domain.dates import Offset
from nmrf.domain.rules import CATALOGUE_PATH, Rule, load_catalogue, parse_catalogue
from nmrf.errors import NmrfError
from nmrf.flows import FLOWS, flow_for

TREATY_BODIES = ("CERD", "CCPR", "CESCR", "CEDAW", "CAT", "CRC", "CMW", "CRPD", "CED")


def test_the_catalogue_covers_every_mechanism_the_issue_names():
    cat = load_catalogue()
    for code in ("UPR", *TREATY_BODIES, "CRC-OPAC", "CRC-OPSC", "SP", "SPT", "ACHPR"):
        assert code in cat.mechanisms, code
    # Every mechanism that makes recommendations has a follow-up plan (the actions answering them).
    for code, mech in cat.mechanisms.items():
        assert ("follow_up_plan" in mech.templates) == (code != "IACHR"), code
    assert set(cat.mechanisms["UPR"].templates) == {"upr_review", "upr_midterm_report", "follow_up_plan"}
    for code in TREATY_BODIES:
        assert "initial_report" in cat.mechanisms[code].templates, code
        # ICPPED art. 29: the CED has no periodic reports, only additional information on request.
        assert ("periodic_report" in cat.mechanisms[code].templates) == (code != "CED"), code
    # Communications, visits and the simplified procedure exist where the rules provide them.
    assert "communication_reply" in cat.mechanisms["CCPR"].templates
    assert "views_follow_up" in cat.mechanisms["CRPD"].templates
    assert "simplified_report" in cat.mechanisms["CCPR"].templates
    assert cat.mechanisms["SP"].templates == ("sp_country_visit", "sp_communication_reply", "follow_up_plan")
    assert cat.mechanisms["SPT"].templates == ("spt_visit", "follow_up_plan")
    assert "regional_periodic_report" in cat.mechanisms["ACHPR"].templates


def test_mechanisms_without_a_follow_up_procedure_have_no_follow_up_template():
    cat = load_catalogue()
    assert "follow_up_report" not in cat.mechanisms["CRC"].templates  # no written procedure
    assert "follow_up_report" not in cat.mechanisms["CRPD"].templates  # discontinued in 2016
    assert "follow_up_report" in cat.mechanisms["CCPR"].templates


def test_every_rule_names_its_source_and_says_whether_it_is_verified():
    cat = load_catalogue()
    unverified = []
    for code, mech in cat.mechanisms.items():
        assert mech.source
        for name, rule in mech.rules.items():
            assert len(rule.source) > 5, (code, name)
            if not rule.verified:
                unverified.append((code, name))
    # The digest marks several rules as unverified: they must stay marked.
    assert ("CESCR", "periodic_report") in unverified
    assert ("SP", "communication_reply") in unverified
    assert ("CEDAW", "periodic_report") not in unverified


def test_confidential_templates_are_the_communications_and_the_spt_visit():
    cat = load_catalogue()
    confidential = {k for k, t in cat.templates.items() if t.confidential}
    assert confidential == {"communication_reply", "views_follow_up", "sp_communication_reply", "spt_visit",
                            "cpt_visit", "urgent_action"}


def test_every_default_taken_from_a_range_is_its_early_end():
    cat = load_catalogue()
    ranged = [(c, n, r) for c, m in cat.mechanisms.items() for n, r in m.rules.items() if r.range]
    assert len(ranged) >= 5
    for code, name, rule in ranged:
        assert rule.offset.approx_days() == min(o.approx_days() for o in rule.range), (code, name)
    # The UPR national report: 15 weeks, not the 12 UPR Info calls usual.
    assert cat.mechanisms["UPR"].rules["national_report"].offset == Offset(weeks=-15)


def test_a_rule_whose_default_is_later_than_its_range_is_refused():
    with pytest.raises(ValueError, match="err early"):
        Rule(offset=Offset(weeks=-12), range=(Offset(weeks=-15), Offset(weeks=-12)), source="test", verified=True)


def test_a_catalogue_error_names_the_file_and_line(tmp_path: Path):
    text = CATALOGUE_PATH.read_text(encoding="utf-8")
    broken = text.replace("due: {from: submission, offset: {weeks: -10}}\n        word_limit: national_report",
                          "due: {from: submision, offset: {weeks: -10}}\n        word_limit: national_report", 1)
    assert broken != text
    path = tmp_path / "catalogue.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(NmrfError) as err:
        parse_catalogue(path)
    problem = err.value.problems[0]
    assert problem.file == str(path) and problem.line is not None
    assert "submision" in problem.message


def test_every_stage_of_every_template_has_a_task_in_its_flow():
    cat = load_catalogue()
    for name, template in cat.templates.items():
        assert template.flow in FLOWS, name
        module = __import__(FLOWS[template.flow].split(":")[0], fromlist=["STAGES"])
        covered = {stage for t in module.STAGES for stage in t.stages}
        used = {m.stage for m in template.milestones}
        assert used <= covered, (name, used - covered)
        assert callable(flow_for(template.flow))
