"""The public view (as Paraguay's SIMORE publishes): recommendations, their status and actions.

Left out, always: recommendations marked confidential, every decision on an
individual communication and every special-procedures communication (whatever
their flag), and the secretariat's own deliberation (priority factors, notes,
people's names, the text of answers). What a State publishes is its choice;
nmrf makes sure the confidential never slips in.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from nmrf.domain.recommendation_files import CONFIDENTIAL_KINDS
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.domain.escape import csv_cell, md_text
from nmrf.errors import NmrfError
from nmrf.models import Cluster, Cycle, FollowUpAction, Institution, InputAnswer, Recommendation, State
from nmrf.services.followup import responsibilities_by_recommendation


@dataclass(frozen=True)
class PublicAction:
    title: str
    institution: str
    due: str
    status: str
    indicator: str


@dataclass(frozen=True)
class PublicRow:
    ref: str
    mechanism: str
    recommended_by: str
    document: str
    text: str
    themes: list[str]
    sdgs: list[int]
    position: str
    lead: str
    supporting: list[str]
    status: str
    actions: list[PublicAction]


@dataclass
class PublicView:
    state: str
    as_of: str
    rows: list[PublicRow]
    left_out: int


def is_public(r: Recommendation) -> bool:
    return not r.confidential and r.kind not in CONFIDENTIAL_KINDS


def public_view(*, session: Session, state: State, today: date) -> PublicView:
    taxonomy = load_taxonomy()
    recs = list(session.exec(select(Recommendation).where(Recommendation.state_id == state.id).order_by(Recommendation.id)))
    public = [r for r in recs if is_public(r)]
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    resp = responsibilities_by_recommendation(session=session, state=state)
    actions: dict[int, list[FollowUpAction]] = {}
    for a, confidential in session.exec(select(FollowUpAction, Cycle.confidential)
                                        .join(Cycle, Cycle.id == FollowUpAction.cycle_id)
                                        .join(Cluster, Cluster.id == FollowUpAction.cluster_id)
                                        .where(Cluster.state_id == state.id).order_by(FollowUpAction.due_date)):
        if not confidential:
            actions.setdefault(a.cluster_id, []).append(a)
    implementation: dict[int, str] = {}
    for ans in session.exec(select(InputAnswer).order_by(InputAnswer.id)):
        implementation[ans.recommendation_id] = ans.implementation
    rows = []
    for r in public:
        acts = [a for a in actions.get(r.cluster_id, []) if a.recommendation_id in (None, r.id)] if r.cluster_id else []
        who = resp.get(r.id)  # type: ignore[arg-type]
        status = implementation.get(r.id)  # type: ignore[arg-type]
        if status is None:
            if not acts:
                status = "no action planned"
            elif all(a.status in ("done", "cancelled") for a in acts):
                status = "actions completed"
            else:
                status = "in progress"
        rows.append(PublicRow(
            ref=r.uid, mechanism=r.mechanism, recommended_by=r.body,
            document=r.document + (f" para. {r.paragraph}" if r.paragraph else ""), text=r.text,
            themes=[taxonomy.themes[t].name for t in r.themes], sdgs=list(r.sdgs), position=r.position,
            lead=who.lead.name if who and who.lead else "", supporting=[i.name for i in who.supporting] if who else [],
            status=status.replace("_", " "),
            actions=[PublicAction(a.title, insts[a.institution_id].name, a.due_date.isoformat(), a.status,
                                  f"{a.indicator_kind}: {a.indicator}" if a.indicator else a.indicator_kind)
                     for a in acts]))
    return PublicView(state=state.name, as_of=today.isoformat(), rows=rows, left_out=len(recs) - len(public))


def render(view: PublicView, suffix: str) -> str:
    if suffix == ".json":
        return json.dumps({"state": view.state, "as_of": view.as_of,
                           "recommendations": [asdict(r) for r in view.rows]}, ensure_ascii=False, indent=2)
    if suffix == ".csv":
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["ref", "mechanism", "recommended_by", "document", "text", "themes", "sdgs", "position", "lead",
                    "supporting", "status", "actions"])
        for r in view.rows:
            w.writerow([csv_cell(c) for c in (
                r.ref, r.mechanism, r.recommended_by, r.document, r.text, "; ".join(r.themes),
                "; ".join(map(str, r.sdgs)), r.position, r.lead, "; ".join(r.supporting), r.status,
                "; ".join(f"{a.title} ({a.institution}, due {a.due}, {a.status})" for a in r.actions))])
        return buf.getvalue()
    if suffix == ".md":
        m = md_text
        out = [f"# Recommendations to {m(view.state)} and their follow-up", "", f"As of {view.as_of}.", ""]
        for r in view.rows:
            out += [f"## {m(r.mechanism)}: {m(r.recommended_by)} ({m(r.document)})", "", m(r.text), "",
                    f"- Themes: {m(', '.join(r.themes)) or '-'}; SDGs: {', '.join(map(str, r.sdgs)) or '-'}",
                    f"- Position: {m(r.position) or '-'}; status: {m(r.status)}",
                    f"- Responsible: {m(r.lead) or '-'}"
                    + (f" (with {m(', '.join(r.supporting))})" if r.supporting else "")]
            out += [f"- Action: {m(a.title)} ({m(a.institution)}, due {a.due}, {m(a.status)}; {m(a.indicator)})"
                    for a in r.actions]
            out.append("")
        return "\n".join(out)
    raise NmrfError(f"public view: {suffix!r}; write .csv, .json or .md")


def write_public_view(view: PublicView, out: Path) -> None:
    text = render(view, out.suffix.lower())
    out.write_text(text, encoding="utf-8")
