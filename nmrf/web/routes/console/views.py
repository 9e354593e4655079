"""The console's pages that read: today, cycles, a cycle, recommendations, one recommendation, outbox, history.

GET query parameters are the filters; every page renders on the server and works without JavaScript.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from nmrf.errors import NmrfError
from nmrf.web.routes.console.common import HEADERS, Console, page, to_sign_in, today_of


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() and len(value) < 10 else None


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def common(who) -> dict:  # type: ignore[no-untyped-def]
        return {"sign_out_csrf": c.form_token(str(who.session_id), "sign-out")}

    @router.get("/console")
    def today(request: Request, cycle: str | None = None, mechanism: str | None = None,
              institution: str | None = None, person: str | None = None) -> Response:
        from nmrf.services.console import Filters, today_view

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            filters = Filters(cycle=_int(cycle), mechanism=mechanism or None, institution=institution or None,
                              person=person or None)
            view = today_view(session=s, state=who.state, today=today_of(who.state, c.now()), filters=filters)
        return page("console/today.html", who=who, view=view, filters=filters, **common(who))

    @router.get("/console/cycles")
    def cycles(request: Request) -> Response:
        from nmrf.services.console import cycles_list

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            rows = cycles_list(session=s, state=who.state, today=today_of(who.state, c.now()))
        return page("console/cycles.html", who=who, rows=rows, **common(who))

    @router.get("/console/cycles/{cycle_id}")
    def cycle(request: Request, cycle_id: int) -> Response:
        return show_cycle(c, request, cycle_id)

    @router.get("/console/recommendations")
    def recommendations(request: Request) -> Response:
        from nmrf.domain.i18n import translator
        from nmrf.services import recommendation_table as rt

        params = dict(request.query_params)
        page_number = _int(params.pop("page", None)) or 1
        # A value that cannot be read is not applied: the rows come without it, beside a notice naming the field.
        filters, problems = rt.read_filters(params)
        in_place = request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "recs-results"
        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            table = rt.recommendations_table(session=s, state=who.state, filters=filters, problems=problems,
                                             page=page_number, choices=not in_place,
                                             t=translator(who.person.language, fallback=who.state.language))
        context = recommendations_context(table, params)
        if in_place:
            # htmx asks for the results alone (a filter typed or chosen, a page turned): the same rows, in place.
            shown = page("console/_recs_results.html", who=who, oob=True, **context)
        else:
            shown = page("console/recommendations.html", who=who, **context, **common(who))
        shown.headers["Vary"] = "HX-Request"
        return shown

    @router.get("/console/recommendations/{rec_id}")
    def recommendation(request: Request, rec_id: int) -> Response:
        return show_recommendation(c, request, rec_id)

    @router.get("/console/outbox")
    def outbox(request: Request, status: str | None = None, person: str | None = None) -> Response:
        from nmrf.domain.i18n import translator
        from nmrf.notifications.notes import said_note, status_word
        from nmrf.services.console import outbox_page

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            rows = outbox_page(session=s, state=who.state, status=status or None, person=person or None)
            t = translator(who.person.language, fallback=who.state.language)
        # Statuses and the outbox's own notes in the reader's words (a reason a person typed stays as written).
        for r in rows:
            r["status_word"], r["note"] = status_word(t, r["status"]), said_note(t, r["note"])
            for attempt in r["tries"]:
                attempt["delivery_word"] = status_word(t, attempt["delivery"])
        statuses = [(k, status_word(t, k)) for k in ("pending", "sent", "failed", "cancelled", "digested")]
        return page("console/outbox.html", who=who, rows=rows, chosen_status=status or "", person=person or "",
                    statuses=statuses, **common(who))

    @router.get("/console/history")
    def history(request: Request, actor: str | None = None, table: str | None = None) -> Response:
        from nmrf.services.console import history_sentences

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            from nmrf.domain.i18n import translator

            rows = history_sentences(session=s, state=who.state, actor=actor or None, table=table or None,
                                     t=translator(who.person.language, fallback=who.state.language))
        return page("console/history.html", who=who, rows=rows, actor=actor or "", table=table or "",
                    **common(who))

    @router.get("/console/history.csv")
    def history_csv(request: Request, actor: str | None = None, table: str | None = None) -> Response:
        """The same history, filtered the same way, as a CSV file (UTF-8 with BOM, for spreadsheets)."""
        import csv
        import io

        from nmrf.domain.i18n import translator
        from nmrf.services.console import history_sentences

        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return to_sign_in()
            rows = history_sentences(session=s, state=who.state, actor=actor or None, table=table or None,
                                     limit=100_000, t=translator(who.person.language, fallback=who.state.language))
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["at_utc", "who", "table", "what"])
        for r in rows:
            w.writerow([r["at"].isoformat(), r["actor"], r["table"], r["sentence"]])
        return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={**HEADERS, "Content-Disposition": 'attachment; filename="nmrf-history.csv"'})

    return router


def recommendations_context(table, asked: dict[str, str]) -> dict:  # type: ignore[no-untyped-def]
    """What the recommendations page and its results need besides the table: the form shows what was asked (a
    bad value too, beside its problem); the page links keep the filters that apply; the words of each choice."""
    from nmrf.services import recommendation_table as rt

    return {"table": table, "asked": asked, "query": table.filters.as_query(),
            "errors": {p.field: p.message for p in table.problems}, "defaults": {"sdg_basis": "any", "role": "any"},
            "filter_names": list(rt.PROBLEMS), "status_labels": rt.STATUS_LABELS,
            "position_labels": rt.POSITION_LABELS, "factor_labels": rt.FACTOR_LABELS,
            "factor_values": rt.FACTOR_VALUES, "sdg_bases": rt.SDG_BASES, "roles": rt.ROLES}


def show_cycle(c: Console, request: Request, cycle_id: int, *, status: int = 200, **extra) -> Response:  # type: ignore[no-untyped-def]
    from nmrf.domain.i18n import translator
    from nmrf.services.console import cycle_page, timeline_svg, version_of

    with c.session(readonly=True) as s:
        who = c.who(request, s)
        if who is None:
            return to_sign_in()
        try:
            view = cycle_page(session=s, state=who.state, cycle_id=cycle_id, today=today_of(who.state, c.now()))
        except NmrfError:
            return page("console/not_found.html", who=who, status=404)
    t = translator(who.person.language, fallback=who.state.language)
    svg = timeline_svg(view, title=t.gettext("Timeline of the cycle's deadlines"))
    csrf = {f: c.form_token(str(who.session_id), f"{f}:{cycle_id}")
            for f in ("official-date", "cancel", "record", "join", "remove", "lead-times")}
    people = _people(c, who)
    members, leads = _members_and_leads(c, view.cycle)
    return page("console/cycle.html", who=who, view=view, svg=svg, csrf=csrf, status=status, people=people,
                members=members, leads=leads,
                version=version_of(view.cycle.updated_at),
                sign_out_csrf=c.form_token(str(who.session_id), "sign-out"), **extra)


def _members_and_leads(c: Console, cycle):  # type: ignore[no-untyped-def]
    """The cycle's members (people assigned to it) and its lead times, for the forms that change them."""
    from sqlmodel import select

    from nmrf.models import CycleMember, Person
    from nmrf.services.cycle_changes import lead_times
    from nmrf.services.cycles import milestones_of

    with c.session(readonly=True) as s:
        members = list(s.exec(select(Person).join(CycleMember, CycleMember.person_id == Person.id)
                              .where(CycleMember.cycle_id == cycle.id).order_by(Person.name)))
        leads = lead_times(cycle=cycle, milestones=milestones_of(session=s, cycle=cycle))
    return members, leads


def _people(c: Console, who):  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from nmrf.models import Person

    with c.session(readonly=True) as s:
        return list(s.exec(select(Person).where(Person.state_id == who.state.id, Person.active)
                           .order_by(Person.name)))


def show_recommendation(c: Console, request: Request, rec_id: int, *, status: int = 200, **extra) -> Response:  # type: ignore[no-untyped-def]
    from nmrf.models import Recommendation
    from nmrf.services.console import version_of

    with c.session(readonly=True) as s:
        who = c.who(request, s)
        if who is None:
            return to_sign_in()
        rec = s.get(Recommendation, rec_id)
        if rec is None or rec.state_id != who.state.id:
            return page("console/not_found.html", who=who, status=404)
        from sqlmodel import select

        from nmrf.models import Institution
        from nmrf.services.console_followup import follow_up

        fu = follow_up(session=s, recommendation=rec)
        institutions = list(s.exec(select(Institution).where(Institution.state_id == who.state.id,
                                                             Institution.active).order_by(Institution.name)))
    fcsrf = {f: c.form_token(str(who.session_id), f"{f}:{rec_id}") for f in ("assign", "action", "update")}
    return page("console/recommendation.html", who=who, rec=rec, status=status, fu=fu, institutions=institutions,
                fcsrf=fcsrf,
                csrf=c.form_token(str(who.session_id), f"position:{rec_id}"), version=version_of(rec.updated_at),
                sign_out_csrf=c.form_token(str(who.session_id), "sign-out"), **extra)
