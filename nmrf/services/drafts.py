"""Compile a cycle's draft report from the inputs received, by cluster or by treaty article."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlmodel import Session, select

from nmrf.domain.draft import AnnexRow, Answer, Block, Draft, Section
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError
from nmrf.models import Cluster, Cycle, Institution, Recommendation, State
from nmrf.services.documents import input_documents
from nmrf.services.followup import responsibilities_by_recommendation
from nmrf.services.inputs import cycle_recommendations, input_milestones, latest_answers, word_limit

ORGANISE = ("cluster", "article")


def _ref(r: Recommendation) -> str:
    if r.mechanism == "UPR":
        return f"{r.id} ({r.body})"
    return f"{r.id} ({r.document}" + (f" para. {r.paragraph}" if r.paragraph else "") + ")"


def compile_draft(*, session: Session, state: State, cycle: Cycle, today: date, by: str = "cluster") -> Draft:
    if by not in ORGANISE:
        raise NmrfError(f"--by {by!r}; expected one of {', '.join(ORGANISE)}")
    taxonomy = load_taxonomy()
    recs = cycle_recommendations(session=session, cycle=cycle)
    if not recs:
        raise NmrfError(f"no {cycle.mechanism} recommendation to report on: import them first")
    answers = latest_answers(session=session, cycle=cycle)
    resp = responsibilities_by_recommendation(session=session, state=state)
    inputs = input_milestones(session=session, cycle=cycle)
    clusters = {c.id: c for c in session.exec(select(Cluster).where(Cluster.state_id == state.id))}
    documents = input_documents(session=session, cycle=cycle)
    # An institution that answered with a document is not missing: its text is in the section below.
    by_document = {d.institution_id for d in documents}

    # Group: by theme then cluster, or by article.
    groups: dict[tuple, list[Recommendation]] = defaultdict(list)
    for r in recs:
        if by == "cluster":
            cl = clusters.get(r.cluster_id) if r.cluster_id else None
            theme = cl.theme if cl else (r.themes[0] if r.themes else "general")
            groups[(taxonomy.themes[theme].order, taxonomy.themes[theme].name, cl.id if cl else -r.id)].append(r)  # type: ignore[operator]
        else:
            art = r.article.strip()
            key = (0, int(art.split("(")[0]) if art.split("(")[0].isdigit() else 0, art) if art else (1, 0, "")
            groups[key].append(r)
    sections: dict[str, list[Block]] = {}
    missing_from: dict[str, int] = defaultdict(int)
    for key in sorted(groups):
        members = groups[key]
        if by == "cluster":
            section = key[1]
            cl = clusters.get(members[0].cluster_id) if members[0].cluster_id else None
            title = (cl.label.split(": ", 1)[-1] if cl else "Recommendation").capitalize()
            title = f"Cluster {cl.id}: {title}" if cl else f"Recommendation {members[0].id}"
        else:
            section = f"Article {key[2]}" if key[0] == 0 else "Recommendations without a treaty article"
            title = f"{section}: {len(members)} recommendation(s)"
        got: list[Answer] = []
        missing: list[str] = []
        seen_answers: set[tuple[int, str]] = set()
        for r in members:
            who = resp.get(r.id)  # type: ignore[arg-type]
            expected = ([(who.lead, "lead")] if who and who.lead else []) + \
                [(i, "supporting") for i in (who.supporting if who else ())]
            if not expected:
                missing.append(f"recommendation {r.id}: no institution assigned "
                               "(`nmrf recommendations assign`)")
                missing_from["(unassigned)"] += 1
                continue
            for inst, role in expected:
                a = answers.get((r.id, inst.id))  # type: ignore[arg-type]
                if a is not None:
                    if (inst.id, a.answer) not in seen_answers:  # one answer for the cluster is shown once
                        seen_answers.add((inst.id, a.answer))  # type: ignore[arg-type]
                        got.append(Answer(inst.name, a.implementation, a.answer, a.data))
                    continue
                if inst.id in by_document:
                    continue
                m = inputs.get(inst.id)  # type: ignore[arg-type]
                due = f", input due {m.due_date}" if m is not None and m.due_date else ""
                late = " (LATE)" if m is not None and m.due_date and m.due_date < today and not m.is_closed else ""
                asked = "" if m is not None else " (not asked for input in this cycle)"
                if m is not None and m.status == "done":
                    # Recorded received without its text (a letter, an e-mail): say so, not "no answer".
                    asked = (f" (its input was recorded received on {m.completed_at:%Y-%m-%d} by "
                             f"{m.completed_actor or '-'}, but its text is not in nmrf: attach the document)"
                             if m.completed_at else " (its input was recorded received, without its text)")
                missing.append(f"recommendation {r.id}: no answer from {inst.name} ({role}){due}{late}{asked}")
                missing_from[inst.name] += 1
        refs = "Recommendations " + "; ".join(_ref(r) for r in members)
        sections.setdefault(section, []).append(Block(title, refs, tuple(got), tuple(missing)))
    annex = [AnnexRow(str(r.id), f"{r.mechanism}, {r.body}, {r.document}", r.text) for r in recs]
    if documents:
        names = {i.id: i.name for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
        blocks = []
        for doc in documents:
            who = names.get(doc.institution_id, "?")  # type: ignore[arg-type]
            ref = (f"Input of {who}, handed in {doc.at:%Y-%m-%d} as {doc.file_name} "
                   f"({doc.kind.upper()}, SHA-256 {doc.sha256[:16]})")
            if doc.kind == "pdf":
                blocks.append(Block(f"{who}: {doc.file_name}", ref + "; annexed, not reproduced here", (), ()))
                annex.append(AnnexRow(f"Input of {who}", f"{doc.file_name} (PDF, SHA-256 {doc.sha256[:16]})",
                                      "Handed in as a PDF; attached to the report as an annex."))
            else:
                paragraphs = [p for p in doc.text.split("\n\n") if p.strip()]
                blocks.append(Block(f"{who}: {doc.file_name}", ref,
                                    tuple(Answer(who, "document", p) for p in paragraphs), ()))
        sections["Inputs received as documents"] = blocks
    limit = word_limit(session=session, cycle=cycle)
    d = Draft(title=f"Draft: {cycle.title}",
              subtitle=f"Compiled by nmrf on {today} from the inputs received; organised by {by}. "
                       f"{len(recs)} {cycle.mechanism} recommendation(s).",
              word_limit=limit, sections=[Section(k, tuple(v)) for k, v in sections.items()],
              annex=annex,
              missing_from=dict(sorted(missing_from.items(), key=lambda kv: -kv[1])))
    return d
