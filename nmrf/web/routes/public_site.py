"""The public site under /public/, when the State chooses to publish it (profile: publication: site: true).

The same files `nmrf publish site DIR` writes (nmrf.services.publication.public_site),
built in memory and rebuilt when the recommendations, responsibilities, actions or
answers change (a cheap fingerprint query per request). Mount with
`app.include_router(make_router())`.
"""

from __future__ import annotations

import mimetypes
import threading
from datetime import datetime

from fastapi import APIRouter, Request
from sqlalchemy import func
from sqlmodel import select
from starlette.exceptions import HTTPException
from starlette.responses import Response

from nmrf.models.db import session_scope

PREFIX = "/public"
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".html": "text/html; charset=utf-8", ".json": "application/json", ".csv": "text/csv; charset=utf-8"}


def _fingerprint(session, state_id: int) -> tuple:  # type: ignore[no-untyped-def]
    from nmrf.models import FollowUpAction, InputAnswer, Recommendation, Responsibility, State

    rec = session.exec(select(func.count(), func.max(Recommendation.updated_at))
                       .where(Recommendation.state_id == state_id)).one()
    other = tuple(session.exec(select(func.count(), func.max(col))).one() for col in
                  (FollowUpAction.updated_at, InputAnswer.id, Responsibility.at))
    st = session.get(State, state_id)
    return (tuple(rec), other, st.updated_at if st else None)


def make_router(*, clock=None) -> APIRouter:  # type: ignore[no-untyped-def]
    router = APIRouter()
    lock = threading.Lock()
    cache: dict[str, object] = {}

    def site(request: Request) -> dict[str, bytes]:
        from nmrf.domain.clock import today_in
        from nmrf.models import State
        from nmrf.models.types import utcnow
        from nmrf.services.publication import public_site

        engine = request.app.state.engine
        with session_scope(engine, readonly=True) as s:
            state = next((st for st in s.exec(select(State).order_by(State.id))
                          if (st.publication or {}).get("site")), None)
            if state is None:
                raise HTTPException(404)
            key = (state.id, _fingerprint(s, state.id))  # type: ignore[arg-type]
            with lock:
                if cache.get("key") != key:
                    now: datetime = (clock or utcnow)()
                    cache["files"] = public_site(session=s, state=state, today=today_in(state.timezone, now))
                    cache["key"] = key
                return cache["files"]  # type: ignore[return-value]

    @router.get(PREFIX + "/", include_in_schema=False)
    @router.get(PREFIX + "/{path:path}", include_in_schema=False)
    def public(request: Request, path: str = "") -> Response:
        files = site(request)
        rel = path or "index.html"
        if rel.endswith("/"):
            rel += "index.html"
        data = files.get(rel)
        if data is None:
            raise HTTPException(404)
        suffix = "." + rel.rsplit(".", 1)[-1]
        kind = _TYPES.get(suffix) or mimetypes.guess_type(rel)[0] or "application/octet-stream"
        return Response(data, media_type=kind, headers=HEADERS)

    return router
