"""An ASGI layer in front of every route: refuse hostile requests early, log without secrets.

- A query string over a few kilobytes gets 400; a path that is long, holds
  '..', a backslash, NUL or an encoded slash gets 404. Nothing is read from disk,
  so these only keep hostile input away from the routes, and cheap.
- The access log replaces the token in /feeds/... paths and never prints a query
  string; an error is logged by its type and the route, never with the token.
  (uvicorn's own access log, which prints whole paths, is switched off.)
- An exception becomes a plain 500 with no trace in the response.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

log = logging.getLogger("nmrf.server")  # the name `nmrf serve` has always printed

MAX_QUERY = 2048
MAX_PATH = 512
_BAD_PATH = re.compile(r"\.\.|\\|%2e%2e|%2f|%5c|%00|\x00", re.IGNORECASE)
_SECRET_SEGMENT = re.compile(r"^/(feeds|ack|p|console/sign-in)/[^/]+")  # the console's sign-in links too


def redact_path(path: str) -> str:
    """The route a request took with its secret part hidden: /feeds/<token>.ics -> /feeds/[token]."""
    path = path[:MAX_PATH]
    return _SECRET_SEGMENT.sub(lambda m: f"/{m.group(1)}/[token]", path)


async def _plain(send: Any, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app: Any, max_query: int = MAX_QUERY, max_path: int = MAX_PATH) -> None:
        self.app = app
        self.max_query = max_query
        self.max_path = max_path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        raw = scope.get("raw_path") or scope.get("path", "").encode()
        path = scope.get("path", "")
        status = {"code": 0}

        async def tracking_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            if len(scope.get("query_string", b"")) > self.max_query:
                await _plain(tracking_send, 400, "Bad request\n")
            elif len(raw) > self.max_path or _BAD_PATH.search(raw.decode("latin-1")) or _BAD_PATH.search(path):
                await _plain(tracking_send, 404, "Not found\n")
            else:
                await self.app(scope, receive, tracking_send)
        except Exception as exc:  # never a trace to the client, never the token in the log
            log.error("error answering %s %s: %s", scope.get("method"), redact_path(path), type(exc).__name__)
            if status["code"] == 0:
                await _plain(tracking_send, 500, "Internal error\n")
        finally:
            link = scope.get("nmrf.link")
            log.info("%s %s %s %.1fms%s", scope.get("method"), redact_path(path), status["code"],
                     (time.perf_counter() - started) * 1000, f" link #{link}" if link else "")
