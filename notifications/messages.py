"""Rendering messages in the recipient's language (English when we lack theirs). Pure.

The texts live in messages.yaml; templates run in Jinja's sandbox, so a text
edited by an NMRF can format values but never reach into Python.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES_PATH = Path(__file__).resolve().parent / "messages.yaml"
FALLBACK = "en"
KINDS = ("reminder", "escalation", "lapse", "digest", "test", "alert")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Any]]:
    return yaml.safe_load(MESSAGES_PATH.read_text(encoding="utf-8"))


def languages() -> list[str]:
    return list(catalogue())


def _lang(language: str | None) -> str:
    code = (language or FALLBACK).lower().split("-")[0].split("_")[0]
    return code if code in catalogue() else FALLBACK


@lru_cache(maxsize=1)
def template_environment():  # type: ignore[no-untyped-def]
    # Imported here: jinja2 adds about 50 ms to a command's start (measured); only rendering a message pays it.
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                         keep_trailing_newline=False, autoescape=False)


@lru_cache(maxsize=256)
def template(language: str, kind: str, part: str):  # type: ignore[no-untyped-def]
    texts = catalogue()[language]
    source = texts[kind][part] if kind != "footer" else texts["footer"]
    return template_environment().from_string(source)


def format_date(day: date | None, language: str | None, *, short: bool = False) -> str:
    """Tuesday 1 June 2027 / martes 1 de junio de 2027 / mardi 1 juin 2027 (short: 1 Jun 2027)."""
    if day is None:
        return "-"
    texts = catalogue()[_lang(language)]
    if short:
        return texts["short_date"].format(day=day.day, month_abbr=texts["month_abbr"][day.month - 1], year=day.year)
    return texts["date"].format(weekday=texts["weekdays"][day.weekday()], day=day.day,
                                month=texts["months"][day.month - 1], year=day.year)


def role_label(reason: str, language: str | None) -> str:
    roles = catalogue()[_lang(language)]["roles"]
    return roles.get(reason, roles["person"] if reason.startswith("person:") else reason)


def nobody(language: str | None) -> str:
    return catalogue()[_lang(language)]["nobody"]


def render(kind: str, language: str | None, context: dict[str, Any], *, ref: str | None = None) -> tuple[str, str]:
    """(subject, body) of a message; the body ends with its reference line."""
    lang = _lang(language)
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
        return catalogue()[_lang(language)]["week_of"].format(date=format_date(start, language))
    return format_date(start, language)
