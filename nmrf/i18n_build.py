"""`make i18n`: extract every marked string into nmrf/locales/nmrf.pot, update the seven catalogs, check them.

A developer's tool, not part of the running engine. Babel does the work (pybabel extract/update); the sources
are babel.cfg's: Python under nmrf/, flows/, models/, calendars/, notifications/, Jinja2 templates
(**/templates/**.html), and the texts of our YAML data (the rules catalogue's names, titles and descriptions; the taxonomy's themes and goals;
the messages of notifications/messages.yaml). Then every catalog is checked (it parses, nothing missing,
untranslated, fuzzy or stale, placeholders kept) and compiled in memory; any problem is printed as
file:line: what, and the command exits 1. The files are written sorted by msgid, without source locations
and with fixed header dates, so that two branches adding strings rarely touch the same lines.

    python -m nmrf.i18n_build            # extract, update, check
    python -m nmrf.i18n_build --check    # check only (what the tests run)
"""

from __future__ import annotations

import io
import os
import sys
from datetime import UTC, datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po
from jinja2.ext import babel_extract

from nmrf.domain.i18n import DOMAIN, LOCALES_DIR, SUPPORTED, catalog_problems

ROOT = LOCALES_DIR.parent.parent
KEYWORDS = ["_", "N_", "gettext", "ngettext:1,2", "pgettext:1c,2", "npgettext:1c,2,3"]
# Keys of our YAML data whose values a person reads (the catalogue's `source` and `note` are citations and
# the secretariat's remarks on a rule: quoted as written).
YAML_KEYS = {"name", "title", "description", "label", "sdg"}


def extract_yaml(fileobj: Any, keywords: Any, comment_tags: Any, options: dict[str, Any]
                 ) -> Iterator[tuple[int, str, str | tuple[str, ...], list[str]]]:
    """Babel extractor for our YAML data. Plain texts under YAML_KEYS become msgids; in a YAML file whose
    values are Jinja templates (options['jinja'] = 'true': notifications/messages.yaml) each value's
    ``_()``/``ngettext()`` calls are extracted with the value's line."""
    jinja = str(options.get("jinja", "")).lower() in ("1", "true", "yes")
    node = yaml.compose(fileobj.read().decode("utf-8"))
    if node is None:
        return

    def walk(n: yaml.Node, key: str | None) -> Iterator[tuple[int, str, Any, list[str]]]:
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                # The taxonomy's `sdgs:` maps each goal's number to its name: the names are read too.
                yield from walk(v, "sdg" if key == "sdgs" and isinstance(v, yaml.ScalarNode) else str(k.value))
        elif isinstance(n, yaml.SequenceNode):
            for v in n.value:
                yield from walk(v, key)
        elif isinstance(n, yaml.ScalarNode) and isinstance(n.value, str) and n.value.strip():
            line = n.start_mark.line + 1
            if jinja:
                for lineno, func, msg, comments in babel_extract(
                        io.BytesIO(n.value.encode()), keywords, comment_tags,
                        {"extensions": "jinja2.ext.i18n", "trimmed": "false"}):
                    yield line + lineno - 1, func, msg, list(comments)
            elif key in YAML_KEYS and n.tag.endswith(":str"):
                yield line, "_", n.value, []

    yield from walk(node, None)


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(pot: Path) -> None:
    kw: list[str] = []
    for k in KEYWORDS:
        kw += ["-k", k]
    _pybabel("extract", "-F", str(ROOT / "babel.cfg"), "--no-default-keywords", *kw,
             "--add-comments=Translators:", "--sort-by-file", "--no-wrap", "--omit-header",
             "--project=nmrf", "-o", str(pot), ".")
    add_help_texts(pot)


def add_help_texts(pot: Path) -> None:
    """The command line's help texts (docstrings and `help=` of commands and options) into the template,
    read from the command tree Typer builds: the same texts, cleaned the same way, that nmrf.cli.typer_words
    looks up when it formats help in the reader's language (Babel cannot extract keyword arguments)."""
    import typer

    from nmrf.cli.app import app
    from nmrf.cli.typer_words import help_texts

    with pot.open("rb") as fh:
        catalog = read_po(fh)
    for text in help_texts(typer.main.get_command(app)):
        if text not in catalog:  # (already marked in code: one entry)
            catalog.add(text, auto_comments=["Translators: command-line help (nmrf --help)"])
    with pot.open("wb") as fh:
        write_po(fh, catalog, width=0, omit_header=True)


def update(pot: Path) -> None:
    for lang in SUPPORTED:
        po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.exists():
            _pybabel("init", "-i", str(pot), "-d", str(LOCALES_DIR), "-D", DOMAIN, "-l", lang, "--no-wrap")
        else:
            _pybabel("update", "-i", str(pot), "-d", str(LOCALES_DIR), "-D", DOMAIN, "-l", lang,
                     "--no-wrap", "--no-fuzzy-matching", "--ignore-obsolete")


# Fixed header dates: a catalog changes only where a message changes, so branches that each add strings merge
# without touching the same lines (no `#: file:line` comments either, and messages sorted by msgid).
_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def normalise(path: Path) -> None:
    """Rewrite a .pot/.po file in the merge-friendly form: sorted by msgid, no locations, fixed dates."""
    with path.open("rb") as f:
        catalog = read_po(f, locale=None if path.suffix == ".pot" else path.parent.parent.name)
    catalog.creation_date = _FIXED_DATE
    catalog.revision_date = _FIXED_DATE
    with path.open("wb") as f:
        write_po(f, catalog, width=0, no_location=True, sort_output=True, omit_header=path.suffix == ".pot",
                 ignore_obsolete=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    os.chdir(ROOT)  # babel.cfg's patterns are relative to the repository
    pot = LOCALES_DIR / f"{DOMAIN}.pot"
    if "--check" not in argv:
        extract(pot)
        update(pot)
        for path in [pot, *(LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po" for lang in SUPPORTED)]:
            normalise(path)
    problems = catalog_problems()
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the catalogs", file=sys.stderr)
        return 1
    print(f"catalogs complete: {', '.join(SUPPORTED)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
