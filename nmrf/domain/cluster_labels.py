"""A cluster's label in the reader's language, wherever its words are ours. Pure.

Clustering stores a label as `<theme>: <phrase>` (stored_label): the theme's name as the shared taxonomy
writes it (English, the catalogs' msgid), then a phrase in the State's language: the name of the signal most
members share (an instrument, a concept, a group, a law, an article; nmrf/data/taxonomy/anchors.yaml names
each in the seven languages), else the words that characterise the members, taken from their own texts.
`cluster_label` says a stored label to one reader: the theme through the catalogs, a signal by its name in
the reader's language, the members' words as written. A label of any other form (cut at its 300 characters,
or written from a theme the taxonomy no longer names so) is shown as stored.

    cluster_label(translator("fr"), theme="impunity", label="Impunity: la ley de amnistía", written_in="es")
    # "Impunité : la loi d'amnistie"; "Impunity: reparation, victims, truth" -> "Impunité : reparation, ..."
"""

from __future__ import annotations

import re
from functools import lru_cache

from nmrf.domain.anchors import ARTICLE_LABELS, LAW_LABELS, Anchor, article_anchor, law_anchor, load_lexicon
from nmrf.domain.i18n import Translator, base_language
from nmrf.domain.taxonomy import Taxonomy, load_taxonomy

SEPARATOR = ": "
MAX_LENGTH = 300  # the column's length (Cluster.label)


def stored_label(theme_name: str, phrase: str) -> str:
    """The label clustering records: the theme's name as the taxonomy writes it, then the phrase."""
    return f"{theme_name}{SEPARATOR}{phrase}"[:MAX_LENGTH]


def phrase_of(label: str, theme_name: str) -> str | None:
    """The phrase of a label stored for this theme name; None when the label does not begin with it."""
    prefix = theme_name + SEPARATOR
    return label[len(prefix):] if label.startswith(prefix) and len(label) > len(prefix) else None


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, Anchor]]:
    """language -> a signal's name in it -> the signal (the first one so named)."""
    out: dict[str, dict[str, Anchor]] = {}
    for anchor in load_lexicon().anchors.values():
        for lang, text in anchor.labels.items():
            out.setdefault(lang, {}).setdefault(text, anchor)
    return out


@lru_cache(maxsize=32)
def _pattern(template: str) -> re.Pattern[str]:
    """A label template ("la loi n° {number}") as a pattern that reads its values back."""
    values = {"number": r"(?P<number>\d[\d.,]*)", "instrument": r"(?P<instrument>.+)"}
    parts = re.split(r"\{(\w+)\}", template)
    return re.compile("".join(values[p] if i % 2 else re.escape(p) for i, p in enumerate(parts)))


def signal_named(phrase: str, written_in: str | None = None) -> Anchor | None:
    """The signal a phrase names, read in the language it was written in first, then in any other: one of
    the vocabulary's, a national law by its number, an article of a named instrument. None for other words."""
    names = _names()
    first = base_language(written_in)
    langs = ([first] if first in names else []) + [lang for lang in names if lang != first]
    for lang in langs:
        if phrase in names[lang]:
            return names[lang][phrase]
    for lang in langs:
        law = _pattern(LAW_LABELS[lang]).fullmatch(phrase) if lang in LAW_LABELS else None
        if law:
            return law_anchor(law["number"])
        article = _pattern(ARTICLE_LABELS[lang]).fullmatch(phrase) if lang in ARTICLE_LABELS else None
        if article:
            instrument = names[lang].get(article["instrument"])
            if instrument is not None and instrument.kind == "instrument":
                return article_anchor(instrument, article["number"])
    return None


def signal_label(t: Translator, anchor: Anchor) -> str:
    """A signal's name in the reader's language."""
    return anchor.label(t.lang)


def cluster_label(t: Translator, *, theme: str, label: str, written_in: str | None = None,
                  taxonomy: Taxonomy | None = None) -> str:
    """A cluster's stored label said to this reader: its theme and, when the phrase names a signal, the
    signal in the reader's words (`written_in`: the language clustering wrote the phrase in, the State's)."""
    th = (taxonomy or load_taxonomy()).themes.get(theme)
    phrase = phrase_of(label, th.name) if th is not None else None
    if th is None or phrase is None:
        return label
    signal = signal_named(phrase, written_in)
    # Translators: a recommendations cluster's label: its theme, then what its members ask for.
    return t.pgettext("cluster label", "%(theme)s: %(phrase)s") % {
        "theme": t.gettext(th.name), "phrase": signal_label(t, signal) if signal is not None else phrase}
