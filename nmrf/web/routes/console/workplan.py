"""The annual workplan in the console: the year's obligations, cycles, deadlines, meetings, actions and pledges,
who answers for each and the estimated costs per currency (the same service as `nmrf workplan YEAR`), with the
workbook and the Word document to download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from nmrf.documents.workplan_files import (
    QUARTERS,
    column_headers,
    row_cells,
    title_of,
    totals_text,
    write_workplan_docx,
    write_workplan_xlsx,
)
from nmrf.domain.i18n import translator
from nmrf.services.workplan import state_workplan
from nmrf.web.routes.console.common import HEADERS, Console, page, to_sign_in, today_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _year(value: str | None, default: int) -> int | None:
    if not value:
        return default
    return int(value) if value.isdigit() and 1945 <= int(value) <= 2200 else None


def make_router(c: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def build(request: Request, year: str | None):  # type: ignore[no-untyped-def]
        with c.session(readonly=True) as s:
            who = c.who(request, s)
            if who is None:
                return None, None, None
            today = today_of(who.state, c.now())
            chosen = _year(year, today.year)
            wp = state_workplan(session=s, state=who.state, year=chosen, today=today) if chosen else None
        return who, wp, translator(who.person.language, fallback=who.state.language)

    @router.get("/console/workplan")
    def workplan(request: Request, year: str | None = None) -> Response:
        who, wp, t = build(request, year)
        if who is None:
            return to_sign_in()
        if wp is None:
            return page("console/workplan.html", who=who, status=400, wp=None, year=year,
                        sign_out_csrf=c.form_token(str(who.session_id), "sign-out"))
        quarters = [(t.gettext(QUARTERS[n]), [row_cells(r, t) for r in rows]) for n, rows in enumerate(wp.quarters)]
        return page("console/workplan.html", who=who, wp=wp, year=wp.year, quarters=quarters,
                    title=title_of(wp, t), headers=column_headers(t),
                    totals=totals_text(wp.totals, t.tag), actual=totals_text(wp.actual, t.tag) if wp.actual else "",
                    sign_out_csrf=c.form_token(str(who.session_id), "sign-out"))

    @router.get("/console/workplan/{year}.{ext}")
    def download(request: Request, year: str, ext: str) -> Response:
        if ext not in ("xlsx", "docx"):
            return Response(status_code=404, headers=HEADERS)
        who, wp, t = build(request, year)
        if who is None:
            return to_sign_in()
        if wp is None:
            return Response(status_code=404, headers=HEADERS)
        if ext == "xlsx":
            body, kind = write_workplan_xlsx(wp, t), XLSX
        else:
            body, kind = write_workplan_docx(wp, t, created=c.now()), DOCX
        return Response(body, media_type=kind, headers={
            **HEADERS, "Content-Disposition": f'attachment; filename="workplan-{wp.year}.{ext}"'})

    return router
