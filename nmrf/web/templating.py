"""The Jinja2 environment of the pages: autoescaped, every visible string through gettext.

Strings are marked with `{% trans %}` and `_()`; until the project's catalogs
are wired in, the null translations show the English text. `lang` and `dir`
of each page come from the reader's language.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
RTL = frozenset({"ar", "fa", "he", "ur"})


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
    env.install_gettext_translations(gettext.NullTranslations(), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(name: str, *, language: str = "en", **context: object) -> str:
    lang = (language or "en").split("-")[0]
    return environment().get_template(name).render(lang=lang, dir="rtl" if lang in RTL else "ltr", **context)
