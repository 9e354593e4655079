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

from nmrf.domain.i18n import N_, Translator, translator

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
    lang: str = "en"  # the language the report is written in (`inputs draft --lang`)

    @property
    def t(self) -> Translator:
        return translator(self.lang)

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
        t = self.t
        words = t.format_number(self.words)
        if not self.word_limit:
            return t.ngettext("%(num)s word (no word limit set)", "%(num)s words (no word limit set)",
                              self.words) % {"num": words}
        pct = 100 * self.words / self.word_limit
        values = {"num": words, "limit": t.format_number(self.word_limit), "pct": f"{pct:.0f}"}
        if self.words > self.word_limit:
            return t.gettext("%(num)s of %(limit)s words (%(pct)s%%) OVER THE LIMIT") % values
        return t.gettext("%(num)s of %(limit)s words (%(pct)s%%)") % values

    def missing_text(self) -> str:
        t = self.t
        return "; ".join(t.ngettext("%(institution)s (%(num)s recommendation)",
                                    "%(institution)s (%(num)s recommendations)", v)
                         % {"institution": k, "num": v} for k, v in self.missing_from.items())


# Where a recommendation stands, as an answer's note says it.
IMPLEMENTATION_WORDS = {
    "not_started": N_("not started"), "in_progress": N_("in progress"), "implemented": N_("implemented"),
    "partially_implemented": N_("partially implemented"), "not_applicable": N_("not applicable"),
}


def implementation_text(t: Translator, key: str) -> str:
    if key in IMPLEMENTATION_WORDS:
        return t.gettext(IMPLEMENTATION_WORDS[key])
    return key.replace("_", " ")


def labels(t: Translator) -> dict[str, str]:
    """The draft's fixed words in its language (Markdown and DOCX alike)."""
    return {
        "word_count": t.gettext("Word count:"),
        "missing_inputs": t.gettext("Missing inputs:"),
        "missing": t.gettext("[MISSING]"),
        "annex": t.gettext("Annex: the recommendations (not counted)"),
        "ref": t.pgettext("draft annex", "Ref"),
        "source": t.pgettext("draft annex", "Source"),
        "recommendation": t.pgettext("draft annex", "Recommendation"),
    }


def to_markdown(d: Draft) -> str:
    t, w = d.t, labels(d.t)
    out = [f"# {d.title}", "", f"_{d.subtitle}_", "", f"**{w['word_count']}** {d.limit_text()}", ""]
    if d.missing_from:
        out += [f"**{w['missing_inputs']}** " + d.missing_text(), ""]
    for s in d.sections:
        out += [f"## {s.title}", ""]
        for b in s.blocks:
            out += [f"### {b.title}", "", b.references, ""]
            for a in b.answers:
                out += [f"{a.text}" + (f" {a.data}" if a.data else "")
                        + f" _({a.institution}; {implementation_text(t, a.implementation)})_", ""]
            for m in b.missing:
                out += [f"> **{w['missing']}** {m}", ""]
    if d.annex:
        out += [f"## {w['annex']}", ""]
        for a in d.annex:
            out += [f"- **{a.ref}** ({a.source}): {a.text}"]
        out.append("")
    return "\n".join(out)
