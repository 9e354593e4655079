"""One ASGI middleware for what every page and feed needs: security headers, a request size cap, and rate
limits where a link can be guessed.

- Headers on every response: a Content-Security-Policy that allows nothing but the pages' own inline style (by
  its hash) and forms posting to this site, `frame-ancestors 'none'` (no page can be framed: clickjacking),
  `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin` (a route that sets a stricter one keeps
  it: secret links live in URLs and must not leak through Referer).
- A body larger than `max_body` gets 413, whether it says its length or streams it (forms are a token, a date
  and a note). The upload routes (a workbook or a document handed in from a personal page, a document recorded
  from the console) get the backstop `max_upload` instead: their own streamed caps (nmrf.web.uploads) refuse
  first, with the reason in the reader's language.
- Link guessing: the secret paths (/feeds/..., /ack..., the personal pages /p/...) answer 429 with Retry-After to a client address that
  got more than `max_misses` refusals (404, 400, 409, 410) from them in `window` seconds; a subscribed calendar
  that refreshes with a good link is never counted. POSTs to them (acknowledging, rotating a link: the
  sign-in-like actions) are limited to `max_posts` per window per address. Behind a reverse proxy, run the
  server with uvicorn's --forwarded-allow-ips so that the address is the client's, not the proxy's.

Mounted by the app factory with one line (`app.add_middleware(Security)`).
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from collections import defaultdict, deque
from typing import Any

from nmrf.web.uploads import MAX_UPLOAD

MAX_BODY = 64 * 1024
# A backstop only: the upload routes stream with their own cap (MAX_UPLOAD) and answer a bigger file with the
# reason in the reader's language, so this one sits well above it.
MAX_UPLOAD_BODY = 2 * MAX_UPLOAD
_UPLOAD_PATH = re.compile(r"^/(p/[^/]+/(input|document)/\d+|console/cycles/\d+/record)$")
WINDOW = 60.0
MAX_MISSES = 60
MAX_POSTS = 30
_SECRET_PATH = re.compile(r"^/(feeds|ack|p)(/|$)")  # feeds, acknowledgements, personal pages
_MISS = {400, 404, 409, 410}


def _style_hashes() -> list[str]:
    """The hash of each inline <style> of the pages' templates, for the CSP (no 'unsafe-inline')."""
    from pathlib import Path

    hashes = []
    for template in sorted((Path(__file__).resolve().parent / "templates").glob("*.html")):
        for style in re.findall(r"<style>(.*?)</style>", template.read_text(encoding="utf-8"), re.DOTALL):
            hashes.append(f"'sha256-{base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()}'")
    return sorted(set(hashes)) or ["'none'"]


def content_security_policy() -> str:
    return ("default-src 'none'; style-src " + " ".join(_style_hashes()) + "; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'")


class _Counter:
    """Events per client address in a sliding window (memory bounded by the addresses seen in one window)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.events: dict[str, deque[float]] = defaultdict(deque)
        self.lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        q = self.events[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        if not q:
            del self.events[key]
            return deque()
        return q

    def blocked_for(self, key: str, now: float) -> float:
        """Seconds until `key` may try again (0: now)."""
        with self.lock:
            q = self._trim(key, now)
            return (q[0] + self.window - now) if len(q) >= self.limit else 0.0

    def add(self, key: str, now: float) -> None:
        with self.lock:
            self.events[key].append(now)
            if len(self.events) > 100_000:  # a flood of addresses: forget the quiet ones
                for k in [k for k, q in self.events.items() if q[-1] <= now - self.window]:
                    del self.events[k]


async def _plain(send: Any, status: int, text: str, extra: list[tuple[bytes, bytes]] = ()) -> None:  # type: ignore[assignment]
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(BaseException):  # not Exception: the Guard inside would make it a 500
    pass


class Security:
    def __init__(self, app: Any, *, max_body: int = MAX_BODY, max_upload: int = MAX_UPLOAD_BODY, window: float = WINDOW, max_misses: int = MAX_MISSES,
                 max_posts: int = MAX_POSTS, clock: Any = time.monotonic) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.misses = _Counter(max_misses, window)
        self.posts = _Counter(max_posts, window)
        self.clock = clock
        self.headers = [
            (b"content-security-policy", content_security_policy().encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"same-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = {"yes": False}

        async def secured_send(message: dict) -> None:
            if message["type"] == "http.response.start":
                started["yes"] = True
                have = {k.lower() for k, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *((k, v) for k, v in self.headers if k not in have)]}
                status_seen["code"] = message["status"]
            await send(message)

        status_seen = {"code": 0}
        client = (scope.get("client") or ("unknown", 0))[0]
        path = scope.get("path", "")
        secret = bool(_SECRET_PATH.match(path))
        now = self.clock()
        if secret:
            wait = max(self.misses.blocked_for(client, now),
                       self.posts.blocked_for(client, now) if scope.get("method") == "POST" else 0.0)
            if wait > 0:
                await _plain(secured_send, 429, "Too many requests\n", [(b"retry-after", str(int(wait) + 1).encode())])
                return
            if scope.get("method") == "POST":
                self.posts.add(client, now)
        cap = self.max_upload if scope.get("method") == "POST" and _UPLOAD_PATH.match(path) else self.max_body
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > cap:
                await _plain(secured_send, 413, "Request too large\n")
                return
        received = {"n": 0}

        async def capped_receive() -> dict:
            message = await receive()
            if message["type"] == "http.request":
                received["n"] += len(message.get("body", b""))
                if received["n"] > cap:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, capped_receive, secured_send)
        except _TooLarge:
            if not started["yes"]:
                await _plain(secured_send, 413, "Request too large\n")
        if secret and status_seen["code"] in _MISS:
            self.misses.add(client, now)
