"""The names nmrf shows, in the reader's language: titles from the rules catalogue, cycle titles, names
given per language in the profile, role labels. Pure.

Titles of milestones, templates and mechanisms are stored as the catalogue's English (the msgid); a title a
person typed (a meeting, an action) is not in the catalogs and is shown as typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nmrf.domain.dates import Offset
from nmrf.domain.i18n import N_, Said, Translator, pick_name
from nmrf.domain.rules import load_catalogue

# Who a role is, as a reader is told why they receive something or who owes it.
ROLE_LABELS = {
    "owner": N_("the person who owes it"),
    "acknowledged": N_("the person who acknowledged it"),
    "focal_point": N_("focal point"),
    "head_of_unit": N_("head of unit"),
    "minister": N_("minister responsible"),
    "head_of_secretariat": N_("head of the secretariat"),
    "secretariat": N_("the secretariat"),
    "nhri_contact": N_("contact of the national human rights institution"),
    "cso_contact": N_("civil-society contact"),
    "person": N_("named in the escalation policy"),
}


def role_label(t: Translator, role: str) -> str:
    if role in ROLE_LABELS:
        return t.gettext(ROLE_LABELS[role])
    if role.startswith("person:"):
        return t.gettext(ROLE_LABELS["person"])
    return role


def long_date(t: Translator, day: Any) -> str:
    """Tuesday 1 June 2027 / mardi 1 juin 2027 / martes 1 de junio de 2027: each language's pattern."""
    # Translators: a CLDR date pattern (EEEE weekday, d day, MMMM month, y year); text in quotes is literal.
    return t.format_date(day, t.pgettext("date pattern", "EEEE d MMMM y"))


def title(t: Translator, text: str | None) -> str:
    """A catalogue title or description in the reader's language (a typed one as typed)."""
    return t.gettext(text) if text else (text or "")


def name(t: Translator, names: Mapping[str, str] | None, default: str) -> str:
    """A name given per language in the profile, for this reader (the default name otherwise)."""
    return pick_name(dict(names or {}), default, t.tag, fallback=t.lang)


@lru_cache(maxsize=64)
def _template_title(template: str) -> str | None:
    tpl = load_catalogue().templates.get(template)
    return tpl.title if tpl is not None else None


def cycle_title(t: Translator, *, stored: str, template: str | None, mechanism: str, reference: str | None,
                state_name: str, state_names: Mapping[str, Any] | None = None) -> str:
    """The cycle's title in the reader's language, when it is still the catalogue's title as launched
    (otherwise the stored title, as written)."""
    pattern = _template_title(template) if template else None
    if not pattern:
        return stored
    values = dict(mechanism=mechanism, reference=reference or "")
    try:
        if pattern.format(state=state_name, **values) != stored:
            return stored
        local_state = name(t, (state_names or {}).get("name") if state_names else None, state_name)
        return t.gettext(pattern).format(state=local_state, **values)
    except (KeyError, IndexError, ValueError):
        return stored


def offset_words(t: Translator, offset: Offset) -> str:
    """An offset (+2 years +3 months) in the reader's words."""
    units = ((offset.years, t.ngettext("%(sign)s%(num)d year", "%(sign)s%(num)d years", abs(offset.years))),
             (offset.months, t.ngettext("%(sign)s%(num)d month", "%(sign)s%(num)d months", abs(offset.months))),
             (offset.weeks, t.ngettext("%(sign)s%(num)d week", "%(sign)s%(num)d weeks", abs(offset.weeks))),
             (offset.days, t.ngettext("%(sign)s%(num)d day", "%(sign)s%(num)d days", abs(offset.days))))
    parts = [said % {"sign": "+" if v > 0 else "-", "num": abs(v)} for v, said in units if v]
    return " ".join(parts) or t.ngettext("%(sign)s%(num)d day", "%(sign)s%(num)d days", 0) % {"sign": "", "num": 0}


@dataclass(frozen=True)
class CycleTitle:
    """A cycle's title as stored, with what cycle_title needs to say it in a reader's language."""

    stored: str
    template: str | None
    mechanism: str
    reference: str | None
    state_name: str
    state_names: Mapping[str, Any] | None = None

    def __str__(self) -> str:
        return self.stored


def say(t: Translator, value: Any) -> str:
    """Text written by pure code, in the reader's language: a Said (its values said too), an Offset, a
    cycle's title; anything else as it is."""
    if isinstance(value, Said):
        if not value.params:
            return t.gettext(value.msgid)
        return t.gettext(value.msgid) % {k: say(t, v) for k, v in value.params}
    if isinstance(value, Offset):
        return offset_words(t, value)
    if isinstance(value, CycleTitle):
        return cycle_title(t, stored=value.stored, template=value.template, mechanism=value.mechanism,
                           reference=value.reference, state_name=value.state_name, state_names=value.state_names)
    return "" if value is None else str(value)
