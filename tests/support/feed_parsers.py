"""Read a feed with three independent parsers and say what each understood.

icalendar (what we build with), vobject (PyPI) and ical.js (Mozilla
Thunderbird's parser, run with Node.js from tests/js). Each event is reduced to
what a calendar shows: UID, title, status, SEQUENCE, and start/end as a date or
as a UTC instant in milliseconds (instants, never strings). A floating time is
reported as such, so a test comparing instants fails on it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from tests.support.paths import JS_DIR


@dataclass(frozen=True)
class Seen:
    uid: str
    summary: str
    status: str | None
    sequence: int
    start: tuple
    end: tuple
    stamp: tuple


def _when(value) -> tuple:  # type: ignore[no-untyped-def]
    if value is None:
        return ("none",)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return ("floating", value.isoformat())
        return ("utc", int(value.astimezone(UTC).timestamp() * 1000))
    if isinstance(value, date):
        return ("date", value.isoformat())
    raise TypeError(value)


def read_icalendar(body: bytes) -> list[Seen]:
    from icalendar import Calendar

    cal = Calendar.from_ical(body)
    out = []
    for ev in cal.walk("VEVENT"):
        out.append(Seen(
            uid=str(ev["UID"]), summary=str(ev["SUMMARY"]),
            status=str(ev["STATUS"]) if "STATUS" in ev else None,
            sequence=int(ev.get("SEQUENCE", 0)),
            start=_when(ev.decoded("DTSTART")), end=_when(ev.decoded("DTEND") if "DTEND" in ev else None),
            stamp=_when(ev.decoded("DTSTAMP")),
        ))
    return out


def read_vobject(body: bytes) -> list[Seen]:
    import vobject

    cal = vobject.readOne(body.decode("utf-8"), validate=True)
    out = []
    for ev in getattr(cal, "vevent_list", []):
        out.append(Seen(
            uid=ev.uid.value, summary=ev.summary.value,
            status=ev.status.value if hasattr(ev, "status") else None,
            sequence=int(ev.sequence.value) if hasattr(ev, "sequence") else 0,
            start=_when(ev.dtstart.value), end=_when(ev.dtend.value if hasattr(ev, "dtend") else None),
            stamp=_when(ev.dtstamp.value),
        ))
    return out


def _js_when(value) -> tuple:  # type: ignore[no-untyped-def]
    if value is None:
        return ("none",)
    if "date" in value:
        return ("date", value["date"])
    if "floating" in value:
        return ("floating", value["floating"])
    return ("utc", int(value["utc_ms"]))


def node_available() -> bool:
    return shutil.which("node") is not None and (JS_DIR / "node_modules" / "ical.js").is_dir()


def read_icaljs_many(bodies: list[bytes]) -> list[dict]:
    """One Node.js process for many feeds: [{'props': ..., 'events': [Seen...]}]."""
    if not node_available():
        raise RuntimeError("ical.js is not installed: run `make install` (npm ci in tests/js)")
    with tempfile.TemporaryDirectory(prefix="nmrf-icaljs-") as tmp:
        paths = []
        for i, body in enumerate(bodies):
            path = Path(tmp) / f"feed-{i}.ics"
            path.write_bytes(body)
            paths.append(str(path))
        done = subprocess.run(["node", str(JS_DIR / "read_feeds.mjs"), *paths], capture_output=True, text=True,
                              timeout=120, cwd=JS_DIR)
        if done.returncode != 0:
            raise RuntimeError(f"ical.js failed: {done.stderr[-2000:]}")
        raw = json.loads(done.stdout)
    out = []
    for path in paths:
        feed = raw[path]
        if "error" in feed:
            raise AssertionError(f"ical.js could not read a feed: {feed['error']}")
        events = [Seen(uid=e["uid"], summary=e["summary"], status=e["status"], sequence=int(e["sequence"] or 0),
                       start=_js_when(e["start"]), end=_js_when(e["end"]), stamp=_js_when(e["dtstamp"]))
                  for e in feed["events"]]
        out.append({"props": feed["props"], "events": events})
    return out


def check_serialisation(body: bytes) -> None:
    """CRLF line ends only, every line at most 75 octets, valid UTF-8, continuation lines start with a space."""
    text = body.decode("utf-8")  # raises on bad UTF-8
    assert body.endswith(b"\r\n"), "the feed must end with CRLF"
    assert b"\n" not in body.replace(b"\r\n", b""), "a bare LF"
    assert b"\r" not in body.replace(b"\r\n", b""), "a bare CR"
    lines = body.split(b"\r\n")[:-1]
    for number, line in enumerate(lines, 1):
        assert len(line) <= 75, f"line {number} is {len(line)} octets: {line[:40]!r}..."
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")


def by_uid(events: list[Seen]) -> dict[str, Seen]:
    out = {e.uid: e for e in events}
    assert len(out) == len(events), "a UID appears twice"
    return out


def assert_parsers_agree(bodies: list[bytes]) -> list[list[Seen]]:
    """Every feed read alike by icalendar, vobject and ical.js; returns icalendar's reading of each."""
    js = read_icaljs_many(bodies)
    readings = []
    for body, js_feed in zip(bodies, js, strict=True):
        check_serialisation(body)
        ours = read_icalendar(body)
        assert ours == read_vobject(body), "vobject reads the feed differently from icalendar"
        assert ours == js_feed["events"], "ical.js reads the feed differently from icalendar"
        for e in ours:
            assert e.start[0] != "floating" and e.end[0] != "floating", f"floating time in {e.uid}"
        readings.append(ours)
    return readings
