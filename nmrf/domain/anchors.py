"""What a recommendation names whatever its language: instruments, national laws, treaty articles, actions, groups.

Clustering compares texts word by word only within one language; across
languages (a French concluding observation, an English UPR recommendation) it
compares these signals instead, each with a weight and a label in the reader's
language, so `why` can say what two recommendations share:

- instruments named (OP-CEDAW, OPCAT, ILO Convention No. 169, the Rome Statute...);
- national laws by number ("Law 18.314", "loi n° 18.314", "Decreto Ley N° 2.191");
- treaty articles, tied to the instrument named beside them ("article 1 of the Convention against Torture");
- actions and subjects (prior consultation, military jurisdiction, corporal punishment...);
- affected groups (women, children, indigenous peoples...): weak on their own.

The vocabulary is data (nmrf/data/taxonomy/anchors.yaml: patterns in English,
French and Spanish, labels in the seven languages). Pure: text in, signals out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from nmrf.domain.taxonomy import TAXONOMY_DIR

LANGUAGES = ("en", "fr", "es")
LAW_WEIGHT = 1.0
ARTICLE_WEIGHT = 0.4
INSTRUMENT_WEIGHT = 0.8
GROUP_WEIGHT = 0.2

# A few function words per language: enough to tell English, French and Spanish apart.
_STOP = {
    "en": frozenset("the of and to in on for with by that its all be as from their which this is are".split()),
    "fr": frozenset("le la les des du de et en au aux pour que qui une un dans sur par leur est ses".split()),
    "es": frozenset("el la los las del de y en al para que por una un con sus su se es lo como".split()),
}


def plain(text: str) -> str:
    """Lower case, accents removed: 'Amnistía N° 2.191' -> 'amnistia n° 2.191'."""
    low = text.casefold().replace("’", "'")
    if low.isascii():  # most texts: nothing to remove
        return low
    decomposed = unicodedata.normalize("NFKD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def padded_words(text: str) -> str:
    """' word word ... ' of the plain text, punctuation as spaces: patterns match at word starts."""
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", plain(text)).split()) + " "


def language_of(text: str, *, plain_text: str | None = None) -> str:
    """en, fr or es, by the function words it uses (en when nothing tells)."""
    toks = re.findall(r"[a-z]+", plain_text if plain_text is not None else plain(text))
    counts = {lang: sum(1 for t in toks if t in stop) for lang, stop in _STOP.items()}
    best = max(LANGUAGES, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] else "en"


@dataclass(frozen=True)
class Anchor:
    key: str
    kind: str  # instrument | concept | group | law | article
    weight: float
    labels: dict[str, str]

    def label(self, language: str) -> str:
        return self.labels.get(language) or self.labels.get("en") or self.key


@dataclass(frozen=True)
class Lexicon:
    anchors: dict[str, Anchor]
    patterns: tuple[tuple[str, str], ...]  # (' padded pattern', anchor key), every language
    subsumes: dict[str, tuple[str, ...]]  # anchor key -> keys its name contains
    # The patterns by the first two letters of their first word (one letter for a one-letter word): a text is
    # scanned word by word, each word tried only against the patterns that can start there.
    by_prefix: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    with (TAXONOMY_DIR / "anchors.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    anchors: dict[str, Anchor] = {}
    patterns: list[tuple[str, str]] = []
    subsumes: dict[str, tuple[str, ...]] = {}
    for section, kind in (("instruments", "instrument"), ("concepts", "concept"), ("groups", "group")):
        for key, spec in data.get(section, {}).items():
            default = {"instrument": INSTRUMENT_WEIGHT, "group": GROUP_WEIGHT}.get(kind, 0.6)
            anchor = Anchor(key=f"{kind}:{key}", kind=kind, weight=float(spec.get("weight", default)),
                            labels=dict(spec["label"]))
            anchors[anchor.key] = anchor
            if spec.get("subsumes"):
                subsumes[anchor.key] = tuple(f"{kind}:{k}" for k in spec["subsumes"])
            for lang in LANGUAGES:
                for pat in spec.get(lang, []):
                    patterns.append((" " + padded_words(str(pat)).strip(), anchor.key))
    by_prefix: dict[str, list[tuple[str, str]]] = {}
    for pat, key in patterns:
        by_prefix.setdefault(pat[1:3].rstrip(), []).append((pat, key))
    return Lexicon(anchors=anchors, patterns=tuple(patterns), subsumes=subsumes,
                   by_prefix={k: tuple(v) for k, v in by_prefix.items()})


_NUMBER = r"(\d{1,3}(?:[.,]\d{3})+|\d{2,6})"
_LAW_MARKED = re.compile(r"\b(?:law|act|ley|loi|decree|decreto|decret)\b[^.;:]{0,40}?"
                         r"\b(?:no\.?|n°|nº|n\.|num\.?|number|numero)\s*" + _NUMBER)
_LAW_BARE = re.compile(r"\b(?:law|ley|loi)\s+(\d{1,3}(?:[.,]\d{3})+|\d{3,6})\b")
_ARTICLE = re.compile(r"\b(?:article|articulo|art\.)s?\s+(\d{1,3})\b")


# How a national law and a treaty article found in a text are named, in each language a label is read in
# (the patterns above find them in English, French and Spanish texts only).
LAW_LABELS = {"en": "law No. {number}", "fr": "la loi n° {number}", "es": "la ley N° {number}",
              "pt": "a lei n.º {number}", "ru": "закон № {number}", "ar": "القانون رقم {number}",
              "zh": "第{number}号法律"}
ARTICLE_LABELS = {"en": "article {number} ({instrument})", "fr": "article {number} ({instrument})",
                  "es": "artículo {number} ({instrument})", "pt": "artigo {number} ({instrument})",
                  "ru": "статья {number} ({instrument})", "ar": "المادة {number} ({instrument})",
                  "zh": "第{number}条（{instrument}）"}


def law_anchor(number: str) -> Anchor:
    """A national law by its number, named in each language."""
    n = re.sub(r"[.,]", "", number)
    return Anchor(key=f"law:{n}", kind="law", weight=LAW_WEIGHT,
                  labels={lang: pattern.format(number=number) for lang, pattern in LAW_LABELS.items()})


def article_anchor(instrument: Anchor, number: str) -> Anchor:
    """Article `number` of an instrument, named in each language beside the instrument's own name."""
    key = f"article:{instrument.key.split(':', 1)[1]}:{number}"
    return Anchor(key=key, kind="article", weight=ARTICLE_WEIGHT, labels={
        lang: pattern.format(number=number, instrument=instrument.label(lang))
        for lang, pattern in ARTICLE_LABELS.items()})


def signals(text: str, lexicon: Lexicon | None = None, *, plain_text: str | None = None) -> dict[str, Anchor]:
    """Every signal the text carries, by key."""
    lex = lexicon or load_lexicon()
    low = plain_text if plain_text is not None else plain(text)
    words = " " + " ".join(re.sub(r"[^0-9a-z]+", " ", low).split()) + " "
    found: dict[str, Anchor] = {}
    pos = 0
    while pos < len(words) - 1:
        word_end = words.index(" ", pos + 1)
        for prefix in {words[pos + 1:pos + 3], words[pos + 1:pos + 2]}:
            for pat, key in lex.by_prefix.get(prefix, ()):
                if key not in found and words.startswith(pat, pos):
                    found[key] = lex.anchors[key]
        pos = word_end
    for key, inner in lex.subsumes.items():
        if key in found:
            for k in inner:
                found.pop(k, None)
    for m in (*_LAW_MARKED.finditer(low), *_LAW_BARE.finditer(low)):
        a = law_anchor(m.group(1))
        found.setdefault(a.key, a)
    instruments = [a for a in found.values() if a.kind == "instrument"]
    for m in _ARTICLE.finditer(low):
        for inst in instruments:
            a = article_anchor(inst, m.group(1))
            found.setdefault(a.key, a)
    return found
