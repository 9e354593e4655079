"""CSRF tokens for the pages' forms: signed (itsdangerous), bound to the link and the form, expiring.

The personal link is already a secret in the URL; the form token adds that a
POST must come from a form this server rendered for this link and this act
within the last hours, so another site cannot make a browser post to it.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeTimedSerializer

MAX_AGE = 12 * 3600
SALT = "nmrf-page-form"


def _serializer(key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt=SALT)


def form_token(key: bytes, *, link_id: int, form: str) -> str:
    return _serializer(key).dumps({"l": link_id, "f": form})


def check_form_token(key: bytes, token: str | None, *, link_id: int, form: str) -> bool:
    if not token:
        return False
    try:
        data = _serializer(key).loads(token, max_age=MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return False
    return isinstance(data, dict) and data.get("l") == link_id and data.get("f") == form
