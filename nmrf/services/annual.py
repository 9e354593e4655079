"""The annual report read from the database (nmrf.domain.annual holds its shape).

Held means held by `today`: a meeting or dialogue later in the year is not counted. A
confidential cycle is counted in the totals of reports and dialogues only by mechanism
and date, never by its title (the report goes to parliament and the public).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from nmrf.calendars.series import recurrence_of
from nmrf.domain.annual import AnnualReport, Held, Submission, count_statuses
from nmrf.domain.costs import totals
from nmrf.domain.recurrence import occurrences
from nmrf.models import (
    ActionUpdate,
    CostItem,
    Cycle,
    FollowUpAction,
    InputAnswer,
    Institution,
    Meeting,
    MeetingSeries,
    Milestone,
    Recommendation,
    Responsibility,
    State,
)

DIALOGUE_KEYS = ("dialogue", "review")
CONSULTATION_KEYS = ("consultation", "nhri_comment")


def _title(c: Cycle) -> str:
    return f"{c.mechanism} (confidential)" if c.confidential else c.title


def state_annual_report(*, session: Session, state: State, year: int, today: date) -> AnnualReport:
    first, last = date(year, 1, 1), date(year, 12, 31)
    end = min(last, today)
    tz = ZoneInfo(state.timezone)
    cycles = {c.id: c for c in session.exec(select(Cycle).where(Cycle.state_id == state.id))}
    ids = list(cycles) or [-1]
    subs = []
    for m in session.exec(select(Milestone).where(Milestone.cycle_id.in_(ids), Milestone.template_key == "submission")):  # type: ignore[attr-defined]
        done = m.completed_at.astimezone(tz).date() if m.status == "done" and m.completed_at else None
        if (done and first <= done <= last) or (done is None and m.due_date and first <= m.due_date <= end
                                                and m.status not in ("waived", "cancelled")):
            c = cycles[m.cycle_id]
            subs.append(Submission(cycle=_title(c), mechanism=c.mechanism, due=m.due_date, submitted=done))
    subs.sort(key=lambda s: (s.submitted or s.due or last, s.cycle))
    dialogues, consultations, meetings = [], [], []
    for m in session.exec(select(Milestone).where(Milestone.cycle_id.in_(ids), Milestone.due_date >= first,  # type: ignore[attr-defined]
                                                  Milestone.due_date <= end,  # type: ignore[operator]
                                                  Milestone.status.not_in(("waived", "cancelled")))):  # type: ignore[attr-defined]
        c = cycles[m.cycle_id]
        held = Held(day=m.due_date, title=m.title if not c.confidential else c.mechanism, reference=_title(c))  # type: ignore[arg-type]
        if m.template_key in DIALOGUE_KEYS:
            dialogues.append(held)
        elif m.template_key in CONSULTATION_KEYS:
            consultations.append(held)
        elif m.kind == "meeting":
            meetings.append(held)
    lo = datetime.combine(first, datetime.min.time(), tzinfo=tz).astimezone(UTC)
    hi = datetime.combine(end, datetime.max.time(), tzinfo=tz).astimezone(UTC)
    for mt in session.exec(select(Meeting).where(Meeting.state_id == state.id, Meeting.status != "cancelled",
                                                 Meeting.starts_at >= lo, Meeting.starts_at <= hi)):
        held = Held(day=mt.starts_at.astimezone(ZoneInfo(mt.timezone)).date(), title=mt.title, reference=mt.kind)
        (consultations if mt.kind == "consultation" else meetings).append(held)
    for sr in session.exec(select(MeetingSeries).where(MeetingSeries.state_id == state.id)):
        for day, _, _ in occurrences(recurrence_of(session=session, series=sr), first=first, last=end):
            held = Held(day=day, title=sr.title, reference=sr.kind)
            (consultations if sr.kind == "consultation" else meetings).append(held)
    # Recommendations received in the year, with their latest reported status.
    recs = list(session.exec(select(Recommendation).where(Recommendation.state_id == state.id,
                                                          Recommendation.adopted_on >= first,  # type: ignore[operator]
                                                          Recommendation.adopted_on <= last,  # type: ignore[operator]
                                                          Recommendation.confidential == False)))  # noqa: E712
    rec_ids = [r.id for r in recs] or [-1]
    status: dict[int, str] = {}
    for a in session.exec(select(InputAnswer).where(InputAnswer.recommendation_id.in_(rec_ids))  # type: ignore[attr-defined]
                          .order_by(InputAnswer.at, InputAnswer.id)):
        status[a.recommendation_id] = a.implementation
    names = {i.id: i.name for i in session.exec(select(Institution).where(Institution.state_id == state.id))}
    lead: dict[tuple[str, int], int] = {}
    for r in session.exec(select(Responsibility).where(Responsibility.role == "lead",
                                                       Responsibility.institution_id.in_(list(names) or [-1]))):  # type: ignore[attr-defined]
        if r.recommendation_id is not None:
            lead[("rec", r.recommendation_id)] = r.institution_id
        elif r.cluster_id is not None:
            lead[("cluster", r.cluster_id)] = r.institution_id
    theme_pairs, inst_pairs = [], []
    for r in recs:
        st = status.get(r.id, "not_reported")  # type: ignore[arg-type]
        theme_pairs.append(((r.themes or ["(no theme)"])[0], st))
        inst = lead.get(("rec", r.id)) or (lead.get(("cluster", r.cluster_id)) if r.cluster_id else None)  # type: ignore[arg-type]
        inst_pairs.append((names.get(inst, "(no lead institution)") if inst else "(no lead institution)", st))
    # Actions completed in the year: their last update to "done" falls in it.
    done_at: dict[int, date] = {}
    for u in session.exec(select(ActionUpdate).where(ActionUpdate.status == "done").order_by(ActionUpdate.at)):
        done_at[u.action_id] = u.at.astimezone(tz).date()
    actions = []
    for a in session.exec(select(FollowUpAction).where(FollowUpAction.status == "done",
                                                       FollowUpAction.cycle_id.in_(ids))):  # type: ignore[attr-defined]
        day = done_at.get(a.id, a.updated_at.astimezone(tz).date())  # type: ignore[arg-type]
        if first <= day <= last:
            actions.append(Held(day=day, title=a.title, reference=names.get(a.institution_id, "")))
    costs = list(session.exec(select(CostItem).where(CostItem.state_id == state.id, CostItem.falls_on >= first,
                                                     CostItem.falls_on <= last)))
    lines = (state.budget or {}).get("lines", {})
    by_line = {}
    for key in sorted({c.budget_line for c in costs}):
        mine = [c for c in costs if c.budget_line == key]
        by_line[lines.get(key, key)] = (totals((c.currency, c.amount) for c in mine if c.basis == "estimate"),
                                        totals((c.currency, c.amount) for c in mine if c.basis == "actual"))
    order = lambda h: (h.day, h.title)  # noqa: E731
    return AnnualReport(
        state=state.name, secretariat=state.secretariat, year=year, today=today, submissions=tuple(subs),
        dialogues=tuple(sorted(dialogues, key=order)), recommendations=len(recs),
        by_theme=count_statuses(theme_pairs), by_institution=count_statuses(inst_pairs),
        actions_completed=tuple(sorted(actions, key=order)), consultations=tuple(sorted(consultations, key=order)),
        meetings=tuple(sorted(meetings, key=order)),
        estimated=totals((c.currency, c.amount) for c in costs if c.basis == "estimate"),
        spent=totals((c.currency, c.amount) for c in costs if c.basis == "actual"), by_line=by_line)
