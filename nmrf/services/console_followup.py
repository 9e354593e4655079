"""The follow-up of one recommendation as the console and its API read and change it: who answers for it
(lead and supporting institutions), its cluster's actions with their status history; assigning, adding an
action and updating its status. The work is nmrf.services.followup's (the command line's); this module
checks a whole form first (each problem with its field) and gathers what a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError, Problem
from nmrf.models import ActionUpdate, Cluster, FollowUpAction, Recommendation, State
from nmrf.models.recommendations import ACTION_STATUSES, INDICATOR_KINDS
from nmrf.services import followup


@dataclass
class FollowUp:
    responsible: followup.Responsible
    actions: list[tuple[FollowUpAction, list[ActionUpdate]]]
    cluster: Cluster | None


def follow_up(*, session: Session, recommendation: Recommendation) -> FollowUp:
    """Who answers for the recommendation and the actions that answer it (its own and its cluster's)."""
    cluster = session.get(Cluster, recommendation.cluster_id) if recommendation.cluster_id else None
    actions = []
    if cluster is not None:
        for a in session.exec(select(FollowUpAction).where(FollowUpAction.cluster_id == cluster.id)
                              .order_by(FollowUpAction.due_date, FollowUpAction.id)):
            if a.recommendation_id in (None, recommendation.id):
                ups = list(session.exec(select(ActionUpdate).where(ActionUpdate.action_id == a.id)
                                        .order_by(ActionUpdate.at, ActionUpdate.id)))
                actions.append((a, ups))
    return FollowUp(responsible=followup.responsible(session=session, rec=recommendation), actions=actions,
                    cluster=cluster)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def assign(*, session: Session, state: State, recommendation: Recommendation, lead: str, supporting: list[str],
           now: datetime, actor: str) -> list[str]:
    """Name the lead and supporting institutions of this recommendation; what changed, in words."""
    lead = lead.strip()
    supporting = [s for s in supporting if s]
    problems = []
    if not lead and not supporting:
        problems.append(Problem(N_("Choose a lead institution or supporting ones."), field="assign-lead"))
    if lead and lead in supporting:
        problems.append(Problem(N_("An institution cannot both lead and support."), field="assign-supporting"))
    if problems:
        raise NmrfError(problems)
    return followup.assign(session=session, state=state, lead=lead or None, supporting=supporting, now=now,
                           actor=actor, rec=recommendation)


def add_action(*, session: Session, state: State, recommendation: Recommendation, title: str, due: str,
               indicator: str, indicator_kind: str, institution: str, today: date, now: datetime,
               actor: str) -> FollowUpAction:
    """Add an action answering this recommendation (in its cluster's follow-up cycle, a deadline with it)."""
    problems = []
    if recommendation.cluster_id is None:
        problems.append(Problem(N_("Group the recommendations into clusters first: an action belongs to a "
                                   "cluster."), field="action-title"))
    if not title.strip():
        problems.append(Problem(N_("Give the action a title."), field="action-title"))
    day = _day(due)
    if day is None:
        problems.append(Problem(N_("Enter the date as YYYY-MM-DD."), field="action-due"))
    if indicator_kind not in INDICATOR_KINDS:
        problems.append(Problem(N_("Choose the kind of indicator."), field="action-kind"))
    if not institution:
        # The institution that answers for this recommendation (its own lead, else its cluster's).
        lead = followup.responsible(session=session, rec=recommendation).lead
        if lead is None:
            problems.append(Problem(N_("Choose the institution: this recommendation has no lead yet."),
                                    field="action-institution"))
        else:
            institution = lead.key
    if problems:
        raise NmrfError(problems)
    cluster = session.get(Cluster, recommendation.cluster_id)
    action, _ = followup.add_action(session=session, state=state, cluster=cluster, title=title, due=day,  # type: ignore[arg-type]
                                    indicator=indicator, indicator_kind=indicator_kind, today=today, now=now,
                                    actor=actor, institution=institution or None, rec=recommendation)
    return action


def update_action(*, session: Session, state: State, action_id: int, status: str, due: str, note: str, now: datetime,
                  actor: str) -> ActionUpdate:
    """A status update on an action (its status, a new due date, a note), each problem with its field."""
    problems = []
    if status and status not in ACTION_STATUSES:
        problems.append(Problem(N_("Choose a status."), field=f"status-{action_id}"))
    day = _day(due) if due.strip() else None
    if due.strip() and day is None:
        problems.append(Problem(N_("Enter the date as YYYY-MM-DD."), field=f"due-{action_id}"))
    if problems:
        raise NmrfError(problems)
    action = followup.get_action(session=session, state=state, ref=action_id)
    changed = status if status and status != action.status else None
    if changed is None and (day is None or day == action.due_date) and not note.strip():
        raise NmrfError([Problem(N_("Give a new status, a new date or a note."), field=f"status-{action_id}")])
    return followup.update_action(session=session, state=state, action=action, now=now, actor=actor,
                                  status=changed, due=day, note=note.strip())
