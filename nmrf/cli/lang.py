"""The language the command line speaks: --lang, else the person running it (NMRF_ACTOR naming a person of
the profile), else the usual locale variables (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English."""

from __future__ import annotations

import os

from nmrf.domain.i18n import SUPPORTED, Translator, base_language, reader_language, translator

_current = {"lang": "en"}


def from_environment(environ: dict[str, str] | None = None) -> str | None:
    """The first supported language of the locale variables, in gettext's order (C and POSIX are English)."""
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        for tag in value.split(":"):  # LANGUAGE may list several: fr_SN:fr:en
            tag = tag.split(".")[0].split("@")[0]
            if not tag:
                continue
            if tag in ("C", "POSIX"):
                return None
            if base_language(tag) in SUPPORTED:
                return tag.replace("_", "-")
        if value:
            return None  # the first variable set decides, as gettext does
    return None


def choose(option: str | None, person_language: str | None = None, environ: dict[str, str] | None = None) -> str:
    for tag in (option, person_language, from_environment(environ)):
        if tag and base_language(tag) in SUPPORTED:
            return reader_language(tag)
    return "en"


def set_language(lang: str) -> None:
    _current["lang"] = lang


def t() -> Translator:
    """The command line's translator."""
    return translator(_current["lang"])

