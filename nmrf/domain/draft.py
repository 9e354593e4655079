"""A draft report as data: sections, the recommendations they answer, the answers, what is missing.

Pure: rendering to Markdown and the word count are here; DOCX rendering is in
nmrf.documents.draft_docx. The word count is that of the text that would be
submitted (headings, the references to the recommendations, the answers); the
editorial notes saying what is missing and the annex listing the
recommendations' full texts are not counted (annexes are not counted for the
UPR national report either).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


@dataclass(frozen=True)
class Answer:
    institution: str
    implementation: str
    text: str
    data: str = ""


@dataclass(frozen=True)
class Block:
    """One cluster (or article) of recommendations answered together."""

    title: str
    references: str  # e.g. "Recommendations 12 (Argentina), 15 (Spain); CEDAW/C/CHL/CO/7 para. 21"
    answers: tuple[Answer, ...]
    missing: tuple[str, ...]  # "Ministry of Health (lead), due 2027-06-01"


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class AnnexRow:
    ref: str
    source: str
    text: str


@dataclass
class Draft:
    title: str
    subtitle: str
    word_limit: int | None
    sections: list[Section] = field(default_factory=list)
    annex: list[AnnexRow] = field(default_factory=list)
    missing_from: dict[str, int] = field(default_factory=dict)  # institution -> recommendations unanswered

    def body_text(self) -> str:
        """The text the word count counts."""
        parts = [self.title]
        for s in self.sections:
            parts.append(s.title)
            for b in s.blocks:
                parts += [b.title, b.references]
                parts += [a.text + (" " + a.data if a.data else "") for a in b.answers]
        return "\n".join(parts)

    @property
    def words(self) -> int:
        return count_words(self.body_text())

    def limit_text(self) -> str:
        if not self.word_limit:
            return f"{self.words:,} words (no word limit set)"
        pct = 100 * self.words / self.word_limit
        over = " OVER THE LIMIT" if self.words > self.word_limit else ""
        return f"{self.words:,} of {self.word_limit:,} words ({pct:.0f}%){over}"


def to_markdown(d: Draft) -> str:
    """The draft as Markdown; every text from outside escaped (nmrf.domain.escape.md_text)."""
    from nmrf.domain.escape import md_text as m

    out = [f"# {m(d.title)}", "", f"_{m(d.subtitle)}_", "", f"**Word count:** {m(d.limit_text())}", ""]
    if d.missing_from:
        out += ["**Missing inputs:** " + "; ".join(f"{m(k)} ({v} recommendation(s))"
                                                  for k, v in d.missing_from.items()), ""]
    for s in d.sections:
        out += [f"## {m(s.title)}", ""]
        for b in s.blocks:
            out += [f"### {m(b.title)}", "", m(b.references), ""]
            for a in b.answers:
                out += [m(a.text + (f" {a.data}" if a.data else ""))
                        + f" _({m(a.institution)}; {m(a.implementation.replace('_', ' '))})_", ""]
            for miss in b.missing:
                out += [f"> **[MISSING]** {m(miss)}", ""]
    if d.annex:
        out += ["## Annex: the recommendations (not counted)", ""]
        for a in d.annex:
            out += [f"- **{m(a.ref)}** ({m(a.source)}): {m(a.text)}"]
        out.append("")
    return "\n".join(out)
