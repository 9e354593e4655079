"""The draft report as a Word document (python-docx), from the same data as the Markdown."""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.shared import Pt, RGBColor

from nmrf.domain.draft import Draft

_RED = RGBColor(0xC0, 0x00, 0x00)


def write_docx(d: Draft, *, created: datetime) -> bytes:
    doc = Document()
    doc.core_properties.author = "nmrf"
    doc.core_properties.created = created.replace(tzinfo=None)
    doc.core_properties.modified = created.replace(tzinfo=None)
    doc.core_properties.last_modified_by = "nmrf"
    doc.add_heading(d.title, level=0)
    p = doc.add_paragraph()
    p.add_run(d.subtitle).italic = True
    p = doc.add_paragraph()
    p.add_run("Word count: ").bold = True
    p.add_run(d.limit_text())
    if d.missing_from:
        p = doc.add_paragraph()
        r = p.add_run("Missing inputs: " + "; ".join(f"{k} ({v} recommendation(s))" for k, v in d.missing_from.items()))
        r.font.color.rgb = _RED
    for s in d.sections:
        doc.add_heading(s.title, level=1)
        for b in s.blocks:
            doc.add_heading(b.title, level=2)
            doc.add_paragraph(b.references).runs[0].font.size = Pt(9)
            for a in b.answers:
                p = doc.add_paragraph(a.text + (f" {a.data}" if a.data else ""))
                r = p.add_run(f" ({a.institution}; {a.implementation.replace('_', ' ')})")
                r.italic = True
            for m in b.missing:
                r = doc.add_paragraph().add_run(f"[MISSING] {m}")
                r.bold = True
                r.font.color.rgb = _RED
    if d.annex:
        doc.add_heading("Annex: the recommendations (not counted)", level=1)
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("Ref", "Source", "Recommendation"), strict=True):
            cell.text = text
        for a in d.annex:
            row = table.add_row().cells
            row[0].text, row[1].text, row[2].text = a.ref, a.source, a.text
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
