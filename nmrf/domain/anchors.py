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

The vocabulary is data (nmrf/data/taxonomy/anchors.yaml, English, French,
Spanish). Pure: text in, signals out.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
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
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def padded_words(text: str) -> str:
    """' word word ... ' of the plain text, punctuation as spaces: patterns match at word starts."""
    return " " + " ".join(re.sub(r"[^0-9a-z]+", " ", plain(text)).split()) + " "


def language_of(text: str) -> str:
    """en, fr or es, by the function words it uses (en when nothing tells)."""
    toks = re.findall(r"[a-z]+", plain(text))
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
    return Lexicon(anchors=anchors, patterns=tuple(patterns), subsumes=subsumes)


_NUMBER = r"(\d{1,3}(?:[.,]\d{3})+|\d{2,6})"
_LAW_MARKED = re.compile(r"\b(?:law|act|ley|loi|decree|decreto|decret)\b[^.;:]{0,40}?"
                         r"\b(?:no\.?|n°|nº|n\.|num\.?|number|numero)\s*" + _NUMBER)
_LAW_BARE = re.compile(r"\b(?:law|ley|loi)\s+(\d{1,3}(?:[.,]\d{3})+|\d{3,6})\b")
_ARTICLE = re.compile(r"\b(?:article|articulo|art\.)s?\s+(\d{1,3})\b")


def _law(number: str) -> Anchor:
    n = re.sub(r"[.,]", "", number)
    return Anchor(key=f"law:{n}", kind="law", weight=LAW_WEIGHT,
                  labels={"en": f"law No. {number}", "fr": f"la loi n° {number}", "es": f"la ley N° {number}"})


def signals(text: str, lexicon: Lexicon | None = None) -> dict[str, Anchor]:
    """Every signal the text carries, by key."""
    lex = lexicon or load_lexicon()
    words = padded_words(text)
    found: dict[str, Anchor] = {}
    for pat, key in lex.patterns:
        if key not in found and pat in words:
            found[key] = lex.anchors[key]
    for key, inner in lex.subsumes.items():
        if key in found:
            for k in inner:
                found.pop(k, None)
    low = plain(text)
    for m in (*_LAW_MARKED.finditer(low), *_LAW_BARE.finditer(low)):
        a = _law(m.group(1))
        found.setdefault(a.key, a)
    instruments = [a for a in found.values() if a.kind == "instrument"]
    for m in _ARTICLE.finditer(low):
        for inst in instruments:
            key = f"article:{inst.key.split(':', 1)[1]}:{m.group(1)}"
            found.setdefault(key, Anchor(key=key, kind="article", weight=ARTICLE_WEIGHT, labels={
                lang: f"{'article' if lang != 'es' else 'artículo'} {m.group(1)} ({inst.label(lang)})"
                for lang in LANGUAGES}))
    return found
