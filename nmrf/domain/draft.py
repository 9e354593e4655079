"""A draft report as data, in the structure OHCHR's reporting guidelines give, and its word count.

Two structures:

- a UPR national report (HRC decision 17/119, general guidelines for the second
  and later cycles): I. methodology and consultation; II. developments since
  the previous review; III. implementation of the recommendations of the
  previous review, by theme; IV. achievements, best practices, challenges and
  constraints; V. key national priorities, initiatives and commitments;
- a treaty-body periodic report (the harmonized guidelines, HRI/GEN/2/Rev.6,
  and the treaty-specific guidelines): I. introduction and methodology;
  II. the implementation of the convention article by article, each previous
  concluding observation answered under its article.

Body paragraphs are numbered (consecutively, through the whole report, as UN
documents are); headings are not. Recommendations are cited by document symbol
and paragraph. What is missing is an editorial note marked [MISSING] (in the report's language): not
numbered, not counted. The word count is that of the text that would be
submitted (headings and numbered paragraphs); the editorial notes and the annex
listing the recommendations' full texts are not counted (annexes are not counted
for the UPR national report either).

Pure: rendering to Markdown is here; DOCX rendering is in nmrf.documents.draft_docx.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from nmrf.domain.i18n import N_, translator

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
REPORT_LANGUAGES = ("en", "es", "fr", "ar", "ru", "zh", "pt")
MISSING = "[MISSING]"  # the English marker; a draft's own is translated (MESSAGES["missing.note"])
UNASSIGNED = "(unassigned)"  # the key of Draft.missing_from for recommendations no institution answers for


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


# The words of the report itself, through the translation catalogs (nmrf/locales): the report is written in
# its language (English for one nmrf has no catalog for). Placeholders are named ({name}).
MESSAGES: dict[str, str] = {
    'upr.methodology': N_('Methodology and consultation process'),
    'upr.developments': N_('Developments since the previous review'),
    'upr.implementation': N_('Implementation of the recommendations of the previous review'),
    'upr.achievements': N_('Achievements, best practices, challenges and constraints'),
    'upr.commitments': N_('Key national priorities, initiatives and commitments'),
    'tb.introduction': N_('Introduction and methodology'),
    'tb.articles': N_('Implementation of the Convention, article by article'),
    'tb.article': N_('Article {article}'),
    'tb.general': N_('General measures and concluding observations not linked to an article'),
    'cite.recommendations': N_('Recommendations {refs}.'),
    'cite.observation': N_('Concluding observation {refs}.'),
    'para': N_('para.'),
    'session': N_('UPR Working Group, session {session}'),
    'prepared': N_('This report was prepared by {secretariat}, the national mechanism for implementation, reporting and follow-up, from the inputs of {n} institution(s): {names}.'),
    'asked': N_('Inputs were requested from {n} institution(s); {answered} answered.'),
    'consulted': N_('The draft was submitted to consultation on {date}.'),
    'nhri': N_('The national human rights institution commented on the draft on {date}.'),
    'done': N_('{institution}: {title}, completed on {date}.'),
    'planned': N_('{institution} commits to: {title}, by {date}.'),
    'summary': N_('Of the {n} recommendations reported on, the institutions report {implemented} implemented, {partial} partially implemented, {progress} in progress and {not_started} not started.'),
    'source': N_('Source: {institution}, input of {date}.'),
    'm.methodology': N_('describe the consultation with civil society and the national human rights institution (dates, participants, how their views were taken into account).'),
    'm.developments': N_('no completed follow-up action is recorded: describe the normative and institutional developments since the previous review.'),
    'm.commitments': N_('no planned follow-up action is recorded: state the national priorities and commitments.'),
    'm.achievements': N_("the secretariat's assessment of achievements, best practices, challenges and constraints."),
    'm.symbol': N_('document symbol and paragraph of {refs}: the source does not give them.'),
    # Translators: an editorial note of the draft: the marker, then what the secretariat must still write.
    # Keep the marker in capitals between brackets, so that it can be found and is not submitted.
    'missing.note': N_('[MISSING] {note}'),
    'm.answer.lead': N_('recommendation {ref}: no answer from {institution} (lead).'),
    'm.answer.supporting': N_('recommendation {ref}: no answer from {institution} (supporting).'),
    'm.unassigned': N_('recommendation {ref}: no institution assigned (`nmrf recommendations assign`)'),
    # Translators: follows "no answer from <institution>"; "its" is the institution's.
    'm.due': N_('Its input is due on {date}.'),
    'm.late': N_('Its input was due on {date}: it is late.'),
    'm.not_asked': N_('It was not asked for input in this cycle.'),
    'm.received': N_('Its input was recorded received on {date} by {actor}, but its text is not in nmrf: attach the document.'),
    'm.received_undated': N_('Its input was recorded received, without its text.'),
    # Translators: the header of the annex's table: where the recommendation comes from, and its text.
    'annex.source': N_('Source of the recommendation'),
    'annex.text': N_('Text of the recommendation'),
    'word_count': N_('Word count'),
    'missing_inputs': N_('Missing inputs'),
    'annex': N_('Annex: the recommendations (not counted)'),
    'limit': N_('{words} of {limit} words ({pct}%)'),
    'limit.over': N_('{words} of {limit} words ({pct}%): OVER THE LIMIT'),
    'no_limit': N_('{words} words (no word limit set)'),
    'subtitle': N_('Draft compiled by nmrf on {today} from the inputs received. {n} {mechanism} recommendation(s).'),
    'title.upr': N_('National report submitted in accordance with Human Rights Council resolutions 5/1 and 16/21: {state}'),
    'title.tb': N_('{mechanism}: periodic report of {state}'),
    'impl.implemented': N_('implemented'),
    'impl.partially_implemented': N_('partially implemented'),
    'impl.in_progress': N_('in progress'),
    'impl.not_started': N_('not started'),
    'impl.not_applicable': N_('not applicable'),
}


def texts(language: str) -> dict[str, str]:
    """The report's words in its language."""
    t = translator(language, fallback="en")
    return {k: t.gettext(v) for k, v in MESSAGES.items()}

def roman(n: int) -> str:
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


@dataclass(frozen=True)
class Answer:
    institution: str
    implementation: str
    text: str
    data: str = ""
    received: str = ""  # the date the input arrived


@dataclass(frozen=True)
class Paragraph:
    """A numbered paragraph of the report; `source` says whose input it is (kept in the text)."""
    text: str
    source: str = ""

    @property
    def full(self) -> str:
        return f"{self.text} ({self.source})" if self.source else self.text


@dataclass(frozen=True)
class Block:
    """What the report says on one cluster, one concluding observation or one subject."""

    title: str  # "" for none
    paragraphs: tuple[Paragraph, ...]
    missing: tuple[str, ...] = ()  # editorial notes: not numbered, not counted


@dataclass(frozen=True)
class Section:
    title: str  # with its numbering: "I. Methodology ..." or "A. Women's rights"
    blocks: tuple[Block, ...]
    level: int = 1  # 1 chapter, 2 sub-heading


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
    language: str = "en"
    report_type: str = "upr"  # upr | treaty_body
    sections: list[Section] = field(default_factory=list)
    annex: list[AnnexRow] = field(default_factory=list)
    missing_from: dict[str, int] = field(default_factory=dict)  # institution -> recommendations unanswered

    @property
    def t(self) -> dict[str, str]:
        return texts(self.language)

    def numbered(self) -> list[tuple[int, Paragraph]]:
        """Every numbered paragraph with its number, in order."""
        out, n = [], 0
        for s in self.sections:
            for b in s.blocks:
                for p in b.paragraphs:
                    n += 1
                    out.append((n, p))
        return out

    def body_text(self) -> str:
        """The text the word count counts: the title, headings and numbered paragraphs."""
        parts = [self.title]
        for s in self.sections:
            parts.append(s.title)
            for b in s.blocks:
                if b.title:
                    parts.append(b.title)
                parts += [p.full for p in b.paragraphs]
        return "\n".join(parts)

    @property
    def words(self) -> int:
        return count_words(self.body_text())

    def limit_text(self) -> str:
        t = self.t
        number = translator(self.language, fallback="en").format_number  # grouped the reader's way: 10 700 in French
        if not self.word_limit:
            return t["no_limit"].format(words=number(self.words))
        pct = round(100 * self.words / self.word_limit)
        text = t["limit.over" if self.words > self.word_limit else "limit"]
        return text.format(words=number(self.words), limit=number(self.word_limit), pct=pct)

    def missing_text(self) -> str:
        """Who has not answered, and for how many recommendations, in the report's language."""
        tr = translator(self.language, fallback="en")
        parts = []
        for who, n in self.missing_from.items():
            if who == UNASSIGNED:
                parts.append(tr.ngettext("no institution assigned (%(num)d recommendation)",
                                         "no institution assigned (%(num)d recommendations)", n) % {"num": n})
            else:
                parts.append(tr.ngettext("%(institution)s (%(num)d recommendation)",
                                         "%(institution)s (%(num)d recommendations)", n)
                             % {"institution": who, "num": n})
        return "; ".join(parts)

    def note(self, text: str) -> str:
        """An editorial note with its marker, in the report's language."""
        return self.t["missing.note"].format(note=text)


def to_markdown(d: Draft) -> str:
    """The draft as Markdown; every text from outside escaped (nmrf.domain.escape.md_text)."""
    from nmrf.domain.escape import md_text as e

    t = d.t
    out = [f"# {e(d.title)}", "", f"_{e(d.subtitle)}_", "", f"**{t['word_count']}:** {e(d.limit_text())}", ""]
    if d.missing_from:
        out += [f"**{t['missing_inputs']}:** {e(d.missing_text())}", ""]
    n = 0
    for s in d.sections:
        out += [f"{'#' * (s.level + 1)} {e(s.title)}", ""]
        for b in s.blocks:
            if b.title:
                out += [f"{'#' * (s.level + 2)} {e(b.title)}", ""]
            for p in b.paragraphs:
                n += 1
                out += [f"{n}. {e(p.full)}", ""]
            for m in b.missing:
                out += [f"> {t['missing.note'].format(note=e(m))}", ""]  # the marker is ours, the note escaped
    if d.annex:
        out += [f"## {t['annex']}", ""]
        for a in d.annex:
            out += [f"- **{e(a.ref)}** ({e(a.source)}): {e(a.text)}"]
        out.append("")
    return "\n".join(out)
