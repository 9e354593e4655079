"""Rendering messages in the recipient's language (through the catalogs, nmrf.domain.i18n). Pure.

The templates live in messages.yaml, written in English with gettext calls; they run in Jinja's sandbox
with jinja2.ext.i18n, so a text edited by an NMRF can format values but never reach into Python. A language
without a catalog falls back as nmrf.domain.i18n says (its base language, the State's, then English).
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nmrf.domain.i18n import SUPPORTED, Translator, translator
from nmrf.domain.wording import role_label as _role_label

MESSAGES_PATH = Path(__file__).resolve().parent / "messages.yaml"
FALLBACK = "en"
KINDS = ("reminder", "escalation", "lapse", "digest", "test", "alert", "promise", "request", "comment", "signoff")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Any]:
    return yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))


def languages() -> list[str]:
    """The languages messages are written in (each has a complete catalog)."""
    return list(SUPPORTED)


def _t(language: str | None) -> Translator:
    return translator(language or FALLBACK)


@lru_cache(maxsize=32)
def template_environment(language: str | None = FALLBACK):  # type: ignore[no-untyped-def]
    # Imported here: jinja2 adds about 50 ms to a command's start (measured); only rendering a message pays it.
    from jinja2 import StrictUndefined

    from nmrf.domain.i18n import jinja_environment

    return jinja_environment(language, sandboxed=True, autoescape=False, undefined=StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)


@lru_cache(maxsize=512)
def template(language: str, kind: str, part: str):  # type: ignore[no-untyped-def]
    texts = catalogue()
    source = texts[kind][part] if kind != "footer" else texts["footer"]
    return template_environment(_t(language).tag).from_string(source)


def format_date(day: date | None, language: str | None, *, short: bool = False) -> str:
    """Tuesday 1 June 2027 / martes 1 de junio de 2027 / mardi 1 juin 2027 (short: 1 Jun 2027): the
    patterns are in the catalogs (each language's own order), the names from Babel (CLDR)."""
    if day is None:
        return "-"
    t = _t(language)
    # Translators: a CLDR date pattern (EEEE weekday, d day, MMMM month, y year); text in quotes is literal.
    pattern = t.pgettext("date pattern", "EEEE d MMMM y") if not short else \
        t.pgettext("date pattern", "d MMM y")
    return t.format_date(day, pattern)


def role_label(reason: str, language: str | None) -> str:
    return _role_label(_t(language), reason)


def roles_label(reasons: tuple[str, ...], language: str | None) -> str:
    """Every role a reader holds for an item, as a list in their language ("focal point and minister")."""
    t = _t(language)
    labels = list(dict.fromkeys(_role_label(t, r) for r in reasons))
    return t.format_list(labels) if len(labels) > 1 else labels[0]


def nobody(language: str | None) -> str:
    return _t(language).gettext("nobody yet")


def render(kind: str, language: str | None, context: dict[str, Any], *, ref: str | None = None) -> tuple[str, str]:
    """(subject, body) of a message; the body ends with its reference line."""
    lang = _t(language).tag
    subject = template(lang, kind, "subject").render(**context).strip()
    body = template(lang, kind, "body").render(**context).strip()
    lines = [line.rstrip() for line in body.splitlines()]
    body = "\n".join(line for i, line in enumerate(lines) if line or (i and lines[i - 1]))
    if ref:
        body += "\n\n" + template(lang, "footer", "").render(ref=ref)
    # Subjects stay on one line and short enough for every channel.
    subject = " ".join(subject.split())
    return (subject[:197] + "...") if len(subject) > 200 else subject, body


def window_label(window: str, start: date, language: str | None) -> str:
    """How a digest names its window: the day, or the week of its Monday."""
    if window == "week":
        return _t(language).gettext("week of %(date)s") % {"date": format_date(start, language)}
    return format_date(start, language)


def duration(seconds: float, language: str | None) -> str:
    """1 h 05 min, 12 min, 40 s, with each language's units."""
    t = _t(language)
    seconds = int(seconds)
    if seconds < 60:
        return t.gettext("%(seconds)d s") % {"seconds": seconds}
    hours, minutes = divmod(seconds // 60, 60)
    if hours:
        return t.gettext("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes}
    return t.gettext("%(minutes)d min") % {"minutes": minutes}
