"""Compile a cycle's draft report from what the database holds, in the structure OHCHR's guidelines give.

A UPR cycle (review, mid-term report) gives a national report whose third
chapter answers the previous recommendations by theme (one block per cluster);
a treaty-body cycle gives a periodic report answering each previous concluding
observation under its article (`by="article"`; `by="cluster"` groups them by
theme instead). The other chapters are written from the record where it has
something to say (who was asked for input and who answered, the consultation
and the NHRI's comment, follow-up actions completed or planned, the answers'
implementation status) and marked [MISSING] where only the secretariat can
write them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, select

from nmrf.domain.draft import (
    REPORT_LANGUAGES,
    AnnexRow,
    Answer,
    Block,
    Draft,
    Paragraph,
    UNASSIGNED,
    Section,
    roman,
    texts,
)
from nmrf.domain import wording
from nmrf.domain.i18n import translator
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError
from nmrf.models import Cluster, Cycle, FollowUpAction, Institution, Recommendation, State
from nmrf.services.cycles import milestones_of
from nmrf.services.documents import input_documents
from nmrf.services.followup import responsibilities_by_recommendation
from nmrf.services.inputs import cycle_recommendations, input_milestones, latest_answers, word_limit

ORGANISE = ("cluster", "article")
UPR_TEMPLATES = ("upr_review", "mid_term_report")


def report_language(state: State, mechanism: str) -> str:
    """The language the State reports in to this mechanism: the profile's `reporting.<MECH>.language`,
    else the State's language; English when nmrf does not have that language."""
    lang = (state.reporting or {}).get(mechanism, {}).get("language") or state.language
    return lang if lang in REPORT_LANGUAGES else "en"


def cite(r: Recommendation, t: dict[str, str]) -> str:
    """'A/HRC/26/5, para. 121.33 (Spain)'; 'CEDAW/C/CHL/CO/7, para. 23'."""
    if r.source == "upr-info" and r.document.startswith("UPR session "):
        where = t["session"].format(session=r.document.removeprefix("UPR session "))
    else:
        where = r.document + (f", {t['para']} {r.paragraph}" if r.paragraph else "")
    return where + (f" ({r.body})" if r.mechanism == "UPR" else "")


def _has_symbol(r: Recommendation) -> bool:
    return bool(r.paragraph) and not r.document.startswith("UPR session ")


def compile_draft(*, session: Session, state: State, cycle: Cycle, today: date, by: str | None = None,
                  language: str = "en") -> Draft:
    """The draft of the cycle's report; `language` is the report's (report_language gives the State's)."""
    if by is not None and by not in ORGANISE:
        raise NmrfError(f"--by {by!r}; expected one of {', '.join(ORGANISE)}")
    upr = cycle.template in UPR_TEMPLATES or cycle.mechanism == "UPR"
    by = by or ("cluster" if upr else "article")
    t = texts(language)
    taxonomy = load_taxonomy()
    recs = cycle_recommendations(session=session, cycle=cycle)
    if not recs:
        raise NmrfError(f"no {cycle.mechanism} recommendation to report on: import them first")
    answers = latest_answers(session=session, cycle=cycle)
    resp = responsibilities_by_recommendation(session=session, state=state)
    inputs = input_milestones(session=session, cycle=cycle)
    clusters = {c.id: c for c in session.exec(select(Cluster).where(Cluster.state_id == state.id))}
    institutions = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    missing_from: Counter[str] = Counter()
    documents = input_documents(session=session, cycle=cycle)
    # An institution that answered with a document is not missing: its text is in its own section.
    by_document = {d.institution_id for d in documents}

    def answered_block(members: Sequence[Recommendation], title: str, observation: bool) -> Block:
        refs = "; ".join(cite(r, t) for r in members)
        paragraphs = [Paragraph(t["cite.observation" if observation else "cite.recommendations"].format(refs=refs))]
        missing: list[str] = []
        no_symbol = [r for r in members if not _has_symbol(r) and r.mechanism == "UPR"]
        if no_symbol:
            missing.append(t["m.symbol"].format(refs=", ".join(f"#{r.id}" for r in no_symbol)))
        seen: set[tuple[int, str]] = set()
        for r in members:
            who = resp.get(r.id)  # type: ignore[arg-type]
            expected = ([(who.lead, "lead")] if who and who.lead else []) + \
                [(i, "supporting") for i in (who.supporting if who else ())]
            if not expected:
                missing.append(t["m.unassigned"].format(ref=r.id))
                missing_from[UNASSIGNED] += 1
                continue
            for inst, role in expected:
                a = answers.get((r.id, inst.id))  # type: ignore[arg-type]
                if a is not None:
                    if (inst.id, a.answer) not in seen:  # one answer for the cluster is shown once
                        seen.add((inst.id, a.answer))  # type: ignore[arg-type]
                        ans = Answer(inst.name, a.implementation, a.answer, a.data, a.at.date().isoformat())
                        text = ans.text + (f" {ans.data}" if ans.data else "")
                        paragraphs.append(Paragraph(text, t["source"].format(institution=ans.institution,
                                                                             date=ans.received)))
                    continue
                if inst.id in by_document:
                    continue
                m = inputs.get(inst.id)  # type: ignore[arg-type]
                # Whole sentences (translators order their words): who has not answered, then where its input is.
                note = [t[f"m.answer.{role}"].format(ref=r.id, institution=inst.name)]
                if m is None:
                    note.append(t["m.not_asked"])
                elif m.status == "done":
                    # Recorded received without its text (a letter, an e-mail): say so, not just "no answer".
                    note.append(t["m.received"].format(date=f"{m.completed_at:%Y-%m-%d}", actor=m.completed_actor or "-")
                                if m.completed_at else t["m.received_undated"])
                elif m.due_date:
                    late = m.due_date < today and not m.is_closed
                    note.append(t["m.late" if late else "m.due"].format(date=m.due_date))
                missing.append(" ".join(note))
                missing_from[inst.name] += 1
        return Block(title, tuple(paragraphs), tuple(missing))

    # The answers, by theme (a block per cluster) or by article (a block per concluding observation).
    answer_sections: list[Section] = []
    if by == "cluster":
        groups: dict[tuple, list[Recommendation]] = defaultdict(list)
        for r in recs:
            cl = clusters.get(r.cluster_id) if r.cluster_id else None
            theme = cl.theme if cl else (r.themes[0] if r.themes else "general")
            groups[(taxonomy.themes[theme].order, theme, cl.id if cl else -r.id)].append(r)  # type: ignore[operator]
        by_theme: dict[str, list[Block]] = defaultdict(list)
        for key in sorted(groups):
            members = groups[key]
            cl = clusters.get(members[0].cluster_id) if members[0].cluster_id else None
            title = cl.label.split(": ", 1)[-1] if cl else ""
            by_theme[key[1]].append(answered_block(members, title[:1].upper() + title[1:], observation=False))
        for n, (theme, blocks) in enumerate(by_theme.items()):
            answer_sections.append(Section(f"{chr(ord('A') + n % 26)}. "
                                           f"{wording.title(translator(language), taxonomy.themes[theme].name)}",
                                           tuple(blocks), level=2))
    else:
        arts: dict[tuple, list[Recommendation]] = defaultdict(list)
        for r in recs:
            art = r.article.strip()
            head = art.split("(")[0].strip()
            arts[(0, int(head), art) if head.isdigit() else (1, 0, "")].append(r)
        for n, key in enumerate(sorted(arts)):
            title = t["tb.article"].format(article=key[2].split("(")[0]) if key[0] == 0 else t["tb.general"]
            blocks = tuple(answered_block([r], "", observation=not upr) for r in arts[key])
            answer_sections.append(Section(f"{chr(ord('A') + n % 26)}. {title}", blocks, level=2))

    # Inputs handed in as documents: a DOCX's or ODT's text as that institution's paragraphs, a PDF annexed.
    annex_documents: list[AnnexRow] = []
    if documents:
        blocks = []
        for doc in documents:
            inst = institutions.get(doc.institution_id)  # type: ignore[arg-type]
            who = inst.name if inst else "?"
            source = t["source"].format(institution=who, date=doc.at.date().isoformat())
            checksum = f"{doc.file_name}, {doc.kind.upper()}, SHA-256 {doc.sha256[:16]}"
            if doc.kind == "pdf":
                blocks.append(Block(f"{who} ({checksum}): annexed", ()))
                annex_documents.append(AnnexRow(who, checksum, "Handed in as a PDF; attached as an annex."))
            else:
                paragraphs = tuple(Paragraph(p, source) for p in doc.text.split("\n\n") if p.strip())
                blocks.append(Block(f"{who} ({checksum})", paragraphs))
        answer_sections.append(Section(f"{chr(ord('A') + len(answer_sections) % 26)}. "
                                       "Inputs received as documents", tuple(blocks), level=2))

    # What the record says about the rest of the report.
    asked = [institutions[i] for i in inputs if i in institutions]
    answered = sorted({institutions[i].name for (_, i) in answers if i in institutions})
    method: list[Paragraph] = [Paragraph(t["prepared"].format(secretariat=state.secretariat, n=len(answered),
                                                              names=", ".join(answered) or "-")),
                               Paragraph(t["asked"].format(n=len(asked), answered=len(answered)))]
    method_missing = [t["m.methodology"]]
    for m in milestones_of(session=session, cycle=cycle):
        if m.template_key == "consultation" and m.status == "done" and m.completed_at:
            method.append(Paragraph(t["consulted"].format(date=m.completed_at.date())))
        if m.template_key == "nhri_comment" and m.status == "done" and m.completed_at:
            method.append(Paragraph(t["nhri"].format(date=m.completed_at.date())))
    cluster_ids = {r.cluster_id for r in recs if r.cluster_id}
    actions = list(session.exec(select(FollowUpAction).where(FollowUpAction.cluster_id.in_(cluster_ids))  # type: ignore[attr-defined]
                                .order_by(FollowUpAction.due_date, FollowUpAction.id))) if cluster_ids else []
    done = [Paragraph(t["done"].format(institution=institutions[a.institution_id].name, title=a.title,
                                       date=a.updated_at.date())) for a in actions if a.status == "done"]
    planned = [Paragraph(t["planned"].format(institution=institutions[a.institution_id].name, title=a.title,
                                             date=a.due_date)) for a in actions if a.status not in ("done", "cancelled")]
    status = Counter(a.implementation for a in answers.values())
    summary = Paragraph(t["summary"].format(n=len(recs), implemented=status["implemented"],
                                            partial=status["partially_implemented"], progress=status["in_progress"],
                                            not_started=status["not_started"]))

    if upr:
        chapters = [
            (t["upr.methodology"], [Block("", tuple(method), tuple(method_missing))]),
            (t["upr.developments"], [Block("", tuple(done), () if done else (t["m.developments"],))]),
            (t["upr.implementation"], None),
            (t["upr.achievements"], [Block("", (summary,), (t["m.achievements"],))]),
            (t["upr.commitments"], [Block("", tuple(planned), () if planned else (t["m.commitments"],))]),
        ]
        title = t["title.upr"].format(state=state.name)
    else:
        chapters = [(t["tb.introduction"], [Block("", (*method, summary), tuple(method_missing))]),
                    (t["tb.articles"], None)]
        title = t["title.tb"].format(mechanism=cycle.mechanism, state=state.name)
    sections: list[Section] = []
    for n, (name, blocks) in enumerate(chapters, start=1):
        sections.append(Section(f"{roman(n)}. {name}", tuple(blocks or ()), level=1))
        if blocks is None:
            sections.extend(answer_sections)
    return Draft(
        title=title,
        subtitle=t["subtitle"].format(today=today, n=len(recs), mechanism=cycle.mechanism),
        word_limit=word_limit(session=session, cycle=cycle), language=language,
        report_type="upr" if upr else "treaty_body", sections=sections,
        annex=[AnnexRow(str(r.id), f"{r.mechanism}, {cite(r, t)}", r.text) for r in recs] + annex_documents,
        missing_from=dict(sorted(missing_from.items(), key=lambda kv: -kv[1])))
