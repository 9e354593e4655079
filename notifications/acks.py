"""Acknowledgements: "seen, input by Friday", recorded with who and when, and shown.

An acknowledgement holds the escalation levels not yet reached until the
promised day (or the policy's default hold); if the item is still open the
working day after, the chain escalates again and the person who promised is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session

from nmrf.domain.i18n import N_
from nmrf.errors import NmrfError
from nmrf.models import Acknowledgement, Cycle, EscalationChain, Milestone, Person, Record, State
from nmrf.notifications.decide import Chain, Item, current_chain
from nmrf.notifications.notes import item_status
from nmrf.domain.clock import today_in
from nmrf.notifications.promises import tell_of_promise

MAX_PROMISE = timedelta(days=366)


def chain_sequence(*, session: Session, milestone: Milestone) -> int:
    """The sequence that keys the milestone's running chain (see decide.current_chain)."""
    E = EscalationChain.__table__
    chains = [Chain(r.milestone_id, r.sequence, r.due_date, r.policy_id, r.started_at)
              for r in session.execute(select(E).where(E.c.milestone_id == milestone.id))]
    R = Record.__table__
    reopened = session.execute(select(R.c.at).where(R.c.milestone_id == milestone.id, R.c.kind == "reopened")
                               .order_by(R.c.at.desc()).limit(1)).scalar()
    item = Item(milestone.id, 0, milestone.cycle_id, milestone.sequence, milestone.stage, milestone.owner_role,
                milestone.institution_id, milestone.due_date or date.min)
    chain = current_chain(item, chains, reopened)
    return chain.sequence if chain else milestone.sequence


def record_ack(*, session: Session, milestone: Milestone, person: Person | None, now: datetime, actor: str,
               promised_by: date | None = None, note: str = "", via: str = "cli",
               token_digest: str | None = None, expected_sequence: int | None = None) -> Acknowledgement:
    """Record an acknowledgement; refuse (changing nothing) when there is nothing to acknowledge. The refusals
    are sentences of ours: the command line and the acknowledgement page say them in the reader's language."""
    if milestone.is_closed:
        status = item_status(milestone.status)
        raise NmrfError.said(N_("%(key)s is already %(status)s: nothing to acknowledge"), key=milestone.key,
                             status=status)
    if milestone.due_date is None:
        raise NmrfError.said(N_("%(key)s has no due date yet: nothing to acknowledge"), key=milestone.key)
    seq = chain_sequence(session=session, milestone=milestone)
    if expected_sequence is not None and expected_sequence != seq:
        raise NmrfError.said(N_("%(key)s was re-dated (now due %(day)s) after this message: a newer message "
                                "carries a new link"), key=milestone.key, day=milestone.due_date.isoformat())
    cycle = session.get(Cycle, milestone.cycle_id)
    state = session.get(State, cycle.state_id)
    today = today_in(state.timezone, now)
    if promised_by is not None:
        if promised_by < today:
            raise NmrfError.said(N_("the promised date %(day)s has already passed (today is %(today)s)"),
                                 day=promised_by.isoformat(), today=today.isoformat())
        if promised_by - today > MAX_PROMISE:
            raise NmrfError.said(N_("the promised date %(day)s is more than a year away: re-date the deadline instead "
                                    "(%(command)s)"), day=promised_by.isoformat(), command="nmrf cycle set-date")
    if len(note) > 1000:
        raise NmrfError.said(N_("the note is longer than 1,000 characters"))
    ack = Acknowledgement(milestone_id=milestone.id, sequence=seq, due_date=milestone.due_date,
                          person_id=person.id if person else None, actor=person.name if person else actor,
                          at=now, promised_by=promised_by, note=note.strip(), via=via, token_digest=token_digest)
    session.add(ack)
    session.flush()
    # The head of the secretariat hears of every promise, in the same transaction: recorded, then told.
    tell_of_promise(session=session, ack=ack, milestone=milestone, now=now)
    return ack


@dataclass(frozen=True)
class AckRow:
    id: int
    cycle_id: int
    milestone_key: str
    title: str
    by: str
    at: datetime
    promised_by: date | None
    note: str
    via: str
    status: str  # holding | passed | done (the item was recorded) | superseded (re-dated)


def list_acks(*, session: Session, today: date, cycle_id: int | None = None, limit: int = 50) -> list[AckRow]:
    A, M = Acknowledgement.__table__, Milestone.__table__
    P = Person.__table__
    q = (select(A, M.c.key, M.c.title, M.c.cycle_id, M.c.status.label("m_status"), M.c.due_date.label("m_due"),
                P.c.name.label("person_name"))
         .select_from(A.join(M, M.c.id == A.c.milestone_id).outerjoin(P, P.c.id == A.c.person_id))
         .order_by(A.c.at.desc(), A.c.id.desc()).limit(limit))
    if cycle_id is not None:
        q = q.where(M.c.cycle_id == cycle_id)
    out = []
    for r in session.execute(q):
        if r.m_status in ("done", "waived", "cancelled"):
            status = r.m_status
        elif r.m_due != r.due_date:
            status = "superseded (re-dated)"
        elif r.promised_by is not None and today > r.promised_by:
            status = "promise passed"
        else:
            status = "holding"
        out.append(AckRow(r.id, r.cycle_id, r.key, r.title, r.person_name or r.actor, r.at, r.promised_by,
                          r.note, r.via, status))
    return out
