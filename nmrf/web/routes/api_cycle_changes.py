"""/api/v1's changes to a running cycle: remove an institution or a member (with the reason), and its lead
times (read them; preview what a change moves; confirm it with the cycle's version, a stale one refused).
The work is in nmrf.services.cycle_changes, as for the console."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from nmrf.errors import NmrfError, Problem
from nmrf.web.routes.api_common import ErrorOut, Gate, MovedOut, error
from nmrf.web.routes.console.common import Console


class MilestoneRefOut(BaseModel):
    key: str
    title: str


class RemoveIn(BaseModel):
    institution: str = Field("", description="the key of the institution that leaves (or give member)")
    member: str = Field("", description="the key of the person who leaves (or give institution)")
    reason: str = Field(description="why (kept in the history)")
    version: str | None = Field(None, description="the cycle's version as read; a changed one is refused")


class RemovalOut(BaseModel):
    cycle_id: int
    version: str
    cancelled: list[str] = Field(description="the keys of the deadlines cancelled (an institution's)")
    messages_cancelled: int = Field(0, description="messages not yet sent to the member, cancelled")
    unowned: list[MilestoneRefOut] = Field(
        default_factory=list, description="open deadlines the member owned that nobody left in the cycle holds "
                                          "the role for: name someone")


class LeadTimeOut(BaseModel):
    key: str
    title: str
    counts_from: str = Field(description="the key of the date it counts from")
    counts_from_title: str
    amount: int = Field(description="signed: negative is before")
    unit: str = Field(description="days, weeks or months")
    custom: bool = Field(description="this cycle's own lead time, not the template's or the mechanism's")
    basis: str = Field(description="offset (the template's) or rule (a mechanism's practice)")
    source: str
    moves: int = Field(description="open deadlines a new lead time moves (closed or official ones keep theirs)")


class LeadTimesOut(BaseModel):
    cycle_id: int
    version: str
    lead_times: list[LeadTimeOut]


class LeadIn(BaseModel):
    amount: int
    unit: str = Field(description="days, weeks or months")


class LeadTimesIn(BaseModel):
    lead_times: dict[str, LeadIn] = Field(description="by key; the others stay as they are")
    version: str = Field(description="the cycle's version as read; a changed one is refused")
    confirm: bool = Field(False, description="save; without it, say what would move and save nothing")


class LeadTimesChangeOut(BaseModel):
    saved: bool
    version: str
    moved: list[MovedOut]


def add_routes(router: APIRouter, c: Console, gate: Gate) -> None:
    @router.post("/cycles/{cycle_id}/remove", response_model=RemovalOut,
                 responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_remove(request: Request, cycle_id: int, body: RemoveIn):  # type: ignore[no-untyped-def]
        """Take an institution (its open deadlines cancelled) or a member (no reminder, escalation or feed entry
        of this cycle any more, whatever roles they hold) out of a running cycle, with the reason."""
        from nmrf.services.console import version_of
        from nmrf.services.cycle_changes import remove_institution, remove_member
        from nmrf.services.cycles import get_cycle
        from nmrf.services.people import get_institution, get_person

        who, refused = gate.act(request, f"remove an institution or a member from cycle {cycle_id}")
        if refused is not None:
            return refused
        problems = []
        if bool(body.institution.strip()) == bool(body.member.strip()):
            problems.append(Problem("give the institution or the member who leaves, one of them", field="who"))
        if not body.reason.strip():
            problems.append(Problem("say why they leave the cycle", field="reason"))
        if problems:
            return error(422, "invalid", problems)
        try:
            with c.session(actor=who.actor) as s:  # type: ignore[union-attr]
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)  # type: ignore[union-attr]
                if body.version is not None and body.version != version_of(cycle.updated_at):
                    return error(409, f"cycle {cycle_id} changed since version {body.version}")
                if body.institution.strip():
                    inst = get_institution(session=s, state=who.state, key=body.institution.strip())  # type: ignore[union-attr]
                    gone = remove_institution(session=s, cycle=cycle, institution=inst, reason=body.reason,
                                              now=c.now(), actor=who.actor, person_id=who.person.id)  # type: ignore[union-attr]
                    out = RemovalOut(cycle_id=cycle_id, version=version_of(cycle.updated_at),
                                     cancelled=[m.key for m in gone])
                else:
                    person = get_person(session=s, state=who.state, key=body.member.strip())  # type: ignore[union-attr]
                    removal = remove_member(session=s, cycle=cycle, person=person, reason=body.reason,
                                            now=c.now(), actor=who.actor, person_id=who.person.id)  # type: ignore[union-attr]
                    out = RemovalOut(cycle_id=cycle_id, version=version_of(cycle.updated_at), cancelled=[],
                                     messages_cancelled=removal.messages_cancelled,
                                     unowned=[MilestoneRefOut(key=m.key, title=m.title) for m in removal.unowned])
        except NmrfError as exc:
            return error(422, "invalid", exc.problems)
        return out

    @router.get("/cycles/{cycle_id}/lead-times", response_model=LeadTimesOut, responses={404: {"model": ErrorOut}})
    def api_lead_times(request: Request, cycle_id: int):  # type: ignore[no-untyped-def]
        """The cycle's internal dates that count from another, with the lead time in force."""
        from nmrf.services.console import version_of
        from nmrf.services.cycle_changes import lead_times
        from nmrf.services.cycles import get_cycle, milestones_of

        with c.session(readonly=True) as s:
            who = gate.reader(request, s)
            if who is None:
                return gate.unauthorised
            try:
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)
            except NmrfError:
                return error(404, f"no cycle {cycle_id}")
            rows = lead_times(cycle=cycle, milestones=milestones_of(session=s, cycle=cycle))
            return LeadTimesOut(cycle_id=cycle_id, version=version_of(cycle.updated_at), lead_times=[
                LeadTimeOut(key=r["key"], title=r["title"], counts_from=r["from"], counts_from_title=r["from_title"],
                            amount=r["amount"], unit=r["unit"], custom=r["custom"], basis=r["basis"],
                            source=r["source"], moves=r["moves"]) for r in rows])

    @router.post("/cycles/{cycle_id}/lead-times", response_model=LeadTimesChangeOut,
                 responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_set_lead_times(request: Request, cycle_id: int, body: LeadTimesIn):  # type: ignore[no-untyped-def]
        """Change the cycle's lead times: without confirm, what would move (nothing saved); with confirm, saved
        and its open deadlines re-planned. UN dates never move."""
        from nmrf.services.console import version_of
        from nmrf.services.cycle_changes import lead_time_form, parse_lead_times, preview_lead_times, set_lead_times
        from nmrf.services.cycles import get_cycle

        who, refused = gate.act(request, f"change the lead times of cycle {cycle_id}")
        if refused is not None:
            return refused
        try:
            with c.session(actor=who.actor) as s:  # type: ignore[union-attr]
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)  # type: ignore[union-attr]
                form, problems = lead_time_form(cycle=cycle, given={k: (str(v.amount), v.unit)
                                                                    for k, v in body.lead_times.items()})
                offsets, more = parse_lead_times(cycle=cycle, form=form)
                if problems or more:
                    return error(422, "invalid", problems + more)
                if body.version != version_of(cycle.updated_at):
                    return error(409, f"cycle {cycle_id} changed since version {body.version}")
                work = set_lead_times if body.confirm else preview_lead_times
                moved = work(session=s, cycle=cycle, offsets=offsets, now=c.now(), actor=who.actor)  # type: ignore[union-attr]
                version = version_of(get_cycle(session=s, state=who.state, ref=cycle_id).updated_at)  # type: ignore[union-attr]
        except NmrfError as exc:
            return error(422, "invalid", exc.problems)
        return LeadTimesChangeOut(saved=body.confirm, version=version,
                                  moved=[MovedOut(key=k, title=t, before=b, after=a) for k, t, b, a in moved])
