"""Local message sinks on 127.0.0.1: a real SMTP server (aiosmtpd) and a real HTTP endpoint.

The demo starts them to show what was delivered; the tests use them to read the
delivered messages and to make a channel fail (refuse connections, answer 500,
hang past the timeout); the benchmark delivers to them. Both bind port 0: the
system picks a free port.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import threading
import time
import warnings
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult

# aiosmtpd warns about its own legacy attribute on every authenticated session.
warnings.filterwarnings("ignore", message="Session.login_data is deprecated")


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain", "html"))
        return part.get_content() if part is not None else ""


class _NoDelaySMTP(SMTP):
    """aiosmtpd's server, answering each line at once: it writes a multi-line reply (EHLO's) line by
    line, and with Nagle's algorithm on, each line after the first waited for the client's delayed
    acknowledgement (40 ms a message, measured; more than the rest of the conversation)."""

    def connection_made(self, transport: Any) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


class SmtpSink:
    """An SMTP server that keeps every message it accepts. `mode`: ok | fail (451)."""

    def __init__(self, *, password: str | None = None) -> None:
        self.mails: list[Mail] = []
        self.mode = "ok"
        self.password = password
        self._lock = threading.Lock()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="smtp-sink", daemon=True)
        self._server: Any = None

    # aiosmtpd handler hooks
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.mode == "fail":
            return "451 4.3.0 try again later"
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        with self._lock:
            self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> Any:
        ok = self.password is not None and getattr(auth_data, "password", b"") == self.password.encode()
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpSink:
        kwargs: dict[str, Any] = {"hostname": "nmrf-sink"}
        if self.password is not None:
            kwargs.update(authenticator=self._authenticate, auth_require_tls=False)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            self._loop.create_server(lambda: _NoDelaySMTP(self, **kwargs), sock=self._sock), self._loop)
        self._server = future.result(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            self._server.close()
            await self._server.wait_closed()

        if self._server is not None:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def clear(self) -> None:
        with self._lock:
            self.mails.clear()

    def url(self, to: str, *, sender: str = "nmrf@localhost", user: str | None = None) -> str:
        """The apprise URL that delivers to this sink."""
        auth = f"{user}:{self.password}@" if user and self.password else ""
        return f"mailto://{auth}127.0.0.1:{self.port}?to={to}&from={sender}&mode=insecure"

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class Post:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float
    answered: int | None = None  # the status the sink answered (None: it hung)

    @property
    def idempotency_key(self) -> str | None:
        return self.body.get("idempotency_key") or self.headers.get("idempotency-key")


@dataclass
class _Behaviour:
    mode: str = "ok"  # ok | fail (500) | hang
    delay: float = 0.0  # seconds before answering, in every mode
    hang_seconds: float = 30.0
    posts: list[Post] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    reading: int = 0  # requests being read right now


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-request (a killed sweep, a timeout) is expected here


class HttpSink:
    """An HTTP endpoint that keeps every JSON body posted to it.

    `mode`: ok | fail (answers 500) | hang (answers after `hang_seconds`);
    `refuse()` closes the port so connections are refused, `accept()` reopens it.
    """

    def __init__(self) -> None:
        self._b = _Behaviour()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def posts(self) -> list[Post]:
        with self._b.lock:
            return list(self._b.posts)

    @property
    def mode(self) -> str:
        return self._b.mode

    @mode.setter
    def mode(self, value: str) -> None:
        assert value in ("ok", "fail", "hang")
        self._b.mode = value

    @property
    def delay(self) -> float:
        return self._b.delay

    @delay.setter
    def delay(self, value: float) -> None:
        self._b.delay = value

    @property
    def hang_seconds(self) -> float:
        return self._b.hang_seconds

    @hang_seconds.setter
    def hang_seconds(self, value: float) -> None:
        self._b.hang_seconds = value

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        behaviour = self._b

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_POST(self) -> None:  # noqa: N802
                with behaviour.lock:
                    behaviour.reading += 1
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    raw = self.rfile.read(length)
                finally:
                    with behaviour.lock:
                        behaviour.reading -= 1
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"raw": raw.decode("utf-8", "replace")}
                post = Post(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time())
                with behaviour.lock:
                    behaviour.posts.append(post)
                if behaviour.delay:
                    time.sleep(behaviour.delay)
                if behaviour.mode == "hang":
                    time.sleep(behaviour.hang_seconds)
                status = 500 if behaviour.mode == "fail" else 200
                payload = b'{"ok": false}' if status == 500 else b'{"ok": true}'
                post.answered = status
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up waiting

        return Handler

    def start(self) -> HttpSink:
        server = _QuietServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="http-sink", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def refuse(self) -> None:
        """Close the port: connections are refused until `accept()`."""
        self.stop()

    def accept(self) -> None:
        self.start()

    def url(self, path: str = "/hook") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def keys(self) -> list[str]:
        return [p.idempotency_key for p in self.posts if p.idempotency_key]

    def clear(self) -> None:
        with self._b.lock:
            self._b.posts.clear()

    def settle(self, quiet: float = 0.2, timeout: float = 10.0) -> None:
        """Wait until every request that reached the sink is recorded and none came for `quiet` s."""
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            with self._b.lock:
                count, reading = len(self._b.posts), self._b.reading
            if count == seen and not reading:
                return
            seen = count
            time.sleep(quiet)

    def __enter__(self) -> HttpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
