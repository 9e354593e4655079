"""The NMRF profile: a hand-written YAML file, checked with line numbers, applied without losing anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from nmrf.errors import NmrfError
from nmrf.models import Address, AuditEntry, Person, RoleAssignment, State
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services.profiles import apply_profile
from tests.conftest import NOW

pytestmark = pytest.mark.both_databases

EXAMPLE = EXAMPLE_PROFILE.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "state.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(path: Path) -> list:
    with pytest.raises(NmrfError) as err:
        load_profile(path)
    return err.value.problems


def test_the_example_profile_is_complete():
    p = load_profile(EXAMPLE_PROFILE)
    kinds = {i.kind for i in p.institutions}
    assert kinds == {"secretariat", "ministry", "statistics_office", "parliament", "judiciary", "nhri", "cso"}
    roles = {r if isinstance(r, str) else r.role for person in p.people for r in person.roles}
    assert roles == {"secretariat", "head_of_secretariat", "focal_point", "head_of_unit", "minister",
                     "nhri_contact", "cso_contact"}
    assert {person.timezone for person in p.people if person.timezone} >= {"Europe/Zurich", "Europe/Brussels"}


def test_a_misspelt_time_zone_is_reported_with_its_line_and_field(tmp_path: Path):
    text = EXAMPLE.replace("timezone: Europe/Zurich", "timezone: Europe/Zurik")
    [p] = problems(write(tmp_path, text))
    assert p.line == line_of(text, "Europe/Zurik")
    assert p.field == "people[2].timezone"
    assert "IANA" in p.message and str(tmp_path / "state.yaml") in str(p)


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path):
    text = (EXAMPLE.replace("kind: statistics_office", "kind: statistics")
            .replace("language: en\n    quiet_hours", "language: english\n    quiet_hours"))
    found = problems(write(tmp_path, text))
    fields = {p.field for p in found}
    assert "institutions[9].kind" in fields and "people[2].language" in fields


def test_a_person_at_an_unknown_institution_is_refused(tmp_path: Path):
    text = EXAMPLE.replace("institution: health, roles: [focal_point]", "institution: helth, roles: [focal_point]")
    found = problems(write(tmp_path, text))
    messages = " ".join(p.message for p in found)
    assert "unknown institution 'helth'" in messages
    assert any(p.line == line_of(text, "helth") for p in found)
    # Health has lost its focal point, which is a problem of its own.
    assert "ministry 'health' has no focal point" in messages


def test_a_malformed_notification_url_is_refused_without_printing_it(tmp_path: Path):
    text = EXAMPLE.replace("mailtos://nmrf-mailer:CHANGE-ME@smtp.example.gob.cl?to=tomas.silva@example.gob.cl",
                           "mailtos://nmrf-mailer:s3cret-pass@")
    [p] = problems(write(tmp_path, text))
    assert p.field == "people[1].addresses[0].url" and p.line == line_of(text, "s3cret-pass")
    assert "s3cret-pass" not in str(p)


def test_syntax_errors_and_unknown_fields_point_at_the_line(tmp_path: Path):
    [p] = problems(write(tmp_path, EXAMPLE.replace("  timezone: America/Santiago\n", "  timezone: [America\n", 1)))
    assert "not valid YAML" in p.message and p.line is not None
    text = EXAMPLE.replace("  quiet_hours: \"20:00-07:30\"", "  quiet_hour: \"20:00-07:30\"")
    [p] = problems(write(tmp_path, text))
    assert p.field == "state.quiet_hour" and "not a known field" in p.message and p.line == line_of(text, "quiet_hour")


def test_a_lead_time_for_a_un_deadline_is_refused(tmp_path: Path):
    text = EXAMPLE.replace("  info_request: {months: -6}", "  submission: {months: -1}")
    [p] = problems(write(tmp_path, text))
    assert "UN dates change only by official dates" in p.message


def test_a_missing_file_and_a_non_utf8_file_are_clear_errors(tmp_path: Path):
    assert "file not found" in str(problems(tmp_path / "nope.yaml")[0])
    path = tmp_path / "latin1.yaml"
    path.write_bytes(EXAMPLE.encode("utf-8").replace("Muñoz".encode(), "Muñoz".encode("latin-1")))
    assert "not UTF-8" in str(problems(path)[0])


def test_loading_the_same_profile_twice_changes_nothing(engine):
    profile = load_profile(EXAMPLE_PROFILE)
    with session_scope(engine, actor="a") as s:
        first = apply_profile(session=s, profile=profile, now=NOW)
    with session_scope(engine, actor="a") as s:
        second = apply_profile(session=s, profile=profile, now=NOW)
        n_audit = len(s.exec(select(AuditEntry)).all())
    assert first.changed and not second.changed
    with session_scope(engine, actor="a") as s:
        assert len(s.exec(select(AuditEntry)).all()) == n_audit


def test_an_edited_profile_updates_deactivates_and_keeps_the_history(engine, tmp_path: Path):
    with session_scope(engine, actor="first-load") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=NOW)
    edited = (EXAMPLE.replace("name: Tomás Silva", "name: Tomás Silva Parra")
              .replace("roles: [focal_point, {role: focal_point, institution: interior}]", "roles: [focal_point]"))
    # Remove Isabel Mena (head of unit) entirely.
    start = edited.index("  - {key: isabel-mena")
    end = edited.index("  - {key: minister-foreign-affairs")
    edited = edited[:start] + edited[end:]
    # A new focal point (with an address: reminders reach focal points).
    edited = edited.replace("  - {key: minister-interior", "  - {key: marco-paz, name: Marco Paz, institution: interior, "
                            "roles: [focal_point], language: es, addresses: [{label: email, "
                            "url: \"mailto://marco.paz@example.gob.cl\"}]}\n  - {key: minister-interior")
    with session_scope(engine, actor="secretariat-clerk") as s:
        result = apply_profile(session=s, profile=load_profile(write(tmp_path, edited)), now=NOW)
    assert "person isabel-mena" in result.deactivated
    with session_scope(engine, readonly=True) as s:
        tomas = s.exec(select(Person).where(Person.key == "tomas-silva")).one()
        isabel = s.exec(select(Person).where(Person.key == "isabel-mena")).one()
        assert tomas.name == "Tomás Silva Parra" and isabel.active is False
        camila = s.exec(select(Person).where(Person.key == "camila-reyes")).one()
        assert len(s.exec(select(RoleAssignment).where(RoleAssignment.person_id == camila.id)).all()) == 1
        history = s.exec(select(AuditEntry).where(AuditEntry.actor == "secretariat-clerk")).all()
    renamed = [h for h in history if h.table_name == "person" and h.row_id == tomas.id]
    assert renamed and renamed[0].changes["name"] == ["Tomás Silva", "Tomás Silva Parra"]
    removed_role = [h for h in history if h.table_name == "role_assignment" and h.op == "delete"]
    assert removed_role and removed_role[0].changes["person_id"][0] == camila.id


def test_the_audit_history_never_holds_a_notification_secret(engine):
    with session_scope(engine, actor="a") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=NOW)
        entries = s.exec(select(AuditEntry).where(AuditEntry.table_name == "address")).all()
        assert entries and all("CHANGE-ME" not in str(e.changes) for e in entries)
        assert s.exec(select(Address)).first().url.count("CHANGE-ME") == 1
        assert s.exec(select(State)).one().code == "CL"
