"""Signed, expiring, single-purpose tokens for acknowledgement links.

A token is `payload.signature`: the payload (base64url JSON) names its purpose,
what it is about and when it expires; the signature is an HMAC-SHA256 with the
NMRF's secret key. A link in an e-mail only opens a confirmation page: the
acknowledgement is the POST that carries the token (mail scanners follow links).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nmrf.settings import Settings


class TokenError(Exception):
    """Why a token is refused: `reason` is invalid, expired or purpose."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def signing_key(settings: Settings) -> bytes:
    """NMRF_SECRET_KEY, or a random key kept (0600) in the data folder, made on first use."""
    if settings.secret_key:
        return settings.secret_key.get_secret_value().encode()
    path = Path(settings.home) / "secret.key"
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, purpose: str, payload: str) -> str:
    # 128 bits of HMAC-SHA256 keep links short and are far beyond guessing.
    return _b64(hmac.new(key, f"{purpose}.{payload}".encode(), hashlib.sha256).digest()[:16])


def make_token(key: bytes, *, purpose: str, data: dict[str, Any], expires_at: datetime) -> str:
    body = {"x": int(expires_at.timestamp()), **data}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_sign(key, purpose, payload)}"


def read_token(key: bytes, token: str, *, purpose: str, now: datetime | None = None) -> dict[str, Any]:
    """The token's data, or TokenError. The purpose is part of the signature: a token
    made for anything else never verifies here."""
    payload, _, signature = token.strip().partition(".")
    if not payload or not signature or not hmac.compare_digest(_sign(key, purpose, payload), signature):
        raise TokenError("invalid", "this link is not valid (it may have been cut or changed)")
    try:
        body = json.loads(_unb64(payload))
    except ValueError:
        raise TokenError("invalid", "this link is not valid") from None
    if int(body.get("x", 0)) < (now or datetime.now(UTC)).timestamp():
        raise TokenError("expired", "this link has expired; a newer message carries a new one")
    return body


def token_digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()
