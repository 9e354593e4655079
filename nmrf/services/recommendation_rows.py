"""Read models of recommendations and clusters: rows with priority, responsibility and progress."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from rich.markup import escape

from nmrf.domain.priority import Priority, priority_of
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError
from nmrf.models import Cluster, FollowUpAction, Institution, InputAnswer, Recommendation, State
from nmrf.services.clustering import cluster_mechanisms
from nmrf.services.followup import responsibilities_by_recommendation, responsible
from nmrf.services.recommendations import get_recommendation


@dataclass(frozen=True)
class RecRow:
    id: int
    uid: str
    mechanism: str
    body: str
    document: str
    text: str
    theme: str
    themes: tuple[str, ...]
    cluster_id: int | None
    priority: Priority
    lead: str | None
    supporting: tuple[str, ...]


def recommendation_rows(*, session: Session, state: State, sort: str = "priority", mechanism: str | None = None,
                        theme: str | None = None, cluster_id: int | None = None, institution: str | None = None,
                        urgent: bool = False, several: bool = False, no_budget: bool = False,
                        national: bool = False, disadvantaged: bool = False, unassessed: bool = False,
                        unassigned: bool = False, min_score: int = 0) -> list[RecRow]:
    taxonomy = load_taxonomy()
    theme_key = None
    if theme:
        theme_key = taxonomy.lookup(theme)
        if theme_key is None:
            raise NmrfError(f"unknown theme {theme!r}: `nmrf recommendations themes` lists them")
    mechs = cluster_mechanisms(session=session, state=state)
    resp = responsibilities_by_recommendation(session=session, state=state)
    q = select(Recommendation).where(Recommendation.state_id == state.id)
    if mechanism:
        q = q.where(Recommendation.mechanism == mechanism.upper())
    if cluster_id is not None:
        q = q.where(Recommendation.cluster_id == cluster_id)
    rows = []
    for r in session.exec(q.order_by(Recommendation.id)):
        if theme_key and theme_key not in r.themes:
            continue
        p = priority_of(mechanism=r.mechanism, urgent_flag=r.urgent_flag, text=r.text,
                        cluster_mechanisms=mechs.get(r.cluster_id, ()) if r.cluster_id else (),
                        no_budget=r.no_budget, national_priority=r.national_priority,
                        disadvantaged_groups=r.disadvantaged_groups)
        who = resp.get(r.id)  # type: ignore[arg-type]
        lead = who.lead.key if who and who.lead else None
        sup = tuple(i.key for i in who.supporting) if who else ()
        if institution and institution != lead and institution not in sup:
            continue
        if (urgent and not p.urgent) or (several and not p.several_mechanisms) or (no_budget and not p.no_budget) \
                or (national and not p.national_priority) or (disadvantaged and not p.disadvantaged_groups) \
                or (unassessed and p.assessed) or (unassigned and lead) or p.score < min_score:
            continue
        rows.append(RecRow(id=r.id, uid=r.uid, mechanism=r.mechanism, body=r.body, document=r.document,  # type: ignore[arg-type]
                           text=r.text, theme=r.themes[0] if r.themes else "-", themes=tuple(r.themes),
                           cluster_id=r.cluster_id, priority=p, lead=lead, supporting=sup))
    keys = {
        "priority": lambda x: (-x.priority.score, not x.priority.urgent, -len(x.priority.mechanisms), x.id),
        "id": lambda x: x.id,
        "cluster": lambda x: (x.cluster_id or 0, x.id),
        "theme": lambda x: (taxonomy.themes[x.theme].order if x.theme in taxonomy.themes else 999, x.id),
        "mechanism": lambda x: (x.mechanism, x.id),
    }
    return sorted(rows, key=keys[sort])


def recommendation_detail(*, session: Session, state: State, ref: str) -> list[str]:
    taxonomy = load_taxonomy()
    r = get_recommendation(session=session, state=state, ref=ref)
    mechs = cluster_mechanisms(session=session, state=state)
    p = priority_of(mechanism=r.mechanism, urgent_flag=r.urgent_flag, text=r.text,
                    cluster_mechanisms=mechs.get(r.cluster_id, ()) if r.cluster_id else (),
                    no_budget=r.no_budget, national_priority=r.national_priority,
                    disadvantaged_groups=r.disadvantaged_groups)
    who = responsible(session=session, rec=r)
    cl = session.get(Cluster, r.cluster_id) if r.cluster_id else None

    def yn(v: bool | None) -> str:
        return "not assessed" if v is None else ("yes" if v else "no")

    lines = [
        f"[bold]Recommendation {r.id}[/bold] (uid {r.uid}){' [red]confidential[/red]' if r.confidential else ''}",
        f"{r.mechanism} · {r.body} · {r.document}" + (f" para. {r.paragraph}" if r.paragraph else "")
        + (f" · art. {r.article}" if r.article else "") + (f" · {r.adopted_on}" if r.adopted_on else ""),
        f"Text: {escape(r.text)}",
        f"Source themes: {', '.join(r.source_themes) or '-'}; taxonomy: "
        f"{', '.join(taxonomy.themes[t].name for t in r.themes) or '-'} ({r.theme_basis})"
        + (f"; unmapped: {', '.join(r.unmapped_themes)}" if r.unmapped_themes else "")
        + f"; SDGs: {', '.join(str(g) for g in r.sdgs) or '-'}"
        + (f" (inferred from the themes: {', '.join(str(g) for g in r.inferred_sdgs)})" if r.inferred_sdgs else ""),
    ]
    if not r.body_known:
        lines.append(f"[yellow]Recommended by {escape(r.body)!s}: not a State or body the lists know "
                     "(kept as written; add a spelling in the profile and import again)[/yellow]")
    if r.affected_persons:
        lines.append(f"Affected persons: {', '.join(r.affected_persons)}")
    if r.response:
        lines.append(f"Response: {r.response}" + (f" (action category {r.action_category})" if r.action_category else ""))
    lines.append(f"Cluster: {cl.id} {cl.label}" if cl else "Cluster: none yet (`nmrf recommendations cluster`)")
    lines += [
        "Priority (OHCHR guide):",
        f"  (a) urgent, by a treaty body: {'yes: ' + p.urgent_why if p.urgent else 'no'}",
        f"  (b) several mechanisms: {'yes' if p.several_mechanisms else 'no'} ({', '.join(p.mechanisms)})",
        f"  (c) possible without budget: {yn(r.no_budget)}",
        f"  (d) national priority: {yn(r.national_priority)}",
        f"  (e) disadvantaged groups: {yn(r.disadvantaged_groups)}"
        + (f"  (recorded by {r.factors_by} on {r.factors_at:%Y-%m-%d})" if r.factors_at else ""),
    ]
    if r.factors_note:
        lines.append(f"  note: {r.factors_note}")
    lines.append(f"Lead: {who.lead.name if who.lead else '-'}; supporting: "
                 f"{', '.join(i.name for i in who.supporting) or '-'} ({who.level})")
    for a in session.exec(select(FollowUpAction).where(FollowUpAction.cluster_id == r.cluster_id)
                          .order_by(FollowUpAction.due_date, FollowUpAction.id)) if r.cluster_id else []:
        if a.recommendation_id in (None, r.id):
            lines.append(f"Action {a.id}: {a.title}, due {a.due_date}, {a.status} "
                         f"({a.indicator_kind}: {a.indicator or '-'})")
    for ans in session.exec(select(InputAnswer).where(InputAnswer.recommendation_id == r.id).order_by(InputAnswer.id)):
        inst = session.get(Institution, ans.institution_id)
        lines.append(f"Answer from {inst.key if inst else '?'} (cycle {ans.cycle_id}, {ans.at:%Y-%m-%d}, "
                     f"{ans.implementation}): {escape(ans.answer)}")
    return lines


@dataclass(frozen=True)
class ClusterRow:
    id: int
    size: int
    mechanisms: tuple[str, ...]
    theme: str
    label: str
    lead: str | None
    actions: int


def cluster_rows(*, session: Session, state: State, theme: str | None = None, several: bool = False
                 ) -> list[ClusterRow]:
    taxonomy = load_taxonomy()
    key = taxonomy.lookup(theme) if theme else None
    if theme and key is None:
        raise NmrfError(f"unknown theme {theme!r}")
    sizes: Counter[int] = Counter()
    mechs: dict[int, set[str]] = defaultdict(set)
    for cid, mech in session.exec(select(Recommendation.cluster_id, Recommendation.mechanism)
                                  .where(Recommendation.state_id == state.id)):
        if cid is not None:
            sizes[cid] += 1
            mechs[cid].add(mech)
    n_actions = Counter(session.exec(select(FollowUpAction.cluster_id).join(Cluster, Cluster.id == FollowUpAction.cluster_id)
                                     .where(Cluster.state_id == state.id)))
    resp = responsibilities_by_recommendation(session=session, state=state)
    lead_of: dict[int, str] = {}
    for rid, cid in session.exec(select(Recommendation.id, Recommendation.cluster_id)
                                 .where(Recommendation.state_id == state.id)):
        who = resp.get(rid)
        if cid is not None and who and who.lead and who.level == "cluster":
            lead_of[cid] = who.lead.key
    rows = []
    for cl in session.exec(select(Cluster).where(Cluster.state_id == state.id)):
        if key and cl.theme != key:
            continue
        if several and len(mechs[cl.id]) < 2:  # type: ignore[index]
            continue
        rows.append(ClusterRow(id=cl.id, size=sizes[cl.id], mechanisms=tuple(sorted(mechs[cl.id])),  # type: ignore[arg-type,index]
                               theme=cl.theme, label=cl.label, lead=lead_of.get(cl.id), actions=n_actions[cl.id]))  # type: ignore[arg-type]
    return sorted(rows, key=lambda r: (-len(r.mechanisms), -r.size, r.id))
