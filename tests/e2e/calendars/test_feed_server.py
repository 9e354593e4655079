"""The feed server on 127.0.0.1, used like a calendar client uses it."""

from __future__ import annotations

import logging
import secrets
import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from icalendar import Calendar
from tests.support.feed_worlds import NOW, Clock, World, issue

from nmrf.calendars.links import find_link, revoke
from nmrf.models import Cycle
from nmrf.models.db import session_scope
from nmrf.web import create_app
from nmrf.web.run import BackgroundServer
from nmrf.services.cycles import record_action, set_official_date
from nmrf.settings import get_settings

INPUT = "CEDAW: Information from the institution for the report (Ministry of Health)"


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def server(world: World, clock: Clock) -> Iterator[BackgroundServer]:
    app = create_app(get_settings(), engine=world.engine, clock=clock)
    with BackgroundServer(app) as srv:
        yield srv


@pytest.fixture
def client(server: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        yield c


def events(body: bytes) -> dict[str, dict]:
    out = {}
    for ev in Calendar.from_ical(body).walk("VEVENT"):
        out[str(ev["SUMMARY"])] = {"uid": str(ev["UID"]), "sequence": int(ev["SEQUENCE"]),
                                   "start": ev.decoded("DTSTART"), "status": str(ev["STATUS"])}
    return out


def test_a_client_subscribes_sees_a_moved_date_and_then_gets_304(world: World, client: httpx.Client,
                                                                 clock: Clock) -> None:
    path = f"/feeds/{issue(world.engine, 'jorge-nunez')}.ics"
    first = client.get(path)
    assert first.status_code == 200
    before = events(first.content)[INPUT]

    moved_to = before["start"] + timedelta(days=9)
    with session_scope(world.engine, actor="test") as s:
        set_official_date(session=s, cycle=s.get(Cycle, world.cedaw), key="input:health", day=moved_to,
                          source="secretariat's note of 12 March", now=NOW + timedelta(hours=1), actor="test")
    clock.moment = NOW + timedelta(hours=2)

    second = client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    after = events(second.content)[INPUT]
    assert after["uid"] == before["uid"]
    assert after["sequence"] > before["sequence"]
    assert after["start"] == moved_to

    third = client.get(path, headers={"If-None-Match": second.headers["etag"]})
    assert third.status_code == 304
    assert third.content == b""
    assert third.headers["etag"] == second.headers["etag"]


def test_a_feed_is_text_calendar_with_validators_and_tolerates_what_clients_send(world: World,
                                                                                 client: httpx.Client) -> None:
    path = f"/feeds/{issue(world.engine, 'jorge-nunez')}.ics"
    plain = client.get(path)
    assert plain.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "content-disposition" not in plain.headers
    assert plain.headers["etag"].startswith('"') and plain.headers["etag"].endswith('"')
    assert parsedate_to_datetime(plain.headers["last-modified"]).tzinfo is not None
    assert "private" in plain.headers["cache-control"]
    # Google's importer sends no Accept; Outlook desktop sends credentials; some clients ask for gzip.
    odd = client.get(path, headers={"Accept": "text/html", "Accept-Encoding": "gzip, deflate",
                                    "Authorization": "Basic dXNlcjpwYXNz", "User-Agent": "Microsoft Outlook 16.0"})
    assert odd.status_code == 200 and odd.content == plain.content
    assert "content-encoding" not in odd.headers and "www-authenticate" not in odd.headers
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == plain.headers["etag"]
    assert int(head.headers["content-length"]) == len(plain.content)


def test_if_modified_since_alone_gets_304_only_when_the_feed_is_truly_unchanged(world: World, client: httpx.Client,
                                                                                clock: Clock) -> None:
    path = f"/feeds/{issue(world.engine, 'jorge-nunez')}.ics"
    with session_scope(world.engine, actor="test") as s:
        record_action(session=s, cycle=s.get(Cycle, world.cedaw), key="input:health", kind="cancelled",
                      note="merged into the Ministry of Social Development's input", now=NOW, actor="test")
    first = client.get(path)
    assert "CANCELLED: " + INPUT in events(first.content)
    since = first.headers["last-modified"]
    assert client.get(path, headers={"If-Modified-Since": since}).status_code == 304

    # A week later the cancelled input leaves the feed: nothing in it changed after `since`,
    # yet the bytes did, so a client asking If-Modified-Since must get them.
    clock.moment = NOW + timedelta(days=8)
    later = client.get(path, headers={"If-Modified-Since": since})
    assert later.status_code == 200
    assert "CANCELLED: " + INPUT not in events(later.content)
    assert parsedate_to_datetime(later.headers["last-modified"]) > parsedate_to_datetime(since)
    assert client.get(path, headers={"If-Modified-Since": later.headers["last-modified"]}).status_code == 304
    # If-None-Match wins: a stale ETag gets the feed even with a fresh date, a fresh one a 304 with an old date.
    stale = client.get(path, headers={"If-None-Match": first.headers["etag"],
                                      "If-Modified-Since": later.headers["last-modified"]})
    assert stale.status_code == 200
    fresh = client.get(path, headers={"If-None-Match": later.headers["etag"], "If-Modified-Since": since})
    assert fresh.status_code == 304


def test_a_revoked_or_rotated_link_gets_the_same_404_as_a_wrong_one(world: World, client: httpx.Client) -> None:
    revoked = issue(world.engine, "jorge-nunez")
    rotating = issue(world.engine, "paula-herrera")
    wrong = client.get(f"/feeds/{secrets.token_urlsafe(32)}.ics")
    assert client.get(f"/feeds/{revoked}.ics").status_code == 200
    with session_scope(world.engine, actor="test") as s:
        revoke(session=s, link=find_link(session=s, token=revoked), now=NOW, actor="test", reason="left the ministry")
    gone = client.get(f"/feeds/{revoked}.ics")
    assert (gone.status_code, gone.content) == (wrong.status_code, wrong.content) == (404, b"Not found\n")

    answer = client.post(f"/feeds/{rotating}/rotate")
    assert answer.status_code == 200
    new_link = next(line for line in answer.text.splitlines() if line.startswith("http://"))
    assert client.get(f"/feeds/{rotating}.ics").content == wrong.content
    assert client.get(httpx.URL(new_link).path).status_code == 200
    assert client.post(f"/feeds/{rotating}/rotate").status_code == 404


HOSTILE_PATHS = [
    "/feeds/abc.ics",
    "/feeds/" + "A" * 42 + "!.ics",
    "/feeds/" + "A" * 44 + ".ics",
    "/feeds/" + "A" * 5000 + ".ics",
    "/feeds/../../etc/passwd",
    "/feeds/%2e%2e/%2e%2e/etc/passwd",
    "/feeds/..%2F..%2Fnmrf.db",
    "/feeds/%00.ics",
    "/feeds/\\..\\nmrf.db",
    "/feeds/",
    "/feeds",
    "/nmrf.db",
    "/docs",
    "/openapi.json",
]


def _raw_get(port: int, target: str) -> tuple[int, bytes]:
    """A request exactly as written (httpx would normalise the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def test_hostile_requests_get_404_or_400_quickly_with_no_trace_and_no_token_in_the_log(
        world: World, server: BackgroundServer, client: httpx.Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    token = issue(world.engine, "jorge-nunez")
    revoked = issue(world.engine, "paula-herrera")
    with session_scope(world.engine, actor="test") as s:
        revoke(session=s, link=find_link(session=s, token=revoked), now=NOW, actor="test", reason="test")
    valid = f"/feeds/{token}.ics"
    targets = HOSTILE_PATHS + [
        f"/feeds/{revoked}.ics",
        f"/feeds/{token}.ics/../../x",
        f"/feeds/{token}",
        valid + "?" + "q=" + "x" * 100_000,
        valid + "?" + "%00" * 1000,
        valid + "?token=%27%20OR%201%3D1--",
    ]
    for target in targets:
        started = time.perf_counter()
        status, body = _raw_get(server.port, target)
        elapsed = time.perf_counter() - started
        if target.startswith(valid + "?token="):
            assert status == 200  # a short query string is ignored
            continue
        assert status in (400, 404), (target[:80], status)
        assert elapsed < 1.0, (target[:80], elapsed)
        assert b"Traceback" not in body and b"File \"" not in body and len(body) < 100
    assert client.get(valid).status_code == 200
    # What the server logged (the test's own HTTP client logs its URLs: not the server's doing).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))
    assert token not in logged and revoked not in logged
    assert "/feeds/[token]" in logged


def test_nmrf_serve_listens_on_127_0_0_1_by_default(world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import os
    import subprocess
    import sys

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = issue(world.engine, "jorge-nunez")
    nmrf = str(Path(sys.executable).parent / "nmrf")
    # No sweep (tests/e2e/test_serve.py is about it): its flow runs would start Prefect's temporary server.
    proc = subprocess.Popen([nmrf, "serve", "--port", str(port), "--sweep-every", "0"],
                            env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/feeds/{token}.ics", timeout=5)
                break
            except httpx.ConnectError:
                assert proc.poll() is None and time.monotonic() < deadline, "nmrf serve did not start"
                time.sleep(0.2)
        assert answer.status_code == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
        listening = [line.split() for line in open("/proc/net/tcp").read().splitlines()[1:]]
        local = {row[1] for row in listening if row[3] == "0A" and int(row[1].split(":")[1], 16) == port}
        assert local == {f"0100007F:{port:04X}"}  # 127.0.0.1, not every interface
    finally:
        proc.terminate()
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert token.encode() not in out + err
