"""Escaping for the text formats nmrf writes by hand (CSV cells, Markdown): each format's guarantee in one place.

Text from outside (a recommendation, a person's or an institution's name, an answer) must stay text in
whatever we write. iCalendar is escaped by icalendar itself (calendars/build.py takes the line breaks out of
single-line properties), XLSX by documents/workbooks.py (cells typed as text), HTML by html.escape.
"""

from __future__ import annotations

import re

from nmrf.domain.text import without_controls

# A spreadsheet opening a CSV reads a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A CSV cell that no spreadsheet runs: text that would start a formula gets a leading apostrophe
    (spreadsheets hide it and keep the rest as text); control characters go; line breaks stay (quoted)."""
    text = without_controls("" if value is None else str(value))
    # A text that already starts with an apostrophe gets one too, or "'=" would read back as "=".
    return "'" + text if text.startswith((*FORMULA_START, "'")) else text


def read_csv_cell(cell: str) -> str:
    """What `csv_cell` was given (for a reader of our own CSV)."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith((*FORMULA_START, "'")) else cell


# Characters that can make Markdown structure anywhere in a line (CommonMark, plus GitHub's tables and
# strikethrough): emphasis, code, links and images, raw HTML, entities, headings' closing hashes.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]<>&#|~])")
# ...and at the start of a line only: list items, ordered lists, thematic breaks, block quotes (> is above).
_MD_START = re.compile(r"^([-+=]|\d+(?=[.)]))")


def md_text(value: object) -> str:
    """One line of Markdown that renders as exactly `value`'s text (whitespace runs shown as one space).

    Line breaks become spaces, so a text cannot open a heading, a list or a code block of its own; every
    character Markdown reads as structure is backslash-escaped.
    """
    text = " ".join(without_controls("" if value is None else str(value)).split())
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    match = _MD_START.match(text)
    if match:
        if match.group(1).isdigit():  # "1." -> "1\." keeps the number, breaks the list marker
            end = match.end()
            text = text[:end] + "\\" + text[end:]
        else:
            text = "\\" + text
    return text
