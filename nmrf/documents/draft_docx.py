"""The draft report as a Word document (python-docx), from the same data as the Markdown."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.oxml import OxmlElement
from docx.shared import Pt, RGBColor

from nmrf.domain.draft import Draft, implementation_text, labels
from nmrf.domain.i18n import text_direction

_RED = RGBColor(0xC0, 0x00, 0x00)


def _right_to_left(doc) -> None:  # type: ignore[no-untyped-def]
    """Arabic: every paragraph and run right-to-left (w:bidi, w:rtl), tables laid out from the right
    (w:bidiVisual), the section's page too; Word then aligns and orders the text as Arabic reads."""
    def mark(parent, tag: str) -> None:  # type: ignore[no-untyped-def]
        if parent.find(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{tag}") is None:
            parent.append(OxmlElement(f"w:{tag}"))

    paragraphs = list(doc.paragraphs) + [p for t in doc.tables for row in t.rows for c in row.cells
                                         for p in c.paragraphs]
    for p in paragraphs:
        mark(p._p.get_or_add_pPr(), "bidi")
        for r in p.runs:
            mark(r._r.get_or_add_rPr(), "rtl")
    for t in doc.tables:
        mark(t._tbl.tblPr, "bidiVisual")
    for section in doc.sections:
        mark(section._sectPr, "bidi")


def write_docx(d: Draft, *, created: datetime) -> bytes:
    t, w = d.t, labels(d.t)
    doc = Document()
    doc.core_properties.language = t.tag
    doc.core_properties.author = "nmrf"
    doc.core_properties.created = created.replace(tzinfo=None)
    doc.core_properties.modified = created.replace(tzinfo=None)
    doc.core_properties.last_modified_by = "nmrf"
    doc.add_heading(d.title, level=0)
    p = doc.add_paragraph()
    p.add_run(d.subtitle).italic = True
    p = doc.add_paragraph()
    p.add_run(w["word_count"] + " ").bold = True
    p.add_run(d.limit_text())
    if d.missing_from:
        p = doc.add_paragraph()
        r = p.add_run(w["missing_inputs"] + " " + d.missing_text())
        r.font.color.rgb = _RED
    for s in d.sections:
        doc.add_heading(s.title, level=1)
        for b in s.blocks:
            doc.add_heading(b.title, level=2)
            doc.add_paragraph(b.references).runs[0].font.size = Pt(9)
            for a in b.answers:
                p = doc.add_paragraph(a.text + (f" {a.data}" if a.data else ""))
                r = p.add_run(f" ({a.institution}; {implementation_text(t, a.implementation)})")
                r.italic = True
            for m in b.missing:
                r = doc.add_paragraph().add_run(f"{w['missing']} {m}")
                r.bold = True
                r.font.color.rgb = _RED
    if d.annex:
        doc.add_heading(w["annex"], level=1)
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, (w["ref"], w["source"], w["recommendation"]), strict=True):
            cell.text = text
        for a in d.annex:
            row = table.add_row().cells
            row[0].text, row[1].text, row[2].text = a.ref, a.source, a.text
    if text_direction(t.lang) == "rtl":
        _right_to_left(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
