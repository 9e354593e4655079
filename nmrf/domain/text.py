"""The one rule for text from outside: which characters a person's text may hold.

Every entry (profile, importers, workbooks, forms, command-line text) calls `text_problem` or `check_text`
and reports the field by name; writers then escape for their own format (calendars/build.py, documents/,
services/publication.py). NUL is refused by PostgreSQL and silently kept by SQLite: refusing it here makes
both databases hold the same text. Tab and line feed are text; carriage return is accepted only where a
multi-line text may carry a file's line ending (it is normalised away by the readers that allow it).
"""

from __future__ import annotations

import re

from nmrf.domain.i18n import N_, Said

# C0 controls except TAB, LF and CR; DEL; the C1 controls; the Unicode line and paragraph separators (read as
# line breaks by some parsers); lone surrogates (no UTF-8 encoding exists for them); U+FEFF (an invisible byte-order
# mark that iCalendar and other writers drop, so it cannot round-trip); U+FFFE/U+FFFF non-characters.
CONTROL = _CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_BREAK = re.compile("[\r\n]")


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why `value` cannot be kept as given (None when it can): the first offending character and its place."""
    found = _CONTROL.search(value)
    if found is None and not multiline:
        found = _BREAK.search(value)
    if found is None:
        return None
    said = (N_("holds the control character %(char)s at position %(position)s; remove it") if multiline else
            N_("holds the control character %(char)s at position %(position)s (a single line is expected); remove it"))
    return Said.of(said, char=f"U+{ord(found.group()):04X}", position=found.start() + 1)


def check_text(value: str, *, field: str, multiline: bool = True) -> str:
    """`value` unchanged, or NmrfError naming `field`."""
    problem = text_problem(value, multiline=multiline)
    if problem:
        from nmrf.errors import NmrfError, Problem

        raise NmrfError([Problem(problem, field=field)])
    return value


def single_line(value: str) -> str:
    """Pydantic validator body for names and titles: one line, no control characters."""
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    return value


def strip_controls(value: str) -> str:
    """For writers: a line break becomes a space and other control characters go (used on text already
    stored before the rule, so old rows cannot break a format)."""
    return _CONTROL.sub("", _BREAK.sub(" ", value.replace("\r\n", " ")))


def without_controls(value: str) -> str:
    """For writers of multi-line text (XLSX cells, DOCX paragraphs): control characters go, line breaks stay."""
    return _CONTROL.sub("", value)
