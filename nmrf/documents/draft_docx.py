"""The draft report as a Word document (python-docx), from the same data as the Markdown.

As a UN document is laid out: A4 pages with 2.5 cm margins and the page number
centred in the footer; body paragraphs numbered by Word itself (the "List
Number" style, so a paragraph added while editing renumbers the rest); headings
unnumbered by Word (the chapter's roman numeral and the section's letter are in
their text). Editorial notes ([MISSING], the word count) stand out in red and
are not numbered. The document's language is the report's, so LibreOffice and
Word check its spelling in it.
"""

from __future__ import annotations

import io
from datetime import datetime

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from nmrf.domain.draft import Draft
from nmrf.domain.i18n import text_direction

_RED = RGBColor(0xC0, 0x00, 0x00)
LANG_TAGS = {"en": "en-GB", "es": "es-ES", "fr": "fr-FR", "ar": "ar-SA", "ru": "ru-RU", "zh": "zh-CN", "pt": "pt-PT"}
NUMBERED = "List Number"


def _page_number(paragraph) -> None:  # type: ignore[no-untyped-def]
    """A PAGE field: Word and LibreOffice show the page's number."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _language(doc, tag: str) -> None:  # type: ignore[no-untyped-def]
    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), tag)


def _note(doc, text: str, *, bold: bool = True):  # type: ignore[no-untyped-def]
    r = doc.add_paragraph().add_run(text)
    r.bold = bold
    r.font.color.rgb = _RED
    return r


def _right_to_left(doc) -> None:  # type: ignore[no-untyped-def]
    """Arabic: every paragraph and run right-to-left (w:bidi, w:rtl), tables laid out from the right
    (w:bidiVisual), the section's page too; Word then aligns and orders the text as Arabic reads."""
    def mark(parent, tag: str) -> None:  # type: ignore[no-untyped-def]
        if parent.find(qn(f"w:{tag}")) is None:
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
    t = d.t
    doc = Document()
    doc.core_properties.author = "nmrf"
    doc.core_properties.created = created.replace(tzinfo=None)
    doc.core_properties.modified = created.replace(tzinfo=None)
    doc.core_properties.last_modified_by = "nmrf"
    doc.core_properties.title = d.title
    doc.core_properties.language = LANG_TAGS.get(d.language, d.language)
    _language(doc, LANG_TAGS.get(d.language, d.language))
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(25)
        section.top_margin = section.bottom_margin = Mm(25)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_number(footer)
    doc.add_heading(d.title, level=0)
    p = doc.add_paragraph()
    p.add_run(d.subtitle).italic = True
    r = _note(doc, f"{t['word_count']}: ", bold=True)
    r._parent.add_run(d.limit_text()).font.color.rgb = _RED  # type: ignore[attr-defined]
    if d.missing_from:
        _note(doc, f"{t['missing_inputs']}: {d.missing_text()}", bold=False)
    for s in d.sections:
        doc.add_heading(s.title, level=s.level)
        for b in s.blocks:
            if b.title:
                doc.add_heading(b.title, level=min(s.level + 1, 3))
            for para in b.paragraphs:
                p = doc.add_paragraph(para.text, style=NUMBERED)
                if para.source:
                    p.add_run(f" ({para.source})").italic = True
            for m in b.missing:
                _note(doc, d.note(m))
    if d.annex:
        doc.add_heading(t["annex"], level=1)
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("#", t["annex.source"], t["annex.text"]), strict=True):
            cell.text = text
        for a in d.annex:
            row = table.add_row().cells
            row[0].text, row[1].text, row[2].text = a.ref, a.source, a.text
            for cell in row:
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(9)
    if text_direction(d.language) == "rtl":
        _right_to_left(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
