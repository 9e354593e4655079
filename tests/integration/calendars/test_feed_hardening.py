"""The HTTP app under hostile requests (issue 17): headers on every answer, size caps, rate limits on the
secret paths, a CR/LF in a name, and machine-generated requests from the app's own OpenAPI description."""

from __future__ import annotations

import secrets
from urllib.parse import quote
from collections.abc import Iterator

import httpx
import pytest
import vobject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlalchemy import update
from tests.support.feed_worlds import NOW, Clock, World, issue

from nmrf.models import Person
from nmrf.models.db import session_scope
from nmrf.web import create_app
from nmrf.web.run import BackgroundServer
from nmrf.settings import get_settings
from tests.support.tally import count

HEADERS = {"content-security-policy", "x-content-type-options", "referrer-policy"}


def assert_secured(r: httpx.Response) -> None:
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "unsafe-inline" not in csp, r.url
    assert r.headers.get("x-content-type-options") == "nosniff", r.url
    assert r.headers.get("referrer-policy") in ("same-origin", "no-referrer"), r.url
    assert "Traceback" not in r.text and 'File "' not in r.text


@pytest.fixture
def served(world: World) -> Iterator[tuple[World, str]]:
    app = create_app(get_settings(), engine=world.engine, clock=Clock(NOW),
                     security={"max_misses": 5, "max_posts": 3, "window": 60})
    with BackgroundServer(app) as srv:
        yield world, srv.url


def test_every_answer_carries_the_security_headers_and_a_page_cannot_be_framed(served) -> None:
    world, url = served
    token = issue(world.engine, "jorge-nunez")
    with httpx.Client(base_url=url, timeout=10) as c:
        answers = [c.get("/"), c.get("/healthz"), c.get(f"/feeds/{token}.ics"), c.head(f"/feeds/{token}.ics"),
                   c.get("/feeds/nope.ics"), c.get("/nothing-here"), c.get("/ack/not-a-token"),
                   c.get("/feeds/" + "a" * 600 + ".ics"), c.delete("/healthz")]
    for r in answers:
        assert_secured(r)
    assert answers[2].status_code == 200
    # The feed keeps its stricter Referrer-Policy (its URL is the secret).
    assert answers[2].headers["referrer-policy"] == "no-referrer"
    count("http", "headers", len(answers))


def test_a_body_over_the_cap_is_refused_with_413_declared_or_streamed(served) -> None:
    world, url = served
    with httpx.Client(base_url=url, timeout=10) as c:
        declared = c.post("/ack", content=b"token=" + b"a" * 70_000,
                          headers={"content-type": "application/x-www-form-urlencoded"})

        def chunks():  # noqa: ANN202
            for _ in range(20):
                yield b"a" * 8192

        streamed = c.post("/ack", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"})
    assert declared.status_code == 413 and streamed.status_code == 413
    assert_secured(declared)
    assert_secured(streamed)
    count("http", "size", 2)


def test_guessing_links_is_slowed_down_and_a_good_link_from_elsewhere_still_works(served) -> None:
    world, url = served
    token = issue(world.engine, "jorge-nunez")
    with httpx.Client(base_url=url, timeout=10) as c:
        for _ in range(5):
            assert c.get(f"/feeds/{secrets.token_urlsafe(32)}.ics").status_code == 404
        blocked = c.get(f"/feeds/{secrets.token_urlsafe(32)}.ics")
        assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
        assert_secured(blocked)
        assert c.get(f"/ack/{secrets.token_urlsafe(40)}").status_code == 429  # every secret path
        assert c.get("/healthz").status_code == 200  # the rest of the site is not
    count("http", "rate-limit", 8)


def test_a_good_link_polled_often_is_never_limited(served) -> None:
    world, url = served
    token = issue(world.engine, "jorge-nunez")
    with httpx.Client(base_url=url, timeout=10) as c:
        codes = {c.get(f"/feeds/{token}.ics").status_code for _ in range(40)}
    assert codes == {200}


def test_a_carriage_return_in_a_stored_name_cannot_inject_a_property_or_break_a_feed(served) -> None:
    world, url = served
    # A name stored before the profile refused line breaks (the profile loader refuses them now).
    with session_scope(world.engine, actor="test") as s:
        s.execute(update(Person).where(Person.key == "jorge-nunez")
                  .values(name="Jorge\rX-INJECTED:1\r\nBEGIN:VCALENDAR\nMETHOD:CANCEL"))
    token = issue(world.engine, "jorge-nunez")
    r = httpx.get(f"{url}/feeds/{token}.ics", timeout=10)
    assert r.status_code == 200
    body = r.content
    assert b"\rX-INJECTED" not in body and b"\nX-INJECTED" not in body
    lines = body.replace(b"\r\n ", b"").split(b"\r\n")  # unfolded content lines
    assert lines.count(b"BEGIN:VCALENDAR") == 1 and not any(line.startswith(b"X-INJECTED") for line in lines)
    assert all(b"\r" not in line and b"\n" not in line for line in lines)
    [cal] = list(vobject.readComponents(body.decode()))
    assert "x-injected" not in {k.lower() for k in cal.contents}
    parsed = Calendar.from_ical(body)
    assert "X-INJECTED" not in parsed and "Jorge X-INJECTED:1" in str(parsed["NAME"])
    count("feeds", "injection", 1)


# -- machine-generated requests from the app's OpenAPI description (Schemathesis' idea, on Hypothesis) -------


def _operations(app) -> list[tuple[str, str, list[str]]]:  # noqa: ANN001
    """(method, path template, path parameters) of every operation the app describes."""
    out = []
    for path, item in app.openapi()["paths"].items():
        for method, op in item.items():
            params = [p["name"] for p in op.get("parameters", []) if p.get("in") == "path"]
            out.append((method.upper(), path, params))
    return out


_TEXT = st.one_of(st.text(max_size=80), st.text(alphabet=st.characters(codec="ascii"), max_size=300),
                  st.sampled_from(["", ".", "..", "%00", "%2e%2e", "a/b", "\\", "\u2028", "\x00", "' OR 1=1 --",
                                   "<script>", "=cmd|' /C calc'!A0", "A" * 2000, "ñ" * 50]))


@pytest.mark.parametrize("limits", [{"max_misses": 10**6, "max_posts": 10**6}])
def test_generated_requests_from_the_openapi_description_never_get_a_500_a_trace_or_missing_headers(
        world: World, limits) -> None:
    app = create_app(get_settings(), engine=world.engine, clock=Clock(NOW), security=limits)
    operations = _operations(app)
    assert {(m, p) for m, p, _ in operations} >= {("GET", "/feeds/{token}.ics"), ("POST", "/feeds/{token}/rotate"),
                                                   ("GET", "/ack/{token}"), ("POST", "/ack")}
    good = issue(world.engine, "jorge-nunez")
    seen: dict[str, int] = {}
    with BackgroundServer(app) as srv, httpx.Client(base_url=srv.url, timeout=20) as c:

        @settings(deadline=None, suppress_health_check=list(HealthCheck))
        @given(op=st.sampled_from(operations), values=st.lists(st.one_of(_TEXT, st.just(good)), min_size=3, max_size=3),
               body=st.one_of(st.none(), st.binary(max_size=2000), st.dictionaries(
                   st.sampled_from(["token", "promised_by", "note", "x"]), _TEXT, max_size=4)),
               header=st.one_of(st.none(), _TEXT))
        def one(op, values, body, header) -> None:  # noqa: ANN001
            method, template, params = op
            path = template
            for name, value in zip(params, values, strict=False):
                path = path.replace("{" + name + "}", quote(value, safe="", errors="surrogatepass"))
            headers = {} if header is None else {"If-None-Match": header.encode("utf-8", "replace")
                                                 .decode("latin-1")[:200]}
            try:
                if isinstance(body, dict):
                    r = c.request(method, path, data=body, headers=headers)
                else:
                    r = c.request(method, path, content=body, headers=headers)
            except (httpx.InvalidURL, httpx.LocalProtocolError, UnicodeEncodeError):
                return  # the client itself refuses to send it: it cannot reach a server either
            seen[template] = seen.get(template, 0) + 1
            assert r.status_code < 500, (method, path, r.status_code, r.text[:200])
            assert_secured(r)
            if r.status_code == 200 and template.endswith(".ics"):
                Calendar.from_ical(r.content)  # whatever was asked, a feed that answers parses

        one()
    total = sum(seen.values())
    count("http", "openapi-fuzz", total)
    print(f"\nHTTP fuzzing: {total} generated requests over {len(seen)} operations: {seen}")
    assert total > 0
