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


# The root options that take a value (nmrf --home DIR --db URL --lang fr COMMAND ...).
_ROOT_VALUES = ("--home", "--db", "--lang")


def language_before_parsing(args: list[str], environ: dict[str, str] | None = None) -> str:
    """The language of a run decided from its raw arguments, before Click parses them (help is formatted
    during parsing): the root's --lang, else NMRF_LANG, else the person in NMRF_ACTOR, else the locale."""
    env = os.environ if environ is None else environ
    given: dict[str, str] = {}
    rest = iter(args)
    for arg in rest:
        name, eq, value = arg.partition("=")
        if name in _ROOT_VALUES:
            given[name] = value if eq else next(rest, "")
        elif not arg.startswith("-"):
            break  # the command's name: what follows is its own (recommendations publish --lang is the view's)
    lang = given.get("--lang") or env.get("NMRF_LANG") or None
    if lang is not None:
        try:
            from nmrf.domain.i18n import LanguageError, resolve_language

            return choose(resolve_language(lang).catalog, environ=env)
        except LanguageError:
            lang = None  # refused with the supported list when the root option is parsed
    person = None
    if env.get("NMRF_ACTOR"):
        from nmrf.cli.common import make_context
        from nmrf.errors import NmrfError

        try:
            person = make_context(given.get("--home"), given.get("--db")).actor_language()
        except NmrfError:
            person = None  # a bad setting is said when the root callback runs
    return choose(None, person, env)
