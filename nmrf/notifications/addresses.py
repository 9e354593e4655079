"""Notification addresses (apprise URLs): checked when the profile loads, never shown in full.

A URL may carry a password or a token; everything printed goes through
`redact`, and error messages name the scheme, never the URL.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)


def scheme_of(url: str) -> str:
    m = _SCHEME.match(url)
    return m.group(1).lower() if m else ""


def check_url(url: str) -> None:
    """Raise ValueError (without echoing the URL) unless apprise can use it."""
    import apprise

    scheme = scheme_of(url)
    if not scheme:
        raise ValueError("not a notification URL: expected scheme://... (for example mailto://, json://, tgram://)")
    if apprise.Apprise.instantiate(url) is None:
        raise ValueError(f"apprise cannot use this {scheme}:// URL (unknown service or malformed; "
                         "see the apprise documentation for its form)")


def redact(url: str) -> str:
    """The URL as apprise prints it with privacy on: passwords and tokens masked."""
    import apprise

    obj = apprise.Apprise.instantiate(url)
    if obj is None:
        return f"{scheme_of(url) or 'invalid'}://(hidden)"
    return obj.url(privacy=True)
