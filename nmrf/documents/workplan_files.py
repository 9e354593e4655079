"""The annual workplan as a workbook (one sheet per quarter, a cost summary) and as a Word document.

Every visible string goes through the reader's translator (nmrf.domain.i18n); names
people wrote (institutions, persons, titles of cycles) stay as written. Amounts are
written as exact numbers with their currency beside them, never added across currencies.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from openpyxl import Workbook
from openpyxl.styles import Font

from nmrf.domain.costs import money, totals_text
from nmrf.domain.i18n import N_
from nmrf.domain.wording import say
from nmrf.domain.workplan import Row, Workplan

KIND_NAMES = {"obligation": N_("Obligation"), "cycle": N_("Reporting cycle"), "milestone": N_("Deadline"),
              "meeting": N_("Meeting"), "action": N_("Follow-up action"), "pledge": N_("Pledge")}
QUARTERS = (N_("First quarter"), N_("Second quarter"), N_("Third quarter"), N_("Fourth quarter"))


def column_headers(t) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.gettext("Date"), t.gettext("Kind"), t.gettext("What"), t.gettext("For"),
            t.gettext("Responsible institution"), t.gettext("Responsible person"), t.pgettext("workplan", "Status"),
            t.gettext("Estimated cost")]


# An entry's status (a key of the milestone, cycle, meeting, action or obligation it is) as a person reads it.
STATUS_WORDS = {"planned": N_("planned"), "open": N_("open"), "done": N_("done"), "waived": N_("waived"),
                "cancelled": N_("cancelled"), "in_progress": N_("in progress"), "active": N_("active"),
                "scheduled": N_("scheduled"), "upcoming": N_("upcoming"), "overdue": N_("overdue"),
                "submitted": N_("submitted"), "date unknown": N_("date unknown"), "on receipt": N_("on receipt")}


def row_cells(row: Row, t) -> list[str]:  # type: ignore[no-untyped-def]
    e = row.entry
    status = (t.gettext(STATUS_WORDS[e.status]) if e.status in STATUS_WORDS else e.status.replace("_", " ")) + (
        " (" + t.gettext("late") + ")" if row.late else "")
    return [e.day.isoformat(), t.gettext(KIND_NAMES.get(e.kind, e.kind)), say(t, e.title_said or e.title),
            say(t, e.reference_said or e.reference), e.institution, e.person or "-", status,
            totals_text(row.estimate(), t.tag)]


def title_of(wp: Workplan, t) -> str:  # type: ignore[no-untyped-def]
    return t.gettext("Workplan %(year)d of the NMRF of %(state)s") % {"year": wp.year, "state": wp.state}


def write_workplan_xlsx(wp: Workplan, t) -> bytes:  # type: ignore[no-untyped-def]
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for n, rows in enumerate(wp.quarters):
        sheet = book.create_sheet(f"Q{n + 1}")
        sheet.append([f"{title_of(wp, t)}: {t.gettext(QUARTERS[n])}"])
        sheet["A1"].font = bold
        sheet.append(column_headers(t))
        for cell in sheet[2]:
            cell.font = bold
        for row in rows:
            sheet.append(row_cells(row, t))
        for col, width in zip("ABCDEFGH", (12, 18, 60, 40, 36, 30, 16, 24), strict=True):
            sheet.column_dimensions[col].width = width
    sheet = book.create_sheet(t.gettext("Costs")[:31])
    sheet.append([t.gettext("Estimated costs by institution and budget line")])
    sheet["A1"].font = bold
    sheet.append([t.gettext("Institution"), t.gettext("Budget line"), t.gettext("Amount"), t.gettext("Currency")])
    for cell in sheet[2]:
        cell.font = bold
    for (inst, line), by_currency in wp.by_institution_line.items():
        for currency, amount in by_currency.items():
            sheet.append([inst, wp.budget_lines.get(line, line), amount, currency])
    sheet.append([])
    for currency, amount in wp.totals.items():
        sheet.append([t.gettext("Total"), "", amount, currency])
        sheet.cell(sheet.max_row, 1).font = bold
    for col, width in zip("ABCD", (40, 40, 18, 10), strict=True):
        sheet.column_dimensions[col].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def write_workplan_docx(wp: Workplan, t, *, created: datetime) -> bytes:  # type: ignore[no-untyped-def]
    doc = Document()
    doc.core_properties.author = "nmrf"
    doc.core_properties.created = created.replace(tzinfo=None)
    doc.core_properties.modified = created.replace(tzinfo=None)
    doc.add_heading(title_of(wp, t), level=0)
    doc.add_paragraph(t.gettext("Prepared on %(day)s.") % {"day": t.format_date(wp.today)})
    for n, rows in enumerate(wp.quarters):
        doc.add_heading(t.gettext(QUARTERS[n]), level=1)
        if not rows:
            doc.add_paragraph(t.gettext("Nothing planned."))
            continue
        table = doc.add_table(rows=1, cols=8)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, column_headers(t), strict=True):
            cell.text = text
        for row in rows:
            for cell, text in zip(table.add_row().cells, row_cells(row, t), strict=True):
                cell.text = text
    doc.add_heading(t.gettext("Estimated costs by institution and budget line"), level=1)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, (t.gettext("Institution"), t.gettext("Budget line"),
                                                t.gettext("Amount")), strict=True):
        cell.text = text
    for (inst, line), by_currency in wp.by_institution_line.items():
        cells = table.add_row().cells
        cells[0].text, cells[1].text = inst, wp.budget_lines.get(line, line)
        cells[2].text = totals_text(by_currency, t.tag)
    p = doc.add_paragraph()
    p.add_run(t.gettext("Total estimated costs, per currency:") + " ").bold = True
    p.add_run(totals_text(wp.totals, t.tag))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def workplan_text(wp: Workplan, t) -> list[str]:  # type: ignore[no-untyped-def]
    """The workplan as console lines."""
    out = [title_of(wp, t)]
    for n, rows in enumerate(wp.quarters):
        out.append("")
        out.append(f"{t.gettext(QUARTERS[n])} ({len(rows)})")
        for row in rows:
            c = row_cells(row, t)
            cost = f"  [{c[7]}]" if row.costs else ""
            out.append(f"  {c[0]}  {c[1]}: {c[2]} ({c[3]}) - {c[4]}; {c[5]}; {c[6]}{cost}")
    out.append("")
    out.append(t.gettext("Total estimated costs, per currency:") + " " + totals_text(wp.totals, t.tag))
    if wp.actual:
        out.append(t.gettext("Spent so far, per currency:") + " " + totals_text(wp.actual, t.tag))
    return out


__all__ = ["QUARTERS", "column_headers", "money", "row_cells", "title_of", "totals_text", "write_workplan_docx",
           "write_workplan_xlsx", "workplan_text"]
