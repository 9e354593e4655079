"""The annual report as Markdown and as a Word document, from one outline, in the reader's language.

The outline is a list of sections, each a heading, sentences and tables; both writers
render the same outline, so the two files say the same thing.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document

from nmrf.domain.annual import AnnualReport, Held
from nmrf.domain.costs import totals_text
from nmrf.domain.i18n import N_

STATUS_WORDS = {"not_started": N_("not started"), "in_progress": N_("in progress"), "implemented": N_("implemented"),
                "partially_implemented": N_("partially implemented"), "not_applicable": N_("not applicable"),
                "not_reported": N_("not reported")}

Section = tuple[str, list[str], list[list[list[str]]]]  # heading, sentences, tables (rows of cells; first: header)


def _held_table(rows: tuple[Held, ...], t) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [[t.gettext("Date"), t.gettext("What"), t.gettext("For")]] + [
        [t.format_date(h.day), h.title, h.reference] for h in rows]


def _status_table(groups: dict[str, dict[str, int]], first: str, t) -> list[list[str]]:  # type: ignore[no-untyped-def]
    statuses = sorted({s for g in groups.values() for s in g})
    return [[first] + [t.gettext(STATUS_WORDS.get(s, s)) for s in statuses] + [t.gettext("Total")]] + [
        [g] + [str(c.get(s, 0)) for s in statuses] + [str(sum(c.values()))] for g, c in groups.items()]


def outline(r: AnnualReport, t) -> tuple[str, list[Section]]:  # type: ignore[no-untyped-def]
    title = t.gettext("Annual report %(year)d of the national mechanism for reporting and follow-up of %(state)s") % {
        "year": r.year, "state": r.state}
    yes, no = t.gettext("on time"), t.gettext("late")
    subs = [[t.gettext("Report"), t.gettext("Mechanism"), t.gettext("Due"), t.gettext("Submitted"),
             t.gettext("On time")]]
    for s in r.submissions:
        subs.append([s.cycle, s.mechanism, t.format_date(s.due) if s.due else "-",
                     t.format_date(s.submitted) if s.submitted else t.gettext("not submitted"),
                     "-" if s.on_time is None else (yes if s.on_time else no)])
    sections: list[Section] = [
        (t.gettext("Reports submitted"),
         [t.gettext("Reports submitted: %(num)d (on time: %(on_time)d; late: %(late)d). Due and not submitted: "
                    "%(missing)d.") % {"num": len(r.submissions) - r.not_submitted, "on_time": r.on_time,
                                       "late": r.late, "missing": r.not_submitted}], [subs]),
        (t.gettext("Dialogues and reviews"),
         [t.gettext("Dialogues held: %(num)d.") % {"num": len(r.dialogues)}],
         [_held_table(r.dialogues, t)] if r.dialogues else []),
        (t.gettext("Recommendations received"),
         [t.gettext("Recommendations received: %(num)d.") % {"num": r.recommendations}],
         ([_status_table(r.by_theme, t.gettext("Theme"), t),
           _status_table(r.by_institution, t.gettext("Lead institution"), t)] if r.recommendations else [])),
        (t.gettext("Follow-up actions completed"),
         [t.gettext("Actions completed: %(num)d.") % {"num": len(r.actions_completed)}],
         [_held_table(r.actions_completed, t)] if r.actions_completed else []),
        (t.gettext("Consultations with the NHRI and civil society"),
         [t.gettext("Consultations held: %(num)d.") % {"num": len(r.consultations)}],
         [_held_table(r.consultations, t)] if r.consultations else []),
        (t.gettext("Meetings of the mechanism"),
         [t.gettext("Meetings held: %(num)d.") % {"num": len(r.meetings)}],
         [_held_table(r.meetings, t)] if r.meetings else []),
        (t.gettext("Costs"),
         [t.gettext("Estimated: %(estimated)s. Spent: %(spent)s.") % {"estimated": totals_text(r.estimated, t.tag),
                                                                      "spent": totals_text(r.spent, t.tag)}],
         [[[t.gettext("Budget line"), t.gettext("Estimated"), t.gettext("Spent")]] + [
             [line, totals_text(est, t.tag), totals_text(spent, t.tag)] for line, (est, spent) in r.by_line.items()]]
         if r.by_line else []),
    ]
    return title, sections


def write_annual_markdown(r: AnnualReport, t) -> str:  # type: ignore[no-untyped-def]
    title, sections = outline(r, t)
    out = [f"# {title}", "", f"*{r.secretariat}*", ""]
    for heading, sentences, tables in sections:
        out += [f"## {heading}", ""] + [s for s in sentences] + [""]
        for table in tables:
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in table[0]) + " |")
            out.append("|" + "---|" * len(table[0]))
            for row in table[1:]:
                out.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
            out.append("")
    return "\n".join(out)


def write_annual_docx(r: AnnualReport, t, *, created: datetime) -> bytes:  # type: ignore[no-untyped-def]
    title, sections = outline(r, t)
    doc = Document()
    doc.core_properties.author = "nmrf"
    doc.core_properties.created = created.replace(tzinfo=None)
    doc.core_properties.modified = created.replace(tzinfo=None)
    doc.add_heading(title, level=0)
    doc.add_paragraph().add_run(r.secretariat).italic = True
    for heading, sentences, tables in sections:
        doc.add_heading(heading, level=1)
        for s in sentences:
            doc.add_paragraph(s)
        for rows in tables:
            table = doc.add_table(rows=0, cols=len(rows[0]))
            table.style = "Table Grid"
            for row in rows:
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
