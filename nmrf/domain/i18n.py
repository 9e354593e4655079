"""Every word a person reads, in that person's language: gettext catalogs, Babel dates, text direction. Pure.

The catalogs are packaged data (nmrf/locales/<lang>/LC_MESSAGES/nmrf.po), read through this module only and
compiled in memory on first use (no .mo file can go stale). English is the source language: msgids are the
English text, so a missing translation shows the English, and a test forbids that for the seven languages.

Fallback chain for a reader: their tag (fr-SN) -> its base language (fr) -> the State's language -> English.

    t = translator("fr-SN", fallback="fr")
    t.gettext("Concluding observations")            # "Observations finales"
    t.ngettext("%(num)d day late", "%(num)d days late", n) % {"num": n}
    t.pgettext("stage", "Submission")
    format_date(date(2027, 6, 10), "fr")             # "10 juin 2027"
    text_direction("ar")                             # "rtl"
    env = jinja_environment("es")                    # {{ _("...") }}, {% trans %}, lang/dir globals

Mark a string for extraction with ``_`` (or ``N_`` where it is only named, translated later), then run
``make i18n`` (nmrf/i18n_build.py) and translate with the UN's terms in nmrf/locales/GLOSSARY.md.
"""

from __future__ import annotations

import gettext as _gettext
import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _fd
from babel.dates import format_datetime as _fdt
from babel.lists import format_list as _fl
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.numbers import format_decimal

from nmrf.domain.packaged import LOCALES_DIR

DOMAIN = "nmrf"
SOURCE = "en"
# The UN's six official languages and Portuguese: each has a complete catalog (tests/test_i18n_catalogs.py).
SUPPORTED = ("ar", "zh", "en", "fr", "ru", "es", "pt")
RTL = frozenset({"ar", "fa", "he", "ur", "ps", "dv", "yi", "ku", "sd", "ug"})
# What a person's language is called in their own language (pickers, warnings).
NATIVE_NAMES = {"ar": "العربية", "zh": "中文", "en": "English", "fr": "français", "ru": "русский",
                "es": "español", "pt": "português"}

_enabled = True


def N_(message: str) -> str:
    """Marks a string for extraction where it is only named; translate it later with a translator."""
    return message


class Said(str):
    """A sentence of ours with its named values, written by pure code that has no reader yet. It is its English
    text (msgid % values), so it goes wherever a str goes; nmrf.domain.wording.say(t, ...) says it in the
    reader's language. A value may itself be a Said."""

    msgid: str
    params: tuple[tuple[str, Any], ...]

    def __new__(cls, msgid: str, params: tuple[tuple[str, Any], ...] = ()) -> Said:
        english = msgid % {k: str(v) for k, v in params} if params else msgid
        self = super().__new__(cls, english)
        self.msgid, self.params = msgid, tuple(params)
        return self

    @classmethod
    def of(cls, msgid: str, **params: Any) -> Said:
        return cls(msgid, tuple(params.items()))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Said, (self.msgid, self.params))


def base_language(tag: str | None) -> str:
    """fr-SN, fr_SN, FR, fr_SN.UTF-8 -> fr."""
    return re.split(r"[-_.@]", (tag or "").strip())[0].lower()


class LanguageError(ValueError):
    """A language code nobody can read: not a language Babel (CLDR) knows."""


@dataclass(frozen=True)
class LanguageChoice:
    """What a profile's language code resolves to: the catalog used, and a warning when it falls back."""

    code: str  # as written, normalised: fr-SN, wo
    catalog: str  # the supported language whose catalog is used: fr, or the fallback
    warning: str | None


def resolve_language(code: str, *, fallback: str | None = None) -> LanguageChoice:
    """Accepts a supported language, a regional tag of one (fr-SN -> fr), or a real language without a catalog
    (wo: warns, naming the fallback); refuses anything else with the supported list."""
    raw = (code or "").strip()
    parts = re.split(r"[-_]", raw)
    if not raw or not re.fullmatch(r"[A-Za-z]{2,3}", parts[0]) or not all(
            re.fullmatch(r"[A-Za-z0-9]{2,8}", p) for p in parts[1:]):
        raise LanguageError(Said.of(N_("%(code)s is not a language tag (expected a code such as fr or fr-SN); "
                                       "supported languages: %(supported)s"), code=repr(raw),
                                    supported=", ".join(SUPPORTED)))
    norm = "-".join([parts[0].lower()] + [p.upper() if len(p) == 2 else p for p in parts[1:]])
    base = parts[0].lower()
    if base in SUPPORTED:
        return LanguageChoice(norm, base, None)
    try:
        Locale.parse(base)
    except (UnknownLocaleError, ValueError):
        raise LanguageError(Said.of(N_("%(code)s is not a language nmrf knows; supported languages: %(supported)s "
                                       "(a regional tag such as fr-SN is read as its language)"), code=repr(raw),
                                    supported=", ".join(SUPPORTED))) from None
    to = base_language(fallback) if base_language(fallback) in SUPPORTED else SOURCE
    return LanguageChoice(norm, to, Said.of(N_("language %(code)s has no translation in nmrf; its readers get "
                                               "%(lang)s (%(name)s); supported languages: %(supported)s"),
                                            code=repr(raw), lang=to, name=NATIVE_NAMES[to],
                                            supported=", ".join(SUPPORTED)))


def reader_language(lang: str | None, state_language: str | None = None) -> str:
    """The language a reader gets, as one tag: theirs when it has a catalog (fr-SN kept for Babel's
    formats), else the State's, else English. For code that carries one language string per reader."""
    for tag in (lang, state_language):
        if tag and base_language(tag) in SUPPORTED:
            return tag
    return SOURCE


def chain(lang: str | None, fallback: str | None = None) -> tuple[str, ...]:
    """The catalogs a reader falls back through, best first: fr-SN, State es -> (fr, es, en)."""
    out: list[str] = []
    for tag in (lang, fallback, SOURCE):
        b = base_language(tag)
        if b in SUPPORTED and b not in out:
            out.append(b)
        if b == SOURCE:
            break  # English is the msgids themselves: complete, nothing falls back beyond it
    return tuple(out)


def pick_name(names: dict[str, str] | None, default: str, lang: str | None, *, fallback: str | None = None) -> str:
    """A name given per language, for one reader: their tag (fr-SN), its base language (fr, or any fr-XX
    given), the State's language, English, then the name kept as the default (the State's language's, or
    the only one)."""
    if not names:
        return default
    by_base: dict[str, str] = {}
    for k, v in names.items():
        by_base.setdefault(base_language(k), v)
    for tag in (lang, fallback, SOURCE):
        if not tag:
            continue
        if tag in names:
            return names[tag]
        if base_language(tag) in names:
            return names[base_language(tag)]
        if base_language(tag) in by_base:
            return by_base[base_language(tag)]
    return default or next(iter(names.values()))


def catalog_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=None)
def _compiled(lang: str) -> _gettext.GNUTranslations | None:
    """One language's catalog, read from its .po and compiled in memory (fuzzy entries left out)."""
    path = catalog_path(lang)
    if not path.exists():
        return None
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN, abort_invalid=True)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


@dataclass(frozen=True)
class Translator:
    """The words and dates of one reader: gettext, ngettext, pgettext, npgettext, and Babel's formats."""

    lang: str  # the first catalog of the chain (the language the reader gets)
    tag: str  # the reader's own tag (fr-SN), for Babel's formats
    translations: _gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, n: int) -> str:
        return self.translations.npgettext(context, singular, plural, n)

    _ = gettext

    @property
    def direction(self) -> str:
        return text_direction(self.lang)

    def format_date(self, d: date | datetime | None, format: str = "long") -> str:
        return format_date(d, self.tag, format=format)

    def format_datetime(self, dt: datetime, format: str = "medium", tzinfo: Any = None) -> str:
        return format_datetime(dt, self.tag, format=format, tzinfo=tzinfo)

    def format_list(self, items: list[str], style: str = "standard") -> str:
        return format_list(items, self.tag, style=style)

    def format_number(self, n: int | float) -> str:
        return format_decimal(n, locale=babel_locale(self.tag))


@lru_cache(maxsize=256)
def _translator(lang: str | None, fallback: str | None, enabled: bool) -> Translator:
    langs = chain(lang, fallback)
    first: _gettext.NullTranslations | None = None
    if enabled:
        for code in langs:
            t = _compiled(code)
            if t is None:
                continue
            if first is None:
                # A copy, so that chaining fallbacks does not mutate the shared compiled catalog.
                first = _copy(t)
            else:
                first.add_fallback(_copy(t))
    tag = lang if base_language(lang) in SUPPORTED else langs[0]
    return Translator(lang=langs[0], tag=tag or langs[0], translations=first or _gettext.NullTranslations())


def _copy(t: _gettext.GNUTranslations) -> _gettext.GNUTranslations:
    c = _gettext.GNUTranslations.__new__(_gettext.GNUTranslations)
    c.__dict__.update(t.__dict__)
    c._fallback = None
    return c


def translator(lang: str | None, *, fallback: str | None = None) -> Translator:
    """The translator of a reader whose language is `lang`, in a State whose language is `fallback`."""
    return _translator(lang, fallback, _enabled)


@contextmanager
def catalogs_disabled() -> Iterator[None]:
    """Every translator is the identity (English source text) meanwhile: the benchmark's floor."""
    global _enabled
    before = _enabled
    _enabled = False
    try:
        yield
    finally:
        _enabled = before


def text_direction(lang: str | None) -> str:
    return "rtl" if base_language(lang) in RTL else "ltr"


@lru_cache(maxsize=64)
def babel_locale(tag: str | None):  # type: ignore[no-untyped-def]
    """Babel's Locale for a tag, falling back to its base language, then English (zh -> zh_Hans_CN)."""
    for candidate in (tag, base_language(tag), SOURCE):
        if not candidate:
            continue
        if candidate.lower() == "en":
            candidate = "en_001"  # international English, as the UN writes it: 10 June 2027
        try:
            return Locale.parse(candidate.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(SOURCE)


def format_date(d: date | datetime | None, lang: str | None, *, format: str = "long") -> str:
    """10 June 2027 / 10 juin 2027 / 10 de junio de 2027 / 10 يونيو 2027 ("long"); "full" adds the weekday;
    "medium", "short" or a CLDR pattern ("d MMM y") as Babel takes them. None -> "-"."""
    if d is None:
        return "-"
    if isinstance(d, datetime):
        d = d.date()
    return _fd(d, format=format, locale=babel_locale(lang))


def format_datetime(dt: datetime, lang: str | None, *, format: str = "medium", tzinfo: Any = None) -> str:
    return _fdt(dt, format=format, tzinfo=tzinfo, locale=babel_locale(lang))


def format_list(items: list[str], lang: str | None, *, style: str = "standard") -> str:
    return _fl(list(items), style=style, locale=babel_locale(lang))


def date_pattern_hint(lang: str | None) -> str:
    """How a person types a date in a form, said in their terms (the field itself takes ISO YYYY-MM-DD)."""
    t = translator(lang)
    # Translators: the letters a person types for year, month and day in a date field (YYYY-MM-DD).
    return t.gettext("YYYY-MM-DD")


def jinja_environment(lang: str | None, *, fallback: str | None = None, loader: Any = None,
                      autoescape: bool = True, sandboxed: bool = False, **options: Any):  # type: ignore[no-untyped-def]
    """A Jinja2 environment speaking `lang`: jinja2.ext.i18n installed (newstyle: ``{{ _("Due %(day)s",
    day=d) }}`` escapes and formats), and the globals ``lang``, ``dir``, ``format_date``. Build one per language
    and keep it (building costs more than rendering)."""
    # Imported here: jinja2 adds about 70 ms to a command's start (measured); only rendering a template pays it.
    from jinja2 import Environment
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    cls = ImmutableSandboxedEnvironment if sandboxed else Environment
    env = cls(loader=loader, autoescape=autoescape, extensions=["jinja2.ext.i18n"], **options)
    t = translator(lang, fallback=fallback)
    env.install_gettext_callables(t.gettext, t.ngettext, newstyle=True,  # type: ignore[attr-defined]
                                  pgettext=t.pgettext, npgettext=t.npgettext)
    env.globals.update(lang=t.tag, dir=t.direction,
                       format_date=lambda d, format="long": t.format_date(d, format),
                       format_list=t.format_list)
    return env


# -- checking catalogs (make i18n, tests) -----------------------------------------------------------

_PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{(\w+)[^{}]*\}")


def placeholders(text: str) -> set[str]:
    """Named placeholders of a message: %(name)s and {name} (plain % and {} are not ours)."""
    return {a or b for a, b in _PLACEHOLDER.findall(text or "")}


@dataclass(frozen=True)
class CatalogProblem:
    path: str
    line: int
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} (msgid {self.msgid[:60]!r})"


_PO_LINE = re.compile(r'^(?:(?:msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+)?"(?:[^"\\]|\\.)*"$')


def _syntax_problems(path: Path, rel: str) -> list[CatalogProblem]:
    """What Babel's lenient reader would let through: an unclosed quote, an unknown keyword, a second
    msgstr for one msgid, the same msgid twice. Each with its line (GNU msgfmt refuses all of these)."""
    out: list[CatalogProblem] = []
    last = ""
    seen: dict[tuple[str, str], int] = {}
    ctx = ""
    entry_start = 0
    current: list[str] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not _PO_LINE.match(line):
            out.append(CatalogProblem(rel, n, "", f"does not compile: expected a keyword and a quoted string, got "
                                                 f"{line[:60]!r}"))
            continue
        keyword = line.split(" ", 1)[0] if not line.startswith('"') else '"'
        if keyword == "msgstr" and last in ("msgstr", '"') and current and current[-1] == "msgstr":
            out.append(CatalogProblem(rel, n, "", "does not compile: a second msgstr for one msgid"))
        if keyword in ("msgctxt", "msgid"):
            if keyword == "msgctxt" or last not in ("msgctxt",):
                current = []
                entry_start = n
            if keyword == "msgctxt":
                ctx = line
            elif keyword == "msgid":
                key = (ctx if last == "msgctxt" or (current and current[-1] == "msgctxt") else "", line)
                if line != 'msgid ""' and key in seen:
                    out.append(CatalogProblem(rel, n, line[7:-1], f"does not compile: the same msgid as line "
                                                                  f"{seen[key]}"))
                seen.setdefault(key, entry_start)
                ctx = ""
        if keyword != '"':
            current.append(keyword if not keyword.startswith("msgstr[") else "msgstr[]")
            last = keyword
    return out


def catalog_problems(langs: tuple[str, ...] = SUPPORTED, *, template: Path | None = None,
                     locales: Path | None = None) -> list[CatalogProblem]:
    """Everything wrong with the catalogs, each with file and line: a file that does not parse, a message
    untranslated, fuzzy, missing from a catalog or stale (gone from the template), a placeholder lost or
    invented. A plural form may leave out the count ``num`` (Arabic's 'one day' says no number)."""
    problems: list[CatalogProblem] = []
    locales = locales or LOCALES_DIR
    template = template or locales / f"{DOMAIN}.pot"
    pot_ids: set[Any] | None = None
    if template.exists():
        with template.open("rb") as fh:
            pot = read_po(fh)
        pot_ids = {(m.id, m.context) for m in pot if m.id}
    for lang in langs:
        path = locales / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        rel = str(path.relative_to(LOCALES_DIR.parent.parent)) if path.is_relative_to(
            LOCALES_DIR.parent.parent) else str(path)
        if not path.exists():
            problems.append(CatalogProblem(rel, 0, "", f"no catalog for {lang}"))
            continue
        syntax = _syntax_problems(path, rel)
        if syntax:
            problems += syntax
            continue
        try:
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang, abort_invalid=True)
        except PoFileError as exc:
            line = getattr(exc, "lineno", 0) or 0
            problems.append(CatalogProblem(rel, line, "", f"does not parse: {exc}"))
            continue
        except Exception as exc:  # noqa: BLE001 - any unreadable catalog is a build error with its file
            problems.append(CatalogProblem(rel, 0, "", f"does not parse: {exc}"))
            continue
        seen = set()
        for m in catalog:
            if not m.id:
                continue
            seen.add((m.id, m.context))
            line = m.lineno or 0
            ids = m.id if isinstance(m.id, (list, tuple)) else (m.id,)
            strs = m.string if isinstance(m.string, (list, tuple)) else (m.string,)
            if pot_ids is not None and (m.id, m.context) not in pot_ids:
                problems.append(CatalogProblem(rel, line, str(ids[0]), "stale: not in the template any more"))
            if m.fuzzy:
                problems.append(CatalogProblem(rel, line, str(ids[0]), "fuzzy: needs review"))
            if lang != SOURCE and not all(strs):
                problems.append(CatalogProblem(rel, line, str(ids[0]), "untranslated"))
                continue
            want = set().union(*(placeholders(i) for i in ids))
            for s in strs:
                if not s:
                    continue
                got = placeholders(s)
                if got - want:
                    problems.append(CatalogProblem(rel, line, str(ids[0]),
                                                   f"unknown placeholder(s) {sorted(got - want)}"))
                missing = want - got - ({"num"} if len(ids) > 1 else set())
                if missing:
                    problems.append(CatalogProblem(rel, line, str(ids[0]),
                                                   f"placeholder(s) {sorted(missing)} missing from the translation"))
        for obs in catalog.obsolete.values():
            problems.append(CatalogProblem(rel, obs.lineno or 0, str(obs.id), "stale: obsolete entry (#~)"))
        if pot_ids is not None:
            for mid, ctx in sorted(pot_ids - seen, key=str):
                first = mid[0] if isinstance(mid, (list, tuple)) else mid
                problems.append(CatalogProblem(rel, 0, str(first), "missing: in the template, not in the catalog"))
    return problems


def source_messages() -> list[tuple[str, ...]]:
    """The English texts of our messages (msgid and msgid_plural) from the template: what must never show
    up in a non-English rendering."""
    with (LOCALES_DIR / f"{DOMAIN}.pot").open("rb") as fh:
        pot = read_po(fh)
    return [tuple(m.id) if isinstance(m.id, (list, tuple)) else (m.id,) for m in pot if m.id]


Gettext = Callable[[str], str]
