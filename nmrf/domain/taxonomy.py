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
        return self.names.get(theme_fold(name))

    def map_source(self, source: str, theme: str, extra: dict[str, tuple[str, ...]] | None = None
                   ) -> tuple[str, ...] | None:
        """The taxonomy keys of a source's theme: the State's own aliases, the source's table, the
        current UHRI names, then any name or alias; None when nothing maps it."""
        key = theme_fold(theme)
        for table in (extra or {}, self.sources.get(source, {}), self.sources.get("uhri", {})):
            if key in table:
                return table[key]
        found = self.lookup(theme)
        return (found,) if found else None

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


_THEME_CODE = re.compile(r"^[A-HS]\d{1,3}\s+(?=\D)")
# A theme cell that is an SDG: "S05 SDG 5 - gender equality", "SDG 5".
SDG_THEME = re.compile(r"^(?:S\d{1,2}\s+)?SDG\s*(\d{1,2})\b", re.IGNORECASE)


def theme_fold(name: str) -> str:
    """A theme name for matching: case and spaces folded, '&' read as 'and', OHCHR's leading code ignored."""
    text = _THEME_CODE.sub("", name.strip())
    return " ".join(fold(text).replace("&", " and ").replace("’", "'").split())


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
            folded = theme_fold(alias)
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
            sources[source][theme_fold(theme)] = tuple(keys)
    if problems:
        raise ValueError("taxonomy: " + "; ".join(problems))
    return Taxonomy(version=str(data.get("version", "")), sdgs=sdgs, themes=themes, names=names, sources=sources)


def theme_alias_table(aliases: dict[str, list[str]] | None, taxonomy: Taxonomy) -> dict[str, tuple[str, ...]]:
    """A profile's own theme names ({theme-key: [name, ...]}) as a look-up table."""
    out: dict[str, tuple[str, ...]] = {}
    for key, names in (aliases or {}).items():
        if key not in taxonomy.themes:
            raise ValueError(f"theme alias for {key!r}: not a theme of the taxonomy")
        for name in names:
            out[theme_fold(name)] = (*out.get(theme_fold(name), ()), key)
    return out


@lru_cache(maxsize=1)
def load_taxonomy() -> Taxonomy:
    with (TAXONOMY_DIR / "taxonomy.yaml").open(encoding="utf-8") as fh:
        return parse_taxonomy(yaml.safe_load(fh))


# ---------------------------------------------------------------- States

_STATE_PUNCT = re.compile(r"[.'’()\[\]]")


def _state_key(name: str) -> str:
    """Forgiving form of a State name: '&' is 'and', 'St.' is 'Saint', a leading 'The' and punctuation ignored."""
    text = fold(name).replace("&", " and ")
    text = re.sub(r"\bst\.?\s", "saint ", text)
    text = _STATE_PUNCT.sub(" ", text)
    text = " ".join(text.replace(",", " , ").split())
    return text.removeprefix("the ").replace(" ,", ",")


def state_keys(name: str) -> list[str]:
    """The keys a name is looked up by: as written, and inverted ('Korea, Republic of' -> 'Republic of Korea')."""
    key = _state_key(name)
    out = [key.replace(",", "")]
    if ", " in key:
        head, _, tail = key.partition(", ")
        out.append(_state_key(f"{tail} {head}"))
    return [" ".join(k.split()) for k in out]


@dataclass(frozen=True)
class StateNames:
    names: dict[str, str]  # code -> the UN's short name
    observers: frozenset[str]
    keys: dict[str, str]  # state key -> code


@lru_cache(maxsize=1)
def un_states() -> StateNames:
    """Every UN member State and non-member observer State, with the spellings exports use."""
    with (TAXONOMY_DIR / "state-names.yaml").open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    names: dict[str, str] = {}
    keys: dict[str, str] = {}
    for code, aliases in data["names"].items():
        names[code] = aliases[0]
        for alias in aliases:
            for key in state_keys(alias):
                if keys.get(key, code) != code:
                    raise ValueError(f"state-names.yaml: {alias!r} names both {keys[key]} and {code}")
                keys[key] = code
    return StateNames(names=names, observers=frozenset(data.get("observers", [])), keys=keys)


def state_alias_keys(aliases: dict[str, list[str]] | None) -> dict[str, str]:
    """A profile's own spellings ({code: [spelling, ...]}) as look-up keys."""
    return {key: code for code, spellings in (aliases or {}).items() for s in spellings for key in state_keys(s)}


def state_code(name_or_code: str, extra: dict[str, str] | None = None) -> str | None:
    """The ISO code of a UN member or observer State given by name (any known spelling) or by code.

    `extra` holds the State profile's own spellings (from state_alias_keys); they win.
    """
    text = name_or_code.strip()
    states = un_states()
    if len(text) == 2 and text.upper() in states.names:
        return text.upper()
    for key in state_keys(text):
        code = (extra or {}).get(key) or states.keys.get(key)
        if code:
            return code
    return None
