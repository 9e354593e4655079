"""The Jinja2 environments of the pages: one per reader's language, autoescaped, every visible string
through the project's catalogs (nmrf.domain.i18n); `lang` and `dir` of each page come from it."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader

from nmrf.domain.i18n import jinja_environment

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# The files the pages load from /static/nmrf/, with their media types: the stylesheet, and htmx (2.0.11, 0BSD,
# its licence in static/htmx.LICENSE), which the console's forms use where answering in place helps.
SHIPPED = {"page.css": "text/css", "htmx.min.js": "text/javascript", "fields.js": "text/javascript"}


@lru_cache(maxsize=64)
def environment(lang: str | None, fallback: str | None):  # type: ignore[no-untyped-def]
    # Building an environment costs more than rendering a page: one per language pair, kept.
    return jinja_environment(lang, fallback=fallback, loader=FileSystemLoader(TEMPLATES), trim_blocks=True,
                             lstrip_blocks=True)


def render(name: str, *, language: str | None = "en", fallback: str | None = None, **context: object) -> str:
    return environment(language, fallback).get_template(name).render(**context)
