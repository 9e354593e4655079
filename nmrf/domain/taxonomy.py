"""The shared taxonomy of recommendations: UHRI themes and the 17 SDGs.

Loaded from nmrf/data/taxonomy/taxonomy.yaml and checked when it loads: every
source theme maps to known themes, every SDG number exists, and no alias names
two themes. Pure: no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import yaml

from nmrf.domain.packaged import TAXONOMY_DIR
from nmrf.domain.reference import member_names



def fold(text: str) -> str:
    """Case- and space-insensitive form for matching names (accents kept)."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    sdgs: tuple[int, ...]
    keywords: tuple[str, ...]
    order: int


@dataclass(frozen=True)
class Taxonomy:
    version: str
    sdgs: dict[int, str]
    themes: dict[str, Theme]
    names: dict[str, str]  # folded name or alias -> theme key
    sources: dict[str, dict[str, tuple[str, ...]]]  # source -> folded source theme -> keys

    def theme(self, key: str) -> Theme:
        return self.themes[key]

    def lookup(self, name: str) -> str | None:
        """A theme key from a theme key, UHRI name or alias; None when unknown."""
        folded = fold(name)
        if folded in self.themes:
            return folded
        return self.names.get(folded)

    def map_source(self, source: str, theme: str) -> tuple[str, ...] | None:
        table = self.sources.get(source, {})
        keys = table.get(fold(theme))
        if keys is not None:
            return keys
        key = self.lookup(theme)
        return (key,) if key else None

    def sdgs_for(self, keys: Iterable[str]) -> list[int]:
        return sorted({g for k in keys for g in self.themes[k].sdgs})

    def from_text(self, normalised_words: Sequence[str]) -> list[str]:
        """Themes whose keywords occur (as whole words) in the text, in taxonomy order."""
        padded = " " + " ".join(normalised_words) + " "
        found = [t.key for t in self.themes.values()
                 if any(f" {kw} " in padded for kw in t.keywords)]
        return found

    def order(self, keys: Iterable[str]) -> list[str]:
        return sorted(set(keys), key=lambda k: self.themes[k].order)


_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text).replace("’", "'"))


def parse_taxonomy(data: dict) -> Taxonomy:
    problems: list[str] = []
    sdgs = {int(k): str(v) for k, v in data["sdgs"].items()}
    if sorted(sdgs) != list(range(1, 18)):
        problems.append("sdgs: expected goals 1 to 17")
    themes: dict[str, Theme] = {}
    names: dict[str, str] = {}
    for i, (key, spec) in enumerate(data["themes"].items()):
        for goal in spec.get("sdgs", []):
            if goal not in sdgs:
                problems.append(f"theme {key}: unknown SDG {goal}")
        themes[key] = Theme(key=key, name=spec["name"], sdgs=tuple(spec.get("sdgs", [])),
                            keywords=tuple(" ".join(words(k)) for k in spec.get("keywords", [])), order=i)
        for alias in [spec["name"], *spec.get("aliases", [])]:
            folded = fold(alias)
            if names.get(folded, key) != key:
                problems.append(f"theme {key}: alias {alias!r} already names theme {names[folded]}")
            names[folded] = key
    sources: dict[str, dict[str, tuple[str, ...]]] = {}
    for source, table in data.get("sources", {}).items():
        sources[source] = {}
        for theme, keys in table.items():
            unknown = [k for k in keys if k not in themes]
            if unknown:
                problems.append(f"sources.{source}.{theme}: unknown theme(s) {', '.join(unknown)}")
            sources[source][fold(theme)] = tuple(keys)
    if problems:
        raise ValueError("taxonomy: " + "; ".join(problems))
    return Taxonomy(version=str(data.get("version", "")), sdgs=sdgs, themes=themes, names=names, sources=sources)


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    with (TAXONOMY_DIR / "taxonomy.yaml").open(encoding="utf-8") as fh:
        return parse_taxonomy(yaml.safe_load(fh))


@lru_cache(maxsize=1)
def state_aliases() -> dict[str, str]:
    """Folded State name -> ISO code, from the ratification data and the aliases file."""
    out = {fold(name): code for code, name in member_names().items()}
    with (TAXONOMY_DIR / "state-names.yaml").open(encoding="utf-8") as fh:
        for code, aliases in yaml.safe_load(fh).items():
            for alias in aliases:
                out[fold(alias)] = code
    return out


def state_code(name_or_code: str) -> str | None:
    """The ISO code of a State given by name (any known spelling) or by code."""
    text = name_or_code.strip()
    if len(text) == 2 and text.upper() in member_names():
        return text.upper()
    return state_aliases().get(fold(text))
