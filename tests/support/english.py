"""What "an English sentence of ours" is, for the tests that read a rendering in another language: every
literal run of three words or more in a msgid of the catalogs (placeholders cut out)."""

from __future__ import annotations

import re

from nmrf.domain.i18n import source_messages


def _fragments() -> list[str]:
    """Literal runs of at least three words in our English msgids."""
    out = set()
    for ids in source_messages():
        for text in ids:
            for part in re.split(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|\{\w+\}|%%", text):
                part = part.strip(" .,:;()[]\"'—-")
                # (CLDR date patterns and the YYYY-MM-DD a date field expects are formats, not words)
                if len(re.findall(r"[A-Za-z]+", part)) >= 3 and not re.fullmatch(r"[EMdyGYD' ,.-]+", part):
                    out.add(part)
    return sorted(out, key=len, reverse=True)


FRAGMENTS = _fragments()


def english_left(text: str, quoted: set[str]) -> list[str]:
    """Our English fragments left in `text` once what is quoted as written (names, texts) is taken out."""
    for q in sorted((q for q in quoted if q), key=len, reverse=True):
        text = text.replace(q, " ")
    return [f for f in FRAGMENTS if f in text]
