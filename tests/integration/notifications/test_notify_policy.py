"""The reminder and escalation policy as data: checked when the profile loads, versioned in the database."""

from __future__ import annotations

from datetime import date

import pytest
from tests.support.notify import (
    load,
    make_world,
    sweep,
    to_whom,
    write_profile,
)
from sqlalchemy import func, select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.errors import NmrfError
from nmrf.models import AuditEntry, NotificationPolicy, Person
from nmrf.models.db import session_scope
from nmrf.domain.policy import DEFAULT_POLICY_PATH, default_policy
from nmrf.profile import load_profile

CUSTOM = {
    "escalation": [
        {"name": "inputs", "stages": ["inputs"], "levels": [
            {"name": "first", "after": {"working_days": 2}, "to": ["owner", "person:ana-rojas"]},
            {"name": "second", "after": {"working_days": 4}, "to": ["minister"]},
        ]},
        {"name": "rest", "levels": [{"name": "late", "after": {"days": 1}, "to": ["owner"]}]},
    ],
    "digest": {"window": "off"},
}


def _errors(path) -> list[str]:
    with pytest.raises(NmrfError) as info:
        load_profile(path)
    return [str(p) for p in info.value.problems]


def test_the_shipped_policy_loads_and_escalates_an_input_to_the_minister_after_ten_working_days():
    p = default_policy()
    esc = p.escalation_for("inputs", "focal_point")
    assert [(lv.name, lv.after.working_days, lv.to) for lv in esc.levels] == [
        ("overdue", 1, ("owner", "head_of_unit")), ("secretariat", 5, ("head_of_secretariat",)),
        ("minister", 10, ("minister",))]
    assert esc.is_urgent(2) and not esc.is_urgent(0)
    assert [d.days for d in p.ladder_for("inputs", "focal_point").before] == [14, 3, 0]
    assert p.escalation_for("validation", "minister").name == "ministerial"


def test_a_policy_naming_a_role_nobody_holds_fails_at_load_with_its_line(tmp_path):
    path = write_profile(tmp_path, notifications={"escalation": [
        {"name": "all", "levels": [{"name": "late", "after": {"working_days": 1}, "to": ["cso_contact", "owner"]}]}]},
        edit=lambda d: d.update(people=[p for p in d["people"] if "cso_contact" not in str(p.get("roles"))]))
    errors = _errors(path)
    assert len(errors) == 1
    text = path.read_text().splitlines()
    line = int(errors[0].split(":")[1])
    assert "cso_contact" in text[line - 1]
    assert "a role nobody in the profile holds" in errors[0] and "notifications.escalation[0].levels[0].to[0]" in errors[0]


def test_the_shipped_policy_also_fails_at_load_when_nobody_holds_a_role_it_needs(tmp_path):
    def no_heads_of_unit(d):
        d["people"] = [p for p in d["people"] if "head_of_unit" not in str(p.get("roles"))]

    errors = _errors(write_profile(tmp_path, edit=no_heads_of_unit))
    assert any(str(DEFAULT_POLICY_PATH) in e and "head_of_unit" in e and "give your own notifications.escalation" in e
               for e in errors), errors


def test_an_unknown_person_in_a_policy_fails_at_load(tmp_path):
    bad = {"escalation": [{"name": "all", "levels": [
        {"name": "late", "after": {"working_days": 1}, "to": ["owner", "person:nobody-here"]}]}]}
    errors = _errors(write_profile(tmp_path, notifications=bad))
    assert any("unknown person 'nobody-here'" in e for e in errors)


def test_a_person_the_policy_can_reach_without_an_address_fails_at_load(tmp_path):
    def strip(d):
        d["people"][0]["addresses"] = []

    errors = _errors(write_profile(tmp_path, edit=strip))
    assert any("ana-rojas has no notification address" in e and "people[0].addresses" in e for e in errors)


@pytest.mark.parametrize("url, expected", [
    ("mailto://", "apprise cannot use this mailto:// URL"),
    ("hooks.example.org/x", "not a notification URL"),
    ("msteams://a/b/c", "workflows://"),
])
def test_a_malformed_or_retired_apprise_url_fails_at_load_without_echoing_it(tmp_path, url, expected):
    def bad(d):
        d["people"][1]["addresses"][0]["url"] = url

    errors = _errors(write_profile(tmp_path, edit=bad))
    assert any(expected in e and "people[1].addresses[0].url" in e for e in errors), errors
    if len(url) > 12:
        assert not any(url in e for e in errors)


@pytest.mark.parametrize("notifications, expected", [
    ({"reminders": [{"name": "x", "stages": ["inputs"], "before": [{"days": 3}]}]}, "must match everything"),
    ({"escalation": [{"name": "x", "levels": [{"name": "a", "after": {"working_days": 5}, "to": ["owner"]},
                                              {"name": "b", "after": {"working_days": 2}, "to": ["owner"]}]}]},
     "level 'b' must come after level 'a'"),
    ({"escalation": [{"name": "x", "levels": [{"name": "a", "after": {"weeks": 1}, "to": ["owner"]}]}]},
     "is not a known field"),
    ({"escalation": [{"name": "x", "levels": [{"name": "a", "after": {"days": 1}, "to": ["boss"]}]}]},
     "unknown target 'boss'"),
    ({"digest": {"window": "month"}}, "Input should be 'day', 'week' or 'off'"),
])
def test_a_malformed_policy_fails_at_load(tmp_path, notifications, expected):
    errors = _errors(write_profile(tmp_path, notifications=notifications))
    assert any(expected in e for e in errors), errors


def test_nmrf_init_refuses_a_bad_policy_and_changes_nothing(tmp_path, engine):
    good = write_profile(tmp_path)
    runner = CliRunner()
    assert runner.invoke(app, ["init", "--profile", str(good)]).exit_code == 0
    with session_scope(engine, readonly=True) as s:
        audit_before = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    bad = write_profile(tmp_path, notifications={"escalation": [{"name": "x", "levels": [
        {"name": "a", "after": {"working_days": 1}, "to": ["person:ghost"]}]}]})
    result = runner.invoke(app, ["init", "--profile", str(bad)])
    assert result.exit_code == 2
    assert "unknown person 'ghost'" in result.output and "Nothing was changed." in result.output
    with session_scope(engine, readonly=True) as s:
        assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audit_before
        assert s.execute(select(func.count()).select_from(NotificationPolicy)).scalar_one() == 1


def test_a_changed_policy_is_a_new_version_and_a_running_chain_keeps_its_own(db_url, smtp, http, tmp_path):
    w = make_world(db_url, smtp, http)
    # Before the deadline: the labour input's chain starts with version 1 (its reminders).
    sweep(w.engine, date(2027, 5, 18))
    from tests.support.notify import launch_cedaw, record

    for inst in ("foreign-affairs", "justice", "health", "education", "women", "social-development",
                 "statistics", "judiciary"):
        record(w.engine, w.cycle_id, f"input:{inst}", date(2027, 5, 20))
    load(w.engine, write_profile(tmp_path, notifications=CUSTOM), when=date(2027, 5, 21))
    with session_scope(w.engine, readonly=True) as s:
        assert s.execute(select(NotificationPolicy.version).order_by(NotificationPolicy.version)).scalars().all() == [1, 2]
    # A second CEDAW cycle launched now starts under version 2.
    second = launch_cedaw(w.engine, due=date(2027, 10, 4), when=date(2027, 5, 21),
                          reason="a second CEDAW cycle, to see it start under the new version")
    assert second != w.cycle_id
    for day in (date(2027, 6, 2), date(2027, 6, 3), date(2027, 6, 8), date(2027, 6, 15)):
        sweep(w.engine, day)
    steps = to_whom(w.engine)
    # The running chain (cycle 1, version 1): overdue, secretariat, minister levels.
    from nmrf.models import Notification

    with session_scope(w.engine, readonly=True) as s:
        first_chain = {(s.get(Person, n.person_id).key, n.step) for n in s.execute(select(Notification)).scalars()
                       if n.kind == "escalation" and n.data["cycle_id"] == w.cycle_id}
        second_chain = {(s.get(Person, n.person_id).key, n.step) for n in s.execute(select(Notification)).scalars()
                        if n.kind == "escalation" and n.data["cycle_id"] == second and "labour" in n.data["milestone"]}
    assert first_chain == {("rodrigo-vera", "overdue#0"), ("ana-rojas", "secretariat#0"),
                           ("minister-labour", "minister#0")}
    assert second_chain == {("rodrigo-vera", "first#0"), ("ana-rojas", "first#0"), ("minister-labour", "second#0")}
    assert steps


def test_the_policy_version_in_force_is_shown(db_url, engine):
    from tests.support.notify import EXAMPLE_PROFILE

    load(engine, EXAMPLE_PROFILE)
    out = CliRunner().invoke(app, ["notify", "policy"], env={"COLUMNS": "200"}).output
    assert "version 1" in out and "3. minister: 10wd late -> minister (urgent: no digest)" in out
