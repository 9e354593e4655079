"""The annual workplan on a fixed world: its items, their responsible institutions and people, and
costs totalled per currency (never across currencies); bad cost items refused with their field."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from tests.support.plan_world import LAUNCH, build_plan_world
from sqlmodel import select

from nmrf.errors import NmrfError
from nmrf.models import CostItem, Milestone
from nmrf.models.db import session_scope
from nmrf.services.people import get_state
from nmrf.services.workplan import state_workplan

pytestmark = pytest.mark.both_databases


@pytest.fixture
def plan_world(loaded):  # type: ignore[no-untyped-def]
    return build_plan_world(loaded)


def _workplan(engine, year: int):  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="test") as s:
        return state_workplan(session=s, state=get_state(session=s), year=year, today=date(2027, 1, 4))


def test_the_2027_workplan_lists_every_deadline_meeting_and_plenary_of_the_year_by_quarter(plan_world):
    wp = _workplan(plan_world.engine, 2027)
    with session_scope(plan_world.engine, actor="test") as s:
        due_2027 = s.exec(select(Milestone).where(Milestone.due_date >= date(2027, 1, 1),
                                                  Milestone.due_date <= date(2027, 12, 31))).all()
    keys = {r.entry.key for r in wp.rows}
    assert {f"milestone:{m.id}" for m in due_2027} <= keys
    assert "meeting:consultation-2027-06" in keys
    # A quarterly plenary from 5 March: March, June, September, December.
    assert sorted(k for k in keys if k.startswith("series:")) == [
        "series:plenary:2027-03-05", "series:plenary:2027-06-05", "series:plenary:2027-09-05",
        "series:plenary:2027-12-05"]
    assert {"cycle:%d" % plan_world.cedaw, "cycle:%d" % plan_world.upr} <= keys
    assert any(r.entry.kind == "obligation" and r.entry.reference == "CEDAW" for r in wp.rows)
    for n, quarter in enumerate(wp.quarters, 1):
        assert all((r.entry.day.month - 1) // 3 + 1 == n for r in quarter)
        assert [r.entry.day for r in quarter] == sorted(r.entry.day for r in quarter)


def test_each_item_names_its_responsible_institution_and_person(plan_world):
    wp = _workplan(plan_world.engine, 2027)
    with session_scope(plan_world.engine, actor="test") as s:
        sub_id = s.exec(select(Milestone.id).where(Milestone.cycle_id == plan_world.cedaw,
                                                   Milestone.key == "submission")).one()
    submission = next(r for r in wp.rows if r.entry.key == f"milestone:{sub_id}")
    assert submission.entry.day == date(2027, 10, 1)
    assert submission.entry.institution == "Secretariat of the National Mechanism for Reporting and Follow-up"
    assert submission.entry.person == "Claire Dubois, Tomás Silva"  # the secretariat's people
    inputs = [r for r in wp.rows if r.entry.key.startswith("milestone:") and r.entry.institution == "Ministry of Health"]
    assert inputs and {r.entry.person for r in inputs} <= {"Jorge Núñez", "Minister of Health"}


def test_estimated_costs_are_totalled_per_currency_and_never_summed_across_currencies(plan_world):
    wp = _workplan(plan_world.engine, 2027)
    # CLP: translation 1,200,000 + consultation 300,000 + plenary catering 50,000; the 280,000 spent is actual.
    assert wp.totals == {"CLP": Decimal("1550000"), "USD": Decimal("850.50")}
    assert wp.actual == {"CLP": Decimal("280000")}
    secretariat = "Secretariat of the National Mechanism for Reporting and Follow-up"
    assert wp.by_institution_line[(secretariat, "translation")] == {"CLP": Decimal("1200000")}
    assert wp.by_institution_line[(secretariat, "printing")] == {"USD": Decimal("850.50")}
    plenary = next(r for r in wp.rows if r.entry.key == "series:plenary:2027-06-05")
    assert plenary.estimate() == {"CLP": Decimal("50000")}
    # The delegation's travel falls in 2028: in that year's plan, in CHF alone.
    assert _workplan(plan_world.engine, 2028).totals == {"CHF": Decimal("4200.00")}


def test_the_workbook_has_a_sheet_per_quarter_and_a_cost_summary_that_add_up(plan_world):
    from openpyxl import load_workbook

    from nmrf.documents.workplan_files import write_workplan_docx, write_workplan_xlsx
    from nmrf.domain.i18n import translator

    wp = _workplan(plan_world.engine, 2027)
    t = translator("en")
    book = load_workbook(io.BytesIO(write_workplan_xlsx(wp, t)))
    assert book.sheetnames[:4] == ["Q1", "Q2", "Q3", "Q4"] and len(book.sheetnames) == 5
    for n in range(4):
        assert book[f"Q{n + 1}"].max_row - 2 == len(wp.quarters[n])
    summary = book[book.sheetnames[4]]
    rows = [r for r in summary.iter_rows(min_row=3, values_only=True) if r[0] and r[0] != "Total"]
    by_currency: dict[str, Decimal] = {}
    for _, _, amount, currency in rows:
        by_currency[currency] = by_currency.get(currency, Decimal(0)) + Decimal(str(amount))
    assert by_currency == wp.totals
    from docx import Document

    doc = Document(io.BytesIO(write_workplan_docx(wp, t, created=LAUNCH)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "1,550,000.00 CLP; 850.50 USD" in text


@pytest.mark.parametrize("changes, field", [
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "EUR"}, "currency"),  # ISO 4217, but not among the profile's currencies
    ({"amount": "-5"}, "amount"),
    ({"amount": "abc"}, "amount"),
    ({"budget_line": "catering"}, "budget_line"),
])
def test_a_bad_cost_item_is_refused_with_its_field_and_nothing_is_written(plan_world, changes, field):
    from nmrf.services.costs import add_cost
    from nmrf.services.cycles import get_cycle

    args = dict(amount="100", currency="CLP", budget_line="travel", description="x") | changes
    with pytest.raises(NmrfError) as caught:
        with session_scope(plan_world.engine, actor="test") as s:
            state = get_state(session=s)
            add_cost(session=s, state=state, cycle=get_cycle(session=s, state=state, ref=plan_world.cedaw),
                     falls_on=date(2027, 5, 1), now=LAUNCH, actor="test", **args)
    assert [p.field for p in caught.value.problems] == [field]
    with session_scope(plan_world.engine, actor="test") as s:
        assert len(s.exec(select(CostItem)).all()) == 6
