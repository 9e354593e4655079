"""Read models of recommendations and clusters: rows with priority, responsibility and progress."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlmodel import Session, select

from rich.markup import escape

from nmrf.domain.cluster_labels import cluster_label
from nmrf.domain.i18n import N_, Translator, translator
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
            raise NmrfError.said(N_("unknown theme %(theme)s: %(command)s lists them"), theme=repr(theme),
                                 command="`nmrf recommendations themes`")
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


# How a recommendation's themes were found (domain.recommendation_files' theme_basis), as a person reads it.
THEME_BASIS = {"source": N_("from the source"), "text": N_("from the text"), "none": N_("none found")}


def recommendation_detail(*, session: Session, state: State, ref: str, tr: Translator | None = None) -> list[str]:
    """One recommendation as lines of Rich markup, in `tr`'s language (English by default)."""
    tr = tr or translator(None)
    taxonomy = load_taxonomy()
    r = get_recommendation(session=session, state=state, ref=ref)
    mechs = cluster_mechanisms(session=session, state=state)
    p = priority_of(mechanism=r.mechanism, urgent_flag=r.urgent_flag, text=r.text,
                    cluster_mechanisms=mechs.get(r.cluster_id, ()) if r.cluster_id else (),
                    no_budget=r.no_budget, national_priority=r.national_priority,
                    disadvantaged_groups=r.disadvantaged_groups)
    who = responsible(session=session, rec=r)
    cl = session.get(Cluster, r.cluster_id) if r.cluster_id else None
    yes, no = tr.pgettext("answer", "yes"), tr.pgettext("answer", "no")

    def yn(v: bool | None) -> str:
        return tr.gettext("not assessed") if v is None else (yes if v else no)

    def said(msgid: str, **values: object) -> str:
        return escape(tr.gettext(msgid) % values)

    source = f"{r.mechanism} · {r.body} · {r.document}"
    if r.paragraph:
        source += " · " + tr.gettext("para. %(paragraph)s") % {"paragraph": r.paragraph}
    if r.article:
        source += " · " + tr.gettext("art. %(article)s") % {"article": r.article}
    if r.adopted_on:
        source += f" · {r.adopted_on}"
    themes = said(N_("Source themes: %(source)s; taxonomy: %(themes)s (%(basis)s)"),
                  source=", ".join(r.source_themes) or "-",
                  themes=", ".join(tr.gettext(taxonomy.themes[k].name) for k in r.themes) or "-",
                  basis=tr.gettext(THEME_BASIS[r.theme_basis]) if r.theme_basis in THEME_BASIS else r.theme_basis)
    if r.unmapped_themes:
        themes += said(N_("; unmapped: %(themes)s"), themes=", ".join(r.unmapped_themes))
    themes += said(N_("; SDGs: %(goals)s"), goals=", ".join(str(g) for g in r.sdgs) or "-")
    if r.inferred_sdgs:
        themes += said(N_(" (inferred from the themes: %(goals)s)"), goals=", ".join(str(g) for g in r.inferred_sdgs))
    # (the marked strings stay out of f-strings, where extraction would not see them)
    heading, uid, confidential = said(N_("Recommendation %(id)s"), id=r.id), said(N_("uid %(uid)s"), uid=r.uid), \
        escape(tr.gettext("confidential"))
    lines = [
        f"[bold]{heading}[/bold] ({uid})" + (f" [red]{confidential}[/red]" if r.confidential else ""),
        escape(source),
        said(N_("Text: %(text)s"), text=r.text),
        themes,
    ]
    if not r.body_known:
        lines.append("[yellow]" + said(N_("Recommended by %(body)s: not a State or body the lists know (kept as "
                                       "written; add a spelling in the profile and import again)"), body=r.body)
                     + "[/yellow]")
    if r.affected_persons:
        lines.append(said(N_("Affected persons: %(persons)s"), persons=", ".join(r.affected_persons)))
    if r.response:
        lines.append(said(N_("Response: %(response)s (action category %(category)s)"), response=r.response,
                          category=r.action_category) if r.action_category else
                     said(N_("Response: %(response)s"), response=r.response))
    lines.append(said(N_("Cluster: %(id)s %(label)s"), id=cl.id, label=cluster_label(
        tr, theme=cl.theme, label=cl.label, written_in=state.language, taxonomy=taxonomy)) if cl else
                 said(N_("Cluster: none yet (%(command)s)"), command="`nmrf recommendations cluster`"))
    recorded = (" " + said(N_("(recorded by %(who)s on %(day)s)"), who=r.factors_by, day=f"{r.factors_at:%Y-%m-%d}")
                if r.factors_at else "")
    lines += [
        said(N_("Priority (OHCHR guide):")),
        "  " + (said(N_("(a) urgent, by a treaty body: yes: %(why)s"), why=p.urgent_why) if p.urgent else
                said(N_("(a) urgent, by a treaty body: %(answer)s"), answer=no)),
        "  " + said(N_("(b) several mechanisms: %(answer)s (%(mechanisms)s)"), answer=yes if p.several_mechanisms else no,
                    mechanisms=", ".join(p.mechanisms)),
        "  " + said(N_("(c) possible without budget: %(answer)s"), answer=yn(r.no_budget)),
        "  " + said(N_("(d) national priority: %(answer)s"), answer=yn(r.national_priority)),
        "  " + said(N_("(e) disadvantaged groups: %(answer)s"), answer=yn(r.disadvantaged_groups)) + recorded,
    ]
    if r.factors_note:
        lines.append("  " + said(N_("note: %(note)s"), note=r.factors_note))
    levels = {"recommendation": tr.pgettext("responsibility", "recommendation"),
              "cluster": tr.pgettext("responsibility", "cluster"), "none": tr.pgettext("responsibility", "none")}
    lines.append(said(N_("Lead: %(lead)s; supporting: %(supporting)s (%(level)s)"),
                      lead=who.lead.name if who.lead else "-",
                      supporting=", ".join(i.name for i in who.supporting) or "-",
                      level=levels.get(who.level, who.level)))
    statuses = {"planned": N_("planned"), "in_progress": N_("in progress"), "done": N_("done"),
                "cancelled": N_("cancelled")}
    for a in session.exec(select(FollowUpAction).where(FollowUpAction.cluster_id == r.cluster_id)
                          .order_by(FollowUpAction.due_date, FollowUpAction.id)) if r.cluster_id else []:
        if a.recommendation_id in (None, r.id):
            lines.append(said(N_("Action %(id)s: %(title)s, due %(day)s, %(status)s (%(kind)s: %(indicator)s)"),
                              id=a.id, title=a.title, day=a.due_date,
                              status=tr.gettext(statuses.get(a.status, a.status)),
                              kind=tr.gettext(INDICATOR_KINDS.get(a.indicator_kind, a.indicator_kind)),
                              indicator=a.indicator or "-"))
    for ans in session.exec(select(InputAnswer).where(InputAnswer.recommendation_id == r.id).order_by(InputAnswer.id)):
        inst = session.get(Institution, ans.institution_id)
        lines.append(said(N_("Answer from %(institution)s (cycle %(cycle)s, %(day)s, %(implementation)s): %(answer)s"),
                          institution=inst.key if inst else "?", cycle=ans.cycle_id, day=f"{ans.at:%Y-%m-%d}",
                          implementation=tr.gettext(IMPLEMENTATION.get(ans.implementation, ans.implementation)),
                          answer=ans.answer))
    return lines


# An action's indicator kind as a person reads it.
IMPLEMENTATION = {"not_started": N_("not started"), "in_progress": N_("in progress"), "implemented": N_("implemented"),
                  "partially_implemented": N_("partially implemented"), "not_applicable": N_("not applicable")}
INDICATOR_KINDS = {"structural": N_("structural"), "process": N_("process"), "outcome": N_("outcome")}


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
        raise NmrfError.said(N_("unknown theme %(theme)s"), theme=repr(theme))
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
