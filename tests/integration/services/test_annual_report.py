"""The annual report's counts against the database: reports submitted and whether on time,
dialogues, consultations, meetings held, costs spent against estimates; in the State's language."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from tests.support.plan_world import build_plan_world
from sqlmodel import select

from nmrf.calendars.series import get_series, occurrence_days
from nmrf.domain.clock import moment
from nmrf.models import Cycle, Meeting, Milestone
from nmrf.models.db import session_scope
from nmrf.services.annual import state_annual_report
from nmrf.services.cycles import record_action
from nmrf.services.people import get_state

pytestmark = pytest.mark.both_databases

TZ = "America/Santiago"


def test_the_annual_report_counts_what_the_database_holds(loaded):
    world = build_plan_world(loaded)
    with session_scope(loaded, actor="test") as s:
        record_action(session=s, cycle=s.get(Cycle, world.cedaw), key="submission", kind="done", by="tomas-silva",
                      now=moment(date(2027, 9, 28), TZ)[1], actor="test")
    today = date(2027, 12, 31)
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        report = state_annual_report(session=s, state=state, year=2027, today=today)
        submitted = s.exec(select(Milestone).where(Milestone.template_key == "submission",
                                                   Milestone.status == "done")).all()
        plenaries = occurrence_days(session=s, series=get_series(session=s, state=state, key="plenary"),
                                    first=date(2027, 1, 1), last=today)
        template_meetings = s.exec(select(Milestone).where(
            Milestone.kind == "meeting", Milestone.due_date >= date(2027, 1, 1), Milestone.due_date <= today,
            Milestone.template_key.not_in(("consultation",)))).all()
        consultations = s.exec(select(Milestone).where(
            Milestone.template_key.in_(("consultation", "nhri_comment")), Milestone.due_date >= date(2027, 1, 1),
            Milestone.due_date <= today)).all()
        one_off = s.exec(select(Meeting).where(Meeting.kind == "consultation")).all()
    assert len(submitted) == 1 and len(report.submissions) == 1
    assert (report.on_time, report.late, report.not_submitted) == (1, 0, 0)
    assert report.submissions[0].submitted == date(2027, 9, 28) and report.submissions[0].due == date(2027, 10, 1)
    assert len(report.meetings) == len(plenaries) + len(template_meetings) == 4 + len(template_meetings)
    assert len(report.consultations) == len(consultations) + len(one_off)
    assert report.dialogues == ()  # CEDAW's dialogue and the UPR review fall in 2028
    assert report.recommendations == 0
    assert report.estimated == {"CLP": Decimal("1550000"), "USD": Decimal("850.50")}
    assert report.spent == {"CLP": Decimal("280000")}


def test_the_annual_report_is_written_in_the_state_s_language_as_markdown_and_docx(loaded):
    from docx import Document

    from nmrf.documents.annual_report import write_annual_docx, write_annual_markdown
    from nmrf.domain.i18n import translator

    build_plan_world(loaded)
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        report = state_annual_report(session=s, state=state, year=2027, today=date(2027, 12, 31))
    t = translator(state.language, fallback=state.language)
    md = write_annual_markdown(report, t)
    assert md.startswith("# Informe anual 2027")
    assert "Reuniones celebradas: %d." % len(report.meetings) in md
    doc = Document(io.BytesIO(write_annual_docx(report, t, created=moment(date(2028, 1, 5), TZ)[1])))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Reuniones celebradas: %d." % len(report.meetings) in text
    assert "1.550.000,00 CLP; 850,50 USD" in text  # grouped the Spanish way, one total per currency
