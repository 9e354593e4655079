"""The catalogs: complete in the seven languages, placeholders kept, the template in step with the code,
and a broken catalog reported with its file and line (issue 11)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from nmrf.domain.i18n import LOCALES_DIR, SUPPORTED, catalog_problems, placeholders, translator

from tests.support.paths import ROOT  # noqa: E402


def test_every_catalog_translates_every_message_with_its_placeholders_and_nothing_stale_or_fuzzy():
    problems = catalog_problems()
    assert not problems, "\n".join(map(str, problems[:30]))
    # and the check itself is not empty: the template holds our texts
    pot = read_po((LOCALES_DIR / "nmrf.pot").open("rb"))
    assert len([m for m in pot if m.id]) > 400


def test_the_template_holds_exactly_the_strings_the_code_and_data_mark(tmp_path: Path):
    """A string marked in the code but not extracted (make i18n forgotten) or extracted from code that is
    gone fails here, before any catalog can miss it."""
    from nmrf.i18n_build import extract

    fresh = tmp_path / "fresh.pot"
    cwd = Path.cwd()
    try:
        import os

        os.chdir(ROOT)
        extract(fresh)
    finally:
        os.chdir(cwd)

    def ids(path: Path) -> set:
        return {(m.context, m.id if isinstance(m.id, str) else tuple(m.id))
                for m in read_po(path.open("rb")) if m.id}

    committed = ids(LOCALES_DIR / "nmrf.pot")
    extracted = ids(fresh)
    assert extracted - committed == set(), "run `make i18n`: new strings not in nmrf/locales/nmrf.pot"
    assert committed - extracted == set(), "run `make i18n`: the template holds strings the code lost"


def _copy_locales(tmp_path: Path) -> Path:
    dest = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, dest, ignore=shutil.ignore_patterns("GLOSSARY.md"))
    return dest


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_a_placeholder_lost_in_a_translation_is_reported_with_its_file_and_line(tmp_path: Path):
    locales = _copy_locales(tmp_path)
    po = locales / "fr" / "LC_MESSAGES" / "nmrf.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Rappel : %(item)s, échéance le %(due)s"', 'msgstr "Rappel : %(item)s, échéance"')
    po.write_text(text, encoding="utf-8")
    [problem] = catalog_problems(("fr",), locales=locales, template=LOCALES_DIR / "nmrf.pot")
    assert problem.path.endswith("fr/LC_MESSAGES/nmrf.po") and problem.line == _line_of(po, 'msgid "Reminder: %(item)s')
    assert "['due'] missing from the translation" in str(problem)
    assert str(problem).startswith(f"{problem.path}:{problem.line}: ")


def test_a_catalog_that_does_not_parse_or_misses_a_message_is_an_error_not_an_english_fallback(tmp_path: Path):
    locales = _copy_locales(tmp_path)
    po = locales / "es" / "LC_MESSAGES" / "nmrf.po"
    lines = po.read_text(encoding="utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith('msgid "Reminder: %(item)s'))
    broken = lines[:n + 1] + ['msgstr "Recordatorio sin cerrar'] + lines[n + 2:]
    po.write_text("\n".join(broken) + "\n", encoding="utf-8")
    problems = catalog_problems(("es",), locales=locales, template=LOCALES_DIR / "nmrf.pot")
    assert len(problems) == 1 and "does not compile" in problems[0].what and problems[0].line == n + 2
    # A message removed from a catalog is missing, not silently English.
    ru = locales / "ru" / "LC_MESSAGES" / "nmrf.po"
    text = ru.read_text(encoding="utf-8")
    start = text.index('msgid "nobody yet"')
    end = text.index("\n\n", start)
    ru.write_text(text[:start] + text[end + 2:], encoding="utf-8")
    [missing] = catalog_problems(("ru",), locales=locales, template=LOCALES_DIR / "nmrf.pot")
    assert "missing" in missing.what and missing.msgid == "nobody yet"


def test_make_i18n_checks_in_one_command_and_exits_non_zero_on_a_problem(tmp_path: Path):
    assert "i18n:" in (ROOT / "Makefile").read_text() and "nmrf.i18n_build" in (ROOT / "Makefile").read_text()
    ok = subprocess.run([sys.executable, "-m", "nmrf.i18n_build", "--check"], capture_output=True, text=True,
                        cwd=ROOT, timeout=120)
    assert ok.returncode == 0 and "catalogs complete: ar, zh, en, fr, ru, es, pt" in ok.stdout


@pytest.mark.parametrize("lang", [lang for lang in SUPPORTED if lang != "en"])
def test_plural_forms_follow_each_language(lang: str):
    t = translator(lang)
    forms = {t.ngettext("%(num)d day late", "%(num)d days late", n) % {"num": n} for n in (1, 2, 5, 11, 21, 100)}
    expected = {"zh": 1, "fr": 2, "es": 2, "pt": 2, "ru": 3, "ar": 5}[lang]
    assert len(forms) >= expected
    assert all("day" not in f for f in forms)


def test_placeholders_are_read_in_both_styles():
    assert placeholders("Due %(due)s, %(num)d days, {state} of {mechanism}") == {"due", "num", "state", "mechanism"}
