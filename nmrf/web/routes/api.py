"""The JSON API under /api/v1: what the console reads and does, for other government systems.

Authenticated with API tokens (`Authorization: Bearer ...`, `nmrf api-token issue`), each held by a named
person and scoped read or act; the acts are that person's, in the audit history like the console's, and an
act the token or its holder may not do is answered 403 and recorded. The routes call the same services as the
console and the command line. FastAPI's own OpenAPI document of these routes is at /api/v1/openapi.json.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse

from nmrf.errors import NmrfError, Problem
from nmrf.settings import Settings
from nmrf.web.routes import api_cycle_changes, api_people, api_region
from nmrf.web.routes.api_common import NO_STORE, ErrorOut, Gate, ItemOut, MovedOut, error as _error, item_out
from nmrf.web.routes.console.common import Console, today_of

PREFIX = "/api/v1"


class TodayOut(BaseModel):
    today: date
    late: list[ItemOut]
    due_this_week: list[ItemOut]
    failed_deliveries: int


class CycleOut(BaseModel):
    id: int
    title: str
    mechanism: str
    status: str
    version: str
    open_deadlines: int | None = None
    late: int | None = None


class MilestoneOut(BaseModel):
    key: str
    title: str
    due: date | None
    official_date: date | None
    official_source: str | None
    status: str
    days_late: int
    owners: list[str]


class CycleDetailOut(CycleOut):
    milestones: list[MilestoneOut]
    institutions: list[str]


class RecommendationOut(BaseModel):
    id: int
    text: str
    mechanism: str
    body: str
    document: str
    paragraph: str
    themes: list[str]
    cluster_id: int | None
    position: str
    position_source: str
    version: str


class RecommendationPageOut(BaseModel):
    total: int
    page: int
    pages: int
    rows: list[RecommendationOut]


class PositionIn(BaseModel):
    position: str = Field(description="supported, noted or partially_supported")
    source: str = Field(description="the document the position comes from")
    version: str | None = Field(None, description="the recommendation's version as read; a changed one is refused")


class OfficialDateIn(BaseModel):
    key: str
    day: str = Field(description="YYYY-MM-DD")
    source: str
    version: str | None = None
    preview: bool = Field(False, description="say what would move, save nothing")


class OfficialDateOut(BaseModel):
    saved: bool
    moved: list[MovedOut]


class CancelIn(BaseModel):
    reason: str
    close: bool = Field(False, description="closed (its work finished) rather than cancelled")
    version: str | None = None


class AssignIn(BaseModel):
    lead: str = Field("", description="the lead institution's key (empty: keep the lead)")
    supporting: list[str] = Field(default_factory=list, description="supporting institutions' keys (added)")


class ActionIn(BaseModel):
    title: str
    due: str = Field(description="YYYY-MM-DD")
    indicator: str = ""
    indicator_kind: str = Field(description="structural, process or outcome")
    institution: str = Field("", description="the institution's key (empty: the cluster's lead)")


class ActionUpdateIn(BaseModel):
    status: str = Field("", description="planned, in_progress, done or cancelled (empty: unchanged)")
    due: str = Field("", description="a new due date, YYYY-MM-DD (empty: unchanged)")
    note: str = ""


class ActionOut(BaseModel):
    id: int
    title: str
    due: date
    status: str
    institution_id: int
    indicator: str
    indicator_kind: str
    updates: list[dict[str, Any]] = []


class FollowUpOut(BaseModel):
    recommendation_id: int
    lead: str | None
    supporting: list[str]
    level: str
    actions: list[ActionOut]


def _rec(r: Any) -> RecommendationOut:
    from nmrf.services.console import version_of

    return RecommendationOut(id=r.id, text=r.text, mechanism=r.mechanism, body=r.body, document=r.document,
                             paragraph=r.paragraph, themes=list(r.themes or []), cluster_id=r.cluster_id,
                             position=r.position, position_source=r.position_source,
                             version=version_of(r.updated_at))


def make_router(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
                engine=None) -> APIRouter:  # type: ignore[no-untyped-def]
    c = Console(settings=settings, engine_=engine, clock=clock)
    router = APIRouter(prefix=PREFIX, tags=["nmrf"],
                       responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}})

    gate = Gate(c)
    reader, actor_or_refusal = gate.reader, gate.act
    unauthorised = gate.unauthorised
    # People and institutions, changes to a running cycle, the regional view: their own modules.
    for part in (api_people, api_cycle_changes, api_region):
        part.add_routes(router, c, gate)

    @router.get("/today", response_model=TodayOut)
    def api_today(request: Request, cycle: int | None = None, mechanism: str | None = None,
                  institution: str | None = None, person: str | None = None):  # type: ignore[no-untyped-def]
        """What is due this week and everything late across all cycles (the console's first page)."""
        from nmrf.services.console import Filters, today_view

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            v = today_view(session=s, state=who.state, today=today_of(who.state, c.now()), inventory=False,
                           filters=Filters(cycle=cycle, mechanism=mechanism, institution=institution, person=person))

        return TodayOut(today=v.today, late=[item_out(i) for i in v.late], due_this_week=[item_out(i) for i in v.due_this_week],
                        failed_deliveries=len(v.failed))

    @router.get("/cycles", response_model=list[CycleOut])
    def api_cycles(request: Request):  # type: ignore[no-untyped-def]
        """Every cycle of the State, with its open and late deadlines."""
        from nmrf.services.console import cycles_list, version_of

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            rows = cycles_list(session=s, state=who.state, today=today_of(who.state, c.now()))
        return [CycleOut(id=r["cycle"].id, title=r["cycle"].title, mechanism=r["cycle"].mechanism,
                         status=r["cycle"].status, version=version_of(r["cycle"].updated_at), open_deadlines=r["open"],
                         late=r["late"]) for r in rows]

    @router.get("/cycles/{cycle_id}", response_model=CycleDetailOut, responses={404: {"model": ErrorOut}})
    def api_cycle(request: Request, cycle_id: int):  # type: ignore[no-untyped-def]
        """A cycle's deadlines with owners, states and official dates."""
        from nmrf.services.console import cycle_page, version_of

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            try:
                v = cycle_page(session=s, state=who.state, cycle_id=cycle_id, today=today_of(who.state, c.now()))
            except NmrfError:
                return _error(404, f"no cycle {cycle_id}")
        cy = v.cycle
        return CycleDetailOut(id=cy.id, title=cy.title, mechanism=cy.mechanism, status=cy.status,  # type: ignore[arg-type]
                              version=version_of(cy.updated_at), institutions=[i.name for i in v.participating],
                              milestones=[MilestoneOut(key=m.key, title=m.title, due=m.due_date,
                                                       official_date=m.official_date,
                                                       official_source=m.official_source, status=m.status,
                                                       days_late=v.late(m), owners=v.owners[m.id])  # type: ignore[index]
                                          for m in v.milestones])

    @router.get("/recommendations", response_model=RecommendationPageOut)
    def api_recommendations(request: Request, q: str = "", mechanism: str | None = None,
                            position: str | None = None, cluster: int | None = None, page: int = 1):  # type: ignore[no-untyped-def]
        """The recommendations, searched and filtered, 50 a page."""
        from nmrf.services.console import recommendations_table

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            t = recommendations_table(session=s, state=who.state, q=q, mechanism=mechanism, position=position,
                                      cluster=cluster, page=page)
        return RecommendationPageOut(total=t.total, page=t.page, pages=t.pages, rows=[_rec(r) for r in t.rows])

    @router.get("/recommendations/{rec_id}", response_model=RecommendationOut, responses={404: {"model": ErrorOut}})
    def api_recommendation(request: Request, rec_id: int):  # type: ignore[no-untyped-def]
        from nmrf.models import Recommendation

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            r = s.get(Recommendation, rec_id)
            if r is None or r.state_id != who.state.id:
                return _error(404, f"no recommendation {rec_id}")
        return _rec(r)

    @router.post("/recommendations/{rec_id}/position", response_model=RecommendationOut,
                 responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_position(request: Request, rec_id: int, body: PositionIn):  # type: ignore[no-untyped-def]
        """Record the State's position on a recommendation, with the document it comes from."""
        from nmrf.models import Recommendation
        from nmrf.services.console import StaleForm, position_problems, record_position

        who, refused = actor_or_refusal(request, f"record the position on recommendation {rec_id}")
        if refused is not None:
            return refused
        problems = position_problems(position=body.position, source=body.source)
        if problems:
            return _error(422, "invalid", problems)
        try:
            with c.session(actor=who.actor) as s:  # type: ignore[union-attr]
                r = s.get(Recommendation, rec_id)
                if r is None or r.state_id != who.state.id:  # type: ignore[union-attr]
                    return _error(404, f"no recommendation {rec_id}")
                seen = datetime.fromisoformat(body.version) if body.version else None
                record_position(session=s, recommendation=r, position=body.position, source=body.source,
                                now=c.now(), actor=who.actor, expected_updated_at=seen)  # type: ignore[union-attr]
        except (StaleForm, ValueError) as exc:
            return _error(409, str(exc))
        return _rec(r)

    @router.post("/cycles/{cycle_id}/official-date", response_model=OfficialDateOut,
                 responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_official_date(request: Request, cycle_id: int, body: OfficialDateIn):  # type: ignore[no-untyped-def]
        """Set an official date (or, with preview, say what would move and save nothing)."""
        from nmrf.services.console import preview_official_date, version_of
        from nmrf.services.cycles import get_cycle, milestones_of, set_official_date

        who, refused = actor_or_refusal(request, f"set an official date in cycle {cycle_id}")
        if refused is not None:
            return refused
        try:
            day = date.fromisoformat(body.day)
        except ValueError:
            return _error(422, "invalid", [Problem("expected YYYY-MM-DD", field="day")])
        try:
            with c.session(actor=who.actor) as s:  # type: ignore[union-attr]
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)  # type: ignore[union-attr]
                if body.version is not None and body.version != version_of(cycle.updated_at):
                    return _error(409, f"cycle {cycle_id} changed since version {body.version}")
                if body.preview:
                    moved = preview_official_date(session=s, cycle=cycle, key=body.key, day=day, source=body.source,
                                                  now=c.now(), actor=who.actor)  # type: ignore[union-attr]
                    return OfficialDateOut(saved=False, moved=[MovedOut(key=k, title=t, before=b, after=a)
                                                               for k, t, b, a in moved])
                before = {m.key: m.due_date for m in milestones_of(session=s, cycle=cycle)}
                got = set_official_date(session=s, cycle=cycle, key=body.key, day=day, source=body.source,
                                        now=c.now(), actor=who.actor)  # type: ignore[union-attr]
                out = OfficialDateOut(saved=True, moved=[MovedOut(key=m.key, title=m.title, before=before.get(m.key),
                                                                  after=m.due_date) for m in got])
        except NmrfError as exc:
            return _error(422, "invalid", exc.problems)
        return out

    @router.post("/cycles/{cycle_id}/cancel", response_model=CycleOut,
                 responses={409: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_cancel(request: Request, cycle_id: int, body: CancelIn):  # type: ignore[no-untyped-def]
        """Cancel or close a cycle with its reason: its deadlines are cancelled in the feeds, no reminder after."""
        from nmrf.services.console import cancel_cycle, version_of
        from nmrf.services.cycles import get_cycle

        who, refused = actor_or_refusal(request, f"cancel or close cycle {cycle_id}")
        if refused is not None:
            return refused
        try:
            with c.session(actor=who.actor) as s:  # type: ignore[union-attr]
                cycle = get_cycle(session=s, state=who.state, ref=cycle_id)  # type: ignore[union-attr]
                if body.version is not None and body.version != version_of(cycle.updated_at):
                    return _error(409, f"cycle {cycle_id} changed since version {body.version}")
                cancel_cycle(session=s, cycle=cycle, reason=body.reason, now=c.now(), actor=who.actor,  # type: ignore[union-attr]
                             person_id=who.person.id, close=body.close)  # type: ignore[union-attr]
                out = CycleOut(id=cycle.id, title=cycle.title, mechanism=cycle.mechanism, status=cycle.status,  # type: ignore[arg-type]
                               version=version_of(cycle.updated_at))
        except NmrfError as exc:
            return _error(422, "invalid", [Problem(p.message, field="reason") for p in exc.problems])
        return out

    @router.get("/history")
    def api_history(request: Request, actor: str | None = None, table: str | None = None,
                    limit: int = 100) -> Any:
        """The audit history as sentences, newest first."""
        from nmrf.services.console import history_sentences

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            rows = history_sentences(session=s, state=who.state, actor=actor, table=table, limit=min(limit, 1000))
        return [{**r, "at": r["at"].isoformat()} for r in rows]

    @router.get("/outbox")
    def api_outbox(request: Request, status: str | None = None, person: str | None = None) -> Any:
        """The messages, newest first, each with every try on each channel."""
        from nmrf.services.console import outbox_page

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            rows = outbox_page(session=s, state=who.state, status=status, person=person)
        return JSONResponse(_plain(rows), headers=NO_STORE)

    def _follow_up(s, rec) -> FollowUpOut:  # type: ignore[no-untyped-def]
        from nmrf.services.console_followup import follow_up

        fu = follow_up(session=s, recommendation=rec)
        r = fu.responsible
        return FollowUpOut(recommendation_id=rec.id, lead=r.lead.key if r.lead else None,
                           supporting=[i.key for i in r.supporting], level=r.level,
                           actions=[ActionOut(id=a.id, title=a.title, due=a.due_date, status=a.status,  # type: ignore[arg-type]
                                              institution_id=a.institution_id, indicator=a.indicator,
                                              indicator_kind=a.indicator_kind,
                                              updates=[{"at": u.at.isoformat(), "status": u.status, "note": u.note,
                                                        "due": u.due_date.isoformat() if u.due_date else None,
                                                        "by": u.actor} for u in ups])
                                    for a, ups in fu.actions])

    def _follow_act(request: Request, rec_id: int, act: str, work):  # type: ignore[no-untyped-def]
        from nmrf.models import Recommendation

        who, refused = actor_or_refusal(request, f"{act} (recommendation {rec_id})")
        if refused is not None:
            return refused
        try:
            with c.session(actor=who.actor) as s:  # type: ignore[union-attr]
                rec = s.get(Recommendation, rec_id)
                if rec is None or rec.state_id != who.state.id:  # type: ignore[union-attr]
                    return _error(404, f"no recommendation {rec_id}")
                work(s, who, rec)
                return _follow_up(s, rec)
        except NmrfError as exc:
            return _error(422, "invalid", exc.problems)

    @router.get("/recommendations/{rec_id}/follow-up", response_model=FollowUpOut,
                responses={404: {"model": ErrorOut}})
    def api_follow_up(request: Request, rec_id: int):  # type: ignore[no-untyped-def]
        """Who answers for a recommendation and the actions that answer it, with their status history."""
        from nmrf.models import Recommendation

        with c.session(readonly=True) as s:
            who = reader(request, s)
            if who is None:
                return unauthorised
            rec = s.get(Recommendation, rec_id)
            if rec is None or rec.state_id != who.state.id:
                return _error(404, f"no recommendation {rec_id}")
            return _follow_up(s, rec)

    @router.post("/recommendations/{rec_id}/assign", response_model=FollowUpOut,
                 responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_assign(request: Request, rec_id: int, body: AssignIn):  # type: ignore[no-untyped-def]
        """Name the lead and supporting institutions of a recommendation."""
        from nmrf.services.console_followup import assign

        return _follow_act(request, rec_id, "assign institutions", lambda s, who, rec: assign(
            session=s, state=who.state, recommendation=rec, lead=body.lead, supporting=body.supporting,
            now=c.now(), actor=who.actor))

    @router.post("/recommendations/{rec_id}/actions", response_model=FollowUpOut,
                 responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_add_action(request: Request, rec_id: int, body: ActionIn):  # type: ignore[no-untyped-def]
        """Add an action answering a recommendation (a deadline in its cluster's follow-up cycle)."""
        from nmrf.services.console_followup import add_action

        return _follow_act(request, rec_id, "add an action", lambda s, who, rec: add_action(
            session=s, state=who.state, recommendation=rec, title=body.title, due=body.due,
            indicator=body.indicator, indicator_kind=body.indicator_kind, institution=body.institution,
            today=today_of(who.state, c.now()), now=c.now(), actor=who.actor))

    @router.post("/recommendations/{rec_id}/actions/{action_id}", response_model=FollowUpOut,
                 responses={404: {"model": ErrorOut}, 422: {"model": ErrorOut}})
    def api_update_action(request: Request, rec_id: int, action_id: int, body: ActionUpdateIn):  # type: ignore[no-untyped-def]
        """Update an action's status (or its due date, or add a note); each update is kept."""
        from nmrf.services.console_followup import update_action

        return _follow_act(request, rec_id, "update an action", lambda s, who, rec: update_action(
            session=s, state=who.state, action_id=action_id, status=body.status, due=body.due, note=body.note,
            now=c.now(), actor=who.actor))

    return router


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def mount(app, settings: Settings | None = None, *, clock=None, engine=None) -> None:  # type: ignore[no-untyped-def]
    """Add the API and its OpenAPI document (of these routes only: the rest of the server is not an API)."""
    router = make_router(settings, clock=clock, engine=engine)
    app.include_router(router)
    cache: dict[str, Any] = {}

    @app.get(PREFIX + "/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        if "doc" not in cache:
            cache["doc"] = get_openapi(title="nmrf API", version="1", routes=router.routes,
                                       description="What the secretariat's console reads and does. "
                                                   "Authorization: Bearer <token from `nmrf api-token issue`>.")
        return JSONResponse(cache["doc"])
