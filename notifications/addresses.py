"""Notification addresses (apprise URLs): checked when the profile loads, never shown in full.

A URL may carry a password or a token: everything printed goes through
`redact`, error messages name the scheme, a port number and counts, never the URL
or a part of it (a user, a password, a host, a token), and any text that comes back
from a send (apprise's log lines) goes through `scrub`. The refusals are sentences
of ours (nmrf.domain.i18n.Said): the command line and the console say them in the
reader's language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

from nmrf.domain.i18n import N_, Said

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*)://", re.IGNORECASE)
# Retired channels, with what replaces them (apprise drops such URLs with a log line only).
RETIRED = {
    "msteams": N_("Microsoft retired Teams incoming-webhook connectors; use a Power Automate workflow: "
                  "workflows://..."),
}
# A port longer than this is not shown: a number that long is no port, and may be a secret where a port would sit.
_PORT_SHOWN = 5


# Checked per scheme before apprise sees the URL (apprise accepted port 99999 and dropped a malformed
# recipient with a log line only, so a person was silently unreachable).
_PORT = re.compile(r"^(?:[^/?#@]*@)?(?:\[[^\]]*\]|[^/?#:@]*):(\d+)(?:[/?#]|$)")
_HOSTED = {"mailto", "mailtos", "json", "jsons", "xml", "xmls", "form", "forms", "ntfy", "ntfys", "gotify", "gotifys",
           "matrix", "matrixs", "mmost", "mmosts", "rocket", "rockets"}
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"
                   r"|^\[?[0-9A-Fa-f:.]+\]?$")
_EMAIL = {"mailto", "mailtos"}
_EMAIL_ADDRESS = re.compile(r"^[^@\s<>]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


# Channels a file is attached to. Elsewhere a message carries a download link instead: apprise's JSON,
# form and push plugins would inline the file (base64 in the JSON body, a multipart form, a push-service
# upload with its own size cap), which a webhook or a phone notification does not show as a document.
FILE_SCHEMES = frozenset(_EMAIL)


def carries_files(url: str) -> bool:
    """Whether a file is sent attached on this channel (e-mail), rather than as a link."""
    return scheme_of(url) in FILE_SCHEMES


def scheme_of(url: str) -> str:
    m = _SCHEME.match(url)
    return m.group(1).lower() if m else ""


def check_url(url: str) -> None:
    """Raise ValueError (a Said naming the scheme, a port number or a count, never the URL) unless apprise can
    use it."""
    # Imported here: apprise adds about 0.24 s to a command's start (measured); only checking or sending pays it.
    import apprise

    scheme = scheme_of(url)
    if not scheme:
        raise ValueError(Said(N_("not a notification URL: expected scheme://... (for example mailto://, json://, "
                                 "tgram://)")))
    if scheme in RETIRED:
        raise ValueError(Said.of(N_("%(scheme)s:// is retired: %(why)s"), scheme=scheme, why=Said(RETIRED[scheme])))
    port = _PORT.match(url[len(scheme) + 3:])
    if port and not 1 <= int(port.group(1)) <= 65535:
        if len(port.group(1)) <= _PORT_SHOWN:
            raise ValueError(Said.of(N_("%(scheme)s:// URL: port %(port)s is not a port (1 to 65535)"),
                                     scheme=scheme, port=port.group(1)))
        raise ValueError(Said.of(N_("%(scheme)s:// URL: the port has %(num)s digits; a port is a number from 1 to "
                                    "65535"), scheme=scheme, num=len(port.group(1))))
    obj = apprise.Apprise.instantiate(url)
    if obj is None:
        raise ValueError(Said.of(N_("apprise cannot use this %(scheme)s:// URL (unknown service or malformed; see "
                                    "the apprise documentation for its form)"), scheme=scheme))
    if scheme in _HOSTED and not _HOST.match(getattr(obj, "host", None) or ""):
        raise ValueError(Said.of(N_("%(scheme)s:// URL: no server host name (expected "
                                    "%(scheme)s://[user:password@]host[:port]...)"), scheme=scheme))
    targets = getattr(obj, "targets", None)
    if isinstance(targets, list) and not targets:
        raise ValueError(Said.of(N_("%(scheme)s:// URL: no valid recipient (a malformed address is dropped by "
                                    "apprise; check to=... or the path)"), scheme=scheme))
    if scheme in _EMAIL:
        given = [a for a in re.split(r"[\s,;]+", dict(parse_qsl(urlsplit(url).query)).get("to", "")) if a]
        kept = {str(t[1]).lower() for t in targets or [] if isinstance(t, tuple) and len(t) > 1}
        dropped = [a for a in given if a.lower() not in kept and not _EMAIL_ADDRESS.match(a)]
        if dropped:
            raise ValueError(Said.of(N_("%(scheme)s:// URL: %(num)s recipient(s) in to= are not e-mail addresses"),
                                     scheme=scheme, num=len(dropped)))


@lru_cache(maxsize=4096)
def redact(url: str) -> str:
    """The URL as apprise prints it with privacy on: passwords and tokens masked."""
    # Imported here: apprise adds about 0.24 s to a command's start (measured); only checking or sending pays it.
    import apprise

    obj = apprise.Apprise.instantiate(url)
    if obj is None:
        return f"{scheme_of(url) or 'invalid'}://(hidden)"
    return obj.url(privacy=True)


@lru_cache(maxsize=4096)
def shown(url: str) -> str:
    """Short and safe for a table: the redacted URL without apprise's default options."""
    return unquote(redact(url).split("?", 1)[0]).rstrip("/")


@lru_cache(maxsize=4096)
def secrets_of(url: str) -> tuple[str, ...]:
    """The parts of a URL that its redacted form hides (passwords, tokens, keys)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return (url,)
    shown = unquote(redact(url))
    candidates = {parts.password or "", parts.username or ""}
    candidates.update(seg for seg in parts.path.split("/"))
    candidates.update(v for _, v in parse_qsl(parts.query))
    if "@" not in parts.netloc:
        # tgram://BOT:TOKEN/chat, slack://A/B/C: tokens sit where a host would.
        candidates.add(parts.netloc)
        candidates.update(parts.netloc.split(":"))
    out = set()
    for c in candidates:
        c = unquote(c)
        if len(c) >= 4 and c not in shown:
            out.add(c)
    return tuple(sorted(out, key=len, reverse=True))


def scrub(text: str, *urls: str) -> str:
    """Text with every secret of the given URLs masked."""
    for url in urls:
        if url and url in text:
            text = text.replace(url, redact(url))
        for secret in secrets_of(url):
            text = text.replace(secret, "****")
    return text
