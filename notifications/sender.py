"""Sending one message to one channel through apprise, and saying exactly what happened.

The only place that calls apprise to send. Each send builds its own plugin
object from the address's URL, so one channel's state (apprise's throttle, its
delivered-recipient memory) never leaks into another message, and:

- carries the delivery's idempotency key: as the e-mail's Message-ID (and an
  X-Idempotency-Key header), as an `Idempotency-Key` header and an
  `idempotency_key` field in JSON bodies, and in the text's reference line;
- turns apprise's transport retry off (`retry=0`): a retry after a timeout can
  deliver twice; the outbox is the retry, with back-off and the same key;
- bounds the wait (connect and read timeouts) so a hanging endpoint costs one
  timeout, reported as TIMEOUT;
- attaches the message's files (from memory: the bytes the outbox stored) where
  the channel carries files;
- returns apprise's per-service status (SUCCESS, FAILURE, TIMEOUT, NOMATCH...)
  and its log lines with every secret of the URL masked.
"""

from __future__ import annotations

import contextvars
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from nmrf.notifications.addresses import scheme_of, scrub

_MESSAGE_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("nmrf_message_id", default=None)
_INSTALLED = False


@dataclass(frozen=True)
class OutgoingFile:
    name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Outgoing:
    url: str
    subject: str
    body: str
    idempotency_key: str
    message_id: str  # "<key@domain>"
    data: dict[str, Any] = field(default_factory=dict)  # extra fields for JSON bodies
    timeout: float = 10.0
    # apprise tags the address carries (person-KEY, channel-LABEL, lang-xx), and those a send
    # must match, all of them: a send that reaches no service is NOMATCH, an error.
    tags: tuple[str, ...] = ()
    match: tuple[str, ...] = ()
    # Files to attach (only given for a channel that carries them: notifications.addresses.carries_files).
    files: tuple[OutgoingFile, ...] = ()


@dataclass(frozen=True)
class SendResult:
    ok: bool
    status: str  # SUCCESS | FAILURE | TIMEOUT | NOMATCH | PARTIAL | ERROR
    error: str | None
    elapsed: float


def _install() -> None:
    """Once per process: keep apprise's log lines out of other handlers (we record them,
    scrubbed, per send) and let an e-mail carry our Message-ID.

    apprise's e-mail plugin sets Message-ID itself after the headers we pass (a second
    header would be added, not a replacement), so its module's `make_msgid` is wrapped
    to return ours while one of our sends is running in this context; every other call
    gets apprise's own.
    """
    global _INSTALLED
    if _INSTALLED:
        return
    log = logging.getLogger("apprise")
    log.propagate = False
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())
    # Imported here: apprise adds about 0.24 s to a command's start (measured); only checking or sending pays it.
    import apprise.plugins.email.base as email_base

    original = email_base.make_msgid
    if not getattr(original, "_nmrf", False):
        def make_msgid(*args: Any, **kwargs: Any) -> str:
            return _MESSAGE_ID.get() or original(*args, **kwargs)

        make_msgid._nmrf = True  # type: ignore[attr-defined]
        email_base.make_msgid = make_msgid
    _INSTALLED = True


def _prepare(out: Outgoing) -> Any:
    # Imported here: apprise adds about 0.24 s to a command's start (measured); only checking or sending pays it.
    import apprise
    from apprise.plugins.email.base import NotifyEmail

    obj = apprise.Apprise.instantiate(out.url, tag=list(out.tags) or None)
    if obj is None:
        return None
    obj.retry = 0
    obj.request_rate_per_sec = 0  # one object per message: nothing to pace
    obj.socket_connect_timeout = min(float(obj.socket_connect_timeout or out.timeout), out.timeout)
    obj.socket_read_timeout = out.timeout
    headers = getattr(obj, "headers", None)
    if isinstance(obj, NotifyEmail):
        if isinstance(headers, dict):
            headers["X-Idempotency-Key"] = out.idempotency_key
    elif isinstance(headers, dict):
        headers["Idempotency-Key"] = out.idempotency_key
    extras = getattr(obj, "payload_extras", None)
    if isinstance(extras, dict):
        extras["idempotency_key"] = out.idempotency_key
        if out.data:
            extras["nmrf"] = out.data
    return obj


def send(out: Outgoing) -> SendResult:
    _install()
    # Imported here: apprise adds about 0.24 s to a command's start (measured); only checking or sending pays it.
    import apprise

    started = time.monotonic()
    token = _MESSAGE_ID.set(out.message_id)
    try:
        obj = _prepare(out)
        if obj is None:
            return SendResult(False, "ERROR", f"apprise cannot use this {scheme_of(out.url)}:// URL", 0.0)
        box = apprise.Apprise()
        if not box.add(obj):
            return SendResult(False, "ERROR", f"apprise did not load the {scheme_of(out.url)}:// service", 0.0)
        # The call's own limit only backs up the socket timeouts above. A list holding a
        # tuple: every tag of the tuple must match (a bare tuple would mean any).
        tag = [tuple(out.match)] if out.match else apprise.common.MATCH_ALL_TAG
        attach = None
        if out.files:
            from apprise.attachment.memory import AttachMemory

            attach = apprise.AppriseAttachment()
            for f in out.files:
                attach.add(AttachMemory(content=f.content, name=f.name, mimetype=f.media_type))
        result = box.notify(body=out.body, title=out.subject, body_format=apprise.NotifyFormat.TEXT,
                            timeout=out.timeout * 2 + 5, tag=tag, attach=attach)
        elapsed = time.monotonic() - started
        status = getattr(result.status, "name", str(result.status))
        if bool(result):
            return SendResult(True, status, None, elapsed)
        if status == "FAILURE" and elapsed >= out.timeout * 0.95:
            status = "TIMEOUT"
        lines = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
        error = scrub("; ".join(dict.fromkeys(lines)) or status.lower(), out.url)
        return SendResult(False, status, error[:900], elapsed)
    except Exception as exc:  # a plugin crash is a failed send, never a lost message
        return SendResult(False, "ERROR", scrub(f"{type(exc).__name__}: {exc}", out.url)[:900],
                          time.monotonic() - started)
    finally:
        _MESSAGE_ID.reset(token)
