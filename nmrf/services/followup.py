"""Responsibility and the follow-up plan: who leads, who supports, which actions by when.

How actions map to milestones: each cluster with at least one action has one
follow-up plan cycle (template `follow_up_plan`, launched on the day of its
first action, key "<mechanism>/follow_up_plan/cluster-<key>", the mechanism
being the one most of the cluster's recommendations come from). Each action is
one Milestone of that cycle: key "action-<cluster id>-<n>", template_key
"action", stage follow_up, side internal, owner role focal_point of the
action's institution (the cluster's lead unless another is named), due on the
action's due date. A new due date raises the milestone's sequence and sets its
updated_at (feeds and escalations follow); "done" and "cancelled" are records
on the milestone (nmrf.services.cycles.record_action), so the cycle flows see
them like any other deadline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from nmrf.domain.recommendation_files import MECHANISMS
from nmrf.domain.taxonomy import load_taxonomy
from nmrf.errors import NmrfError
from nmrf.models import (
    ActionUpdate,
    Cluster,
    Cycle,
    FollowUpAction,
    Institution,
    Milestone,
    Recommendation,
    Responsibility,
    State,
)
from nmrf.models.recommendations import ACTION_STATUSES, INDICATOR_KINDS
from nmrf.services.cycles import (
    add_milestone,
    get_milestone,
    launch_cycle,
    record_action,
    update_milestone,
)
from nmrf.services.people import get_institution, get_person, holders


@dataclass(frozen=True)
class Responsible:
    lead: Institution | None
    supporting: tuple[Institution, ...]
    level: str  # cluster | recommendation | none


# ---------------------------------------------------------------- responsibility

def _rows(session: Session, *, cluster: Cluster | None, rec: Recommendation | None) -> list[Responsibility]:
    q = select(Responsibility)
    q = q.where(Responsibility.cluster_id == cluster.id) if cluster else q.where(
        Responsibility.recommendation_id == rec.id)  # type: ignore[union-attr]
    return list(session.exec(q.order_by(Responsibility.id)))


def assign(*, session: Session, state: State, lead: str | None, supporting: Sequence[str], now: datetime,
           actor: str, cluster: Cluster | None = None, rec: Recommendation | None = None) -> list[str]:
    """Name the lead and supporting institutions of a cluster (or of one recommendation).

    Returns what changed, in words. A new lead replaces the old one openly (the
    audit history keeps the old row); supporting institutions are added.
    """
    if (cluster is None) == (rec is None):
        raise NmrfError("assign a cluster or a recommendation")
    if lead is None and not supporting:
        raise NmrfError("name a lead institution (--lead) or supporting ones (--support)")
    insts = {k: get_institution(session=session, state=state, key=k) for k in [*([lead] if lead else []), *supporting]}
    if lead and lead in supporting:
        raise NmrfError(f"{lead} cannot both lead and support")
    rows = _rows(session, cluster=cluster, rec=rec)
    changes = []
    if lead:
        current = [r for r in rows if r.role == "lead"]
        if not current or current[0].institution_id != insts[lead].id:
            for r in current:
                session.delete(r)
                old = session.get(Institution, r.institution_id)
                changes.append(f"lead {old.key if old else r.institution_id} replaced")
            for r in rows:
                if r.role == "supporting" and r.institution_id == insts[lead].id:
                    session.delete(r)  # now the lead
            session.add(Responsibility(cluster_id=cluster.id if cluster else None,
                                       recommendation_id=rec.id if rec else None, institution_id=insts[lead].id,
                                       role="lead", at=now, actor=actor))
            changes.append(f"lead: {lead}")
    for key in supporting:
        inst = insts[key]
        if any(r.institution_id == inst.id for r in rows if r.role == "supporting"):
            continue
        if any(r.institution_id == inst.id for r in rows if r.role == "lead") and key != lead:
            raise NmrfError(f"{key} already leads; it cannot also support")
        session.add(Responsibility(cluster_id=cluster.id if cluster else None,
                                   recommendation_id=rec.id if rec else None, institution_id=inst.id,
                                   role="supporting", at=now, actor=actor))
        changes.append(f"supporting: {key}")
    session.flush()
    return changes


def responsible(*, session: Session, rec: Recommendation) -> Responsible:
    """Who answers for a recommendation: its own assignment, else its cluster's."""
    for level, rows in (("recommendation", _rows(session, cluster=None, rec=rec)),
                        ("cluster", _rows(session, cluster=session.get(Cluster, rec.cluster_id), rec=None)
                         if rec.cluster_id else [])):
        if rows:
            lead = next((session.get(Institution, r.institution_id) for r in rows if r.role == "lead"), None)
            sup = tuple(i for i in (session.get(Institution, r.institution_id) for r in rows
                                    if r.role == "supporting") if i is not None)
            return Responsible(lead, sup, level)
    return Responsible(None, (), "none")


def responsibilities_by_recommendation(*, session: Session, state: State) -> dict[int, Responsible]:
    """Every recommendation of the State -> who answers for it (in few queries)."""
    insts = {i.id: i for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    recs = list(session.exec(select(Recommendation.id, Recommendation.cluster_id)
                             .where(Recommendation.state_id == state.id)))
    by_cluster: dict[int, list[Responsibility]] = {}
    by_rec: dict[int, list[Responsibility]] = {}
    for r in session.exec(select(Responsibility).join(Institution, Institution.id == Responsibility.institution_id)
                          .where(Institution.state_id == state.id).order_by(Responsibility.id)):
        if r.cluster_id is not None:
            by_cluster.setdefault(r.cluster_id, []).append(r)
        if r.recommendation_id is not None:
            by_rec.setdefault(r.recommendation_id, []).append(r)
    out = {}
    for rid, cid in recs:
        rows, level = by_rec.get(rid), "recommendation"
        if not rows:
            rows, level = by_cluster.get(cid, []) if cid else [], "cluster"
        if not rows:
            out[rid] = Responsible(None, (), "none")
            continue
        lead = next((insts[r.institution_id] for r in rows if r.role == "lead"), None)
        out[rid] = Responsible(lead, tuple(insts[r.institution_id] for r in rows if r.role == "supporting"), level)
    return out


def assign_theme(*, session: Session, state: State, theme: str, lead: str, supporting: Sequence[str],
                 now: datetime, actor: str) -> tuple[int, int]:
    """Give every cluster of a theme without a lead these institutions; (assigned, already led)."""
    key = load_taxonomy().lookup(theme)
    if key is None:
        raise NmrfError(f"unknown theme {theme!r}: `nmrf recommendations themes` lists them")
    clusters = list(session.exec(select(Cluster).where(Cluster.state_id == state.id, Cluster.theme == key)
                                 .order_by(Cluster.id)))
    if not clusters:
        raise NmrfError(f"no cluster of theme {key!r} for {state.code}: cluster the recommendations first")
    done = skipped = 0
    for cl in clusters:
        if any(r.role == "lead" for r in _rows(session, cluster=cl, rec=None)):
            skipped += 1
            continue
        assign(session=session, state=state, lead=lead, supporting=supporting, now=now, actor=actor, cluster=cl)
        done += 1
    return done, skipped


# ---------------------------------------------------------------- the plan's cycle and its actions

def _main_mechanism(session: Session, cluster: Cluster) -> str:
    counts = Counter(session.exec(select(Recommendation.mechanism).where(Recommendation.cluster_id == cluster.id)))
    if not counts:
        raise NmrfError(f"cluster {cluster.id} has no recommendation")
    return min(counts, key=lambda m: (-counts[m], MECHANISMS.index(m) if m in MECHANISMS else 99))


def plan_cycle(*, session: Session, state: State, cluster: Cluster, today: date, now: datetime,
               actor: str) -> Cycle:
    """The cluster's follow-up plan cycle, launched on first use."""
    mechanism = _main_mechanism(session, cluster)
    institutions = sorted({i.key for i in _cluster_institutions(session, cluster)})
    launched = launch_cycle(session=session, state=state, template="follow_up_plan", mechanism=mechanism,
                            dates={"plan_adopted": today}, now=now, actor=actor,
                            reference=f"cluster-{cluster.key[:12]}", institutions=institutions or None)
    cycle = launched.cycle
    mechs = sorted(set(session.exec(select(Recommendation.mechanism)
                                    .where(Recommendation.cluster_id == cluster.id))))
    title = f"Follow-up plan of {state.name}: {cluster.label} ({', '.join(mechs)})"[:300]
    if cycle.title != title:
        cycle.title = title
    return cycle


def _cluster_institutions(session: Session, cluster: Cluster) -> list[Institution]:
    rows = _rows(session, cluster=cluster, rec=None)
    return [i for i in (session.get(Institution, r.institution_id) for r in rows) if i is not None]


def add_action(*, session: Session, state: State, cluster: Cluster, title: str, due: date, indicator: str,
               indicator_kind: str, today: date, now: datetime, actor: str, institution: str | None = None,
               rec: Recommendation | None = None) -> tuple[FollowUpAction, Milestone]:
    if indicator_kind not in INDICATOR_KINDS:
        raise NmrfError(f"indicator kind {indicator_kind!r}; expected one of {', '.join(INDICATOR_KINDS)}")
    if not title.strip():
        raise NmrfError("an action needs a title")
    if rec is not None and rec.cluster_id != cluster.id:
        raise NmrfError(f"recommendation {rec.id} is not in cluster {cluster.id}")
    if institution:
        inst = get_institution(session=session, state=state, key=institution)
    else:
        lead = next((r for r in _rows(session, cluster=cluster, rec=None) if r.role == "lead"), None)
        if lead is None:
            raise NmrfError(f"cluster {cluster.id} has no lead institution yet: "
                            f"`nmrf recommendations assign --cluster {cluster.id} --lead KEY` (or --institution)")
        inst = session.get(Institution, lead.institution_id)  # type: ignore[assignment]
    cycle = plan_cycle(session=session, state=state, cluster=cluster, today=today, now=now, actor=actor)
    n = len(list(session.exec(select(FollowUpAction.id).where(FollowUpAction.cluster_id == cluster.id)))) + 1
    answers = ", ".join(f"#{r.id}" for r in session.exec(
        select(Recommendation).where(Recommendation.cluster_id == cluster.id).order_by(Recommendation.id))
        if rec is None or r.id == rec.id)
    description = (f"Answers recommendation(s) {answers} (cluster {cluster.id}: {cluster.label}). "
                   f"Indicator ({indicator_kind}): {indicator or '-'}")
    m = add_milestone(session=session, cycle=cycle, key=f"action-{cluster.id}-{n}", template_key="action",
                      stage="follow_up", title=f"Action: {title.strip()}", due_date=due, now=now,
                      description=description, owner_role="focal_point", institution_id=inst.id,
                      source="follow-up plan")
    action = FollowUpAction(cluster_id=cluster.id, recommendation_id=rec.id if rec else None, institution_id=inst.id,
                            title=title.strip()[:300], due_date=due, indicator=indicator[:500],
                            indicator_kind=indicator_kind, status="planned", cycle_id=cycle.id, milestone_id=m.id,
                            created_at=now, updated_at=now, actor=actor)
    session.add(action)
    session.flush()
    return action, m


def get_action(*, session: Session, state: State, ref: int) -> FollowUpAction:
    action = session.get(FollowUpAction, ref)
    cluster = session.get(Cluster, action.cluster_id) if action else None
    if action is None or cluster is None or cluster.state_id != state.id:
        raise NmrfError(f"no action {ref} for {state.code}: `nmrf recommendations actions` lists them")
    return action


def update_action(*, session: Session, state: State, action: FollowUpAction, now: datetime, actor: str,
                  status: str | None = None, due: date | None = None, note: str = "",
                  by: str | None = None) -> ActionUpdate:
    """A status update (who, when, what); a new due date moves the action's milestone."""
    if status is not None and status not in ACTION_STATUSES:
        raise NmrfError(f"status {status!r}; expected one of {', '.join(ACTION_STATUSES)}")
    if status is None and due is None and not note.strip():
        raise NmrfError("nothing to record: give --status, --due or --note")
    person = get_person(session=session, state=state, key=by) if by else None
    cycle = session.get(Cycle, action.cycle_id)
    m = session.get(Milestone, action.milestone_id)
    assert cycle is not None and m is not None
    if due is not None and due != action.due_date:
        update_milestone(session=session, milestone=m, due_date=due, now=now, actor=actor,
                         reason=note or f"action {action.id} re-planned")
        action.due_date = due
    if status is not None and status != action.status:
        if status in ("done", "cancelled"):
            record_action(session=session, cycle=cycle, key=m.key, kind=status, now=now, actor=actor, by=by,
                          note=note)
        elif m.is_closed:
            record_action(session=session, cycle=cycle, key=m.key, kind="reopened", now=now, actor=actor, by=by,
                          note=note or f"action {action.id} is {status} again")
        action.status = status
    action.updated_at = now
    upd = ActionUpdate(action_id=action.id, status=status or action.status, note=note, due_date=due,  # type: ignore[arg-type]
                       person_id=person.id if person else None, actor=person.name if person else actor, at=now)
    session.add(upd)
    session.flush()
    return upd


def actions_of(*, session: Session, state: State, cluster: Cluster | None = None) -> list[FollowUpAction]:
    q = select(FollowUpAction).join(Cluster, Cluster.id == FollowUpAction.cluster_id).where(Cluster.state_id == state.id)
    if cluster is not None:
        q = q.where(FollowUpAction.cluster_id == cluster.id)
    return list(session.exec(q.order_by(FollowUpAction.due_date, FollowUpAction.id)))


def owner_names(*, session: Session, state: State, action: FollowUpAction) -> list[str]:
    return [p.name for p in holders(session=session, state_id=state.id, role="focal_point",
                                    institution_id=action.institution_id)]


def milestone_of(*, session: Session, action: FollowUpAction) -> Milestone:
    cycle = session.get(Cycle, action.cycle_id)
    assert cycle is not None
    m = session.get(Milestone, action.milestone_id)
    return m if m is not None else get_milestone(session=session, cycle=cycle, key="")
