"""The feed routes: GET/HEAD /feeds/{token}.ics, and POST /feeds/{token}/rotate for the link's holder.

Every failure (a malformed, unknown, revoked or retired token) is the same
plain 404: it tells nothing. Outlook desktop's Authorization headers are
ignored, never challenged; the answer never varies on Accept and is never
compressed (gzip broke one Outlook subscription elsewhere).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import PlainTextResponse, Response

from nmrf.calendars.links import feed_urls
from nmrf.calendars.publishing import FeedPublisher

router = APIRouter()

CALENDAR_TYPE = "text/calendar; charset=utf-8"
NOT_FOUND = "Not found\n"


def not_modified(*, if_none_match: str | None, if_modified_since: str | None, etag: str,
                 last_modified: datetime) -> bool:
    """RFC 9110: If-None-Match, when present, decides alone (weak comparison); else If-Modified-Since."""
    if if_none_match is not None:
        tags = [t.strip() for t in if_none_match.split(",")]
        return any(t == "*" or t.removeprefix("W/") == etag for t in tags)
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False  # an unreadable date is ignored, as the RFC asks
        if since is None:
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return last_modified.astimezone(UTC).replace(microsecond=0) <= since
    return False


def _publisher(request: Request) -> FeedPublisher:
    return request.app.state.feeds


def not_found() -> Response:
    return PlainTextResponse(NOT_FOUND, status_code=404)


# HEAD answers as GET does; described once (the schema, built for the tests' fuzzer, is never served).
@router.head("/feeds/{token}.ics", include_in_schema=False)
@router.get("/feeds/{token}.ics")
async def feed(request: Request, token: str) -> Response:
    served = await run_in_threadpool(_publisher(request).get, token)
    if served is None:
        return not_found()
    request.scope["nmrf.link"] = served.link_id
    headers = {
        "ETag": served.etag,
        "Last-Modified": served.http_last_modified,
        # Private: the URL is a secret, no shared cache may keep it; revalidate each time.
        "Cache-Control": "private, no-cache",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if not_modified(if_none_match=request.headers.get("if-none-match"),
                    if_modified_since=request.headers.get("if-modified-since"),
                    etag=served.etag, last_modified=served.last_modified):
        return Response(status_code=304, headers=headers)
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(served.body))
        return Response(b"", headers=headers, media_type=CALENDAR_TYPE)
    return Response(served.body, headers=headers, media_type=CALENDAR_TYPE)


@router.post("/feeds/{token}/rotate")
async def rotate_link(request: Request, token: str) -> Response:
    """The holder retires their link and gets a new one (then subscribes again with it)."""
    new = await run_in_threadpool(_publisher(request).rotate, token, actor="feed link holder")
    if new is None:
        return not_found()
    webcal, web = feed_urls(request.app.state.settings.public_url, new)
    return PlainTextResponse(
        "Your calendar link was replaced; the old one no longer works.\n"
        f"Subscribe again with:\n{webcal}\n{web}\n",
        headers={"Cache-Control": "no-store"},
    )
