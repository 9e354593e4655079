"""Acknowledgement links: the GET only shows a page; the POST, with a signed, expiring,
single-purpose token, records who acknowledged what and until when. Served by uvicorn on 127.0.0.1."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from tests.support.notify import (
    at,
    make_world,
    record,
    sweep,
    to_whom,
)
from sqlalchemy import func, select
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.models import Acknowledgement, AuditEntry
from nmrf.models.db import session_scope
from nmrf.notifications.tokens import make_token, signing_key
from nmrf.web.routes.acks import make_router
from nmrf.settings import get_settings

ON_TIME = ("foreign-affairs", "justice", "health", "education", "women", "social-development", "statistics",
           "judiciary")


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(at(date(2027, 6, 9), 10))


@pytest.fixture
def server(db_url, clock) -> Iterator[str]:
    """Our router on our own FastAPI app, served by uvicorn on a free port."""
    web = FastAPI()
    web.include_router(make_router(get_settings(), clock=clock))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(web, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    sock.close()


def _late_labour(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    for inst in ON_TIME:
        record(w.engine, w.cycle_id, f"input:{inst}", date(2027, 5, 20))
    for day in (date(2027, 6, 2), date(2027, 6, 8)):
        sweep(w.engine, day)
    mail = next(m for m in smtp.mails if m.recipients == ["ana.rojas@example.gob.cl"])
    token = re.search(r"/ack/(\S+)", mail.text).group(1)
    return w, token


def _acks(engine) -> int:
    with session_scope(engine, readonly=True) as s:
        return s.execute(select(func.count()).select_from(Acknowledgement)).scalar_one()


def test_opening_the_link_shows_a_confirmation_page_and_records_nothing(db_url, smtp, http, server):
    w, token = _late_labour(db_url, smtp, http)
    for _ in range(3):  # a mail scanner, a preview, the person
        page = httpx.get(f"{server}/ack/{token}")
        assert page.status_code == 200
        # In the language of the person the link was made for (Ana Rojas Muñoz: es), names as written.
        assert "Información de la institución para el informe (Ministry of Labour and Social Security)" in page.text
        assert '<html lang="es" dir="ltr">' in page.text
        assert "method='post'" in page.text and f"value='{token}'" in page.text
        assert page.headers["cache-control"] == "no-store"
    assert _acks(w.engine) == 0


def test_the_post_records_who_acknowledged_and_the_chain_waits_for_the_promise(db_url, smtp, http, server, clock):
    w, token = _late_labour(db_url, smtp, http)
    answer = httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-16",
                                               "note": "seen, input by Wednesday"})
    assert answer.status_code == 200 and "comprometido para el miércoles 16 de junio de 2027 (2027-06-16)" in answer.text
    with session_scope(w.engine, readonly=True) as s:
        ack = s.execute(select(Acknowledgement)).scalar_one()
        assert (ack.actor, ack.via, ack.promised_by, ack.note) == (
            "Ana Rojas Muñoz", "web", date(2027, 6, 16), "seen, input by Wednesday")
        assert ack.at == clock.now
        assert s.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.table_name == "acknowledgement")).scalar_one() == 1
        ack_id = ack.id
    # The minister (due 15 June) waits for the promise; the day after it, the chain resumes
    # and Ana, who promised, is told.
    sweep(w.engine, date(2027, 6, 15))
    assert ("minister-labour", "escalation", "minister#0") not in to_whom(w.engine)
    sweep(w.engine, date(2027, 6, 17))
    assert ("minister-labour", "escalation", "minister#0") in to_whom(w.engine)
    assert ("ana-rojas", "lapse", f"lapse{ack_id}") in to_whom(w.engine)
    minister = next(m for m in smtp.mails if m.recipients == ["ministro.trabajo@example.gob.cl"])
    assert "Ana Rojas Muñoz acusó recibo el miércoles 9 de junio de 2027 («seen, input by Wednesday»)" in minister.text
    assert "ese plazo ya pasó" in minister.text
    # Shown on the command line too.
    out = CliRunner().invoke(cli, ["notify", "acks", "--as-of", "2027-06-17"], env={"COLUMNS": "200"}).output
    assert "Ana Rojas Muñoz" in out and "2027-06-16" in out and "promise passed" in out


def test_a_link_acknowledges_once(db_url, smtp, http, server):
    w, token = _late_labour(db_url, smtp, http)
    assert httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-11"}).status_code == 200
    again = httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-18"})
    assert again.status_code == 409 and "ya se usó" in again.text
    assert _acks(w.engine) == 1


def test_a_used_link_shows_what_was_recorded_by_whom_and_when_not_a_live_form(db_url, smtp, http, server):
    w, token = _late_labour(db_url, smtp, http)
    assert httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-16",
                                              "note": "seen, input by Wednesday"}).status_code == 200
    # Opened again (or the same link in a second message of the day): the record, in Ana's language.
    page = httpx.get(f"{server}/ack/{token}")
    assert page.status_code == 200
    assert "method='post'" not in page.text and f"value='{token}'" not in page.text
    assert "comprometido para el miércoles 16 de junio de 2027 (2027-06-16)" in page.text
    assert "Ana Rojas Muñoz" in page.text and "miércoles 9 de junio de 2027" in page.text  # by whom, when
    assert "seen, input by Wednesday" in page.text and "ya se usó" in page.text
    # Once the item is recorded, the used link still shows the acknowledgement, and that it is done.
    record(w.engine, w.cycle_id, "input:labour", date(2027, 6, 10), by="rodrigo-vera")
    done = httpx.get(f"{server}/ack/{token}")
    assert "method='post'" not in done.text and "Ya está registrado: hecho" in done.text
    assert "comprometido para el miércoles 16 de junio de 2027" in done.text
    assert _acks(w.engine) == 1


def test_a_changed_expired_or_foreign_token_is_refused(db_url, smtp, http, server, clock):
    w, token = _late_labour(db_url, smtp, http)
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert httpx.get(f"{server}/ack/{tampered}").status_code == 400
    assert httpx.post(f"{server}/ack", data={"token": tampered}).status_code == 400
    key = signing_key(get_settings())
    data = {"m": 1, "s": 0, "u": 1}
    other = make_token(key, purpose="feed", data=data, expires_at=clock.now + timedelta(days=1))
    assert httpx.post(f"{server}/ack", data={"token": other}).status_code == 400
    old = make_token(key, purpose="ack", data=data, expires_at=clock.now - timedelta(seconds=1))
    page = httpx.get(f"{server}/ack/{old}")
    assert page.status_code == 410 and "expired" in page.text
    # Nobody known from a refused link: the browser's language among ours.
    french = httpx.get(f"{server}/ack/{old}", headers={"Accept-Language": "fr-SN,fr;q=0.9,en;q=0.5"})
    assert french.status_code == 410 and "Ce lien a expiré" in french.text and 'lang="fr"' in french.text
    assert _acks(w.engine) == 0


def test_a_promise_in_the_past_or_for_an_item_already_done_is_not_recorded(db_url, smtp, http, server):
    w, token = _late_labour(db_url, smtp, http)
    past = httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-01"})
    assert past.status_code == 409 and "ya pasó" in past.text
    record(w.engine, w.cycle_id, "input:labour", date(2027, 6, 9), by="rodrigo-vera")
    done = httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-11"})
    assert done.status_code == 409 and "nada que acusar" in done.text
    assert "Ya está registrado: hecho" in httpx.get(f"{server}/ack/{token}").text
    assert _acks(w.engine) == 0


def test_an_acknowledgement_can_be_recorded_on_the_command_line(db_url, smtp, http):
    w, _ = _late_labour(db_url, smtp, http)
    runner = CliRunner()
    result = runner.invoke(cli, ["notify", "ack", "1", "input:labour", "--by", "rodrigo-vera", "--until",
                                 "2027-06-11", "--note", "seen", "--as-of", "2027-06-09"])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(cli, ["notify", "ack", "1", "input:labour", "--by", "rodrigo-vera", "--until",
                              "2027-06-01", "--as-of", "2027-06-09"])
    assert bad.exit_code == 2 and "already passed" in bad.output
    # The refusals are said in the reader's language.
    french = runner.invoke(cli, ["--lang", "fr", "notify", "ack", "1", "input:labour", "--by", "rodrigo-vera",
                                 "--until", "2030-06-01", "--as-of", "2027-06-09"])
    assert french.exit_code == 2
    assert "la date promise 2030-06-01 est dans plus d'un an" in " ".join(french.output.split())
    assert "more than a year" not in french.output
    assert _acks(w.engine) == 1
    with session_scope(w.engine, readonly=True) as s:
        ack = s.execute(select(Acknowledgement)).scalar_one()
        assert (ack.actor, ack.via, ack.at) == ("Rodrigo Vera", "cli", at(date(2027, 6, 9), 12))


def test_a_promise_is_shown_in_the_plan_and_told_to_the_head_of_the_secretariat_in_her_language(
        db_url, smtp, http, server):
    w, token = _late_labour(db_url, smtp, http)
    runner = CliRunner()
    # Ana Rojas, head of the secretariat, acknowledges herself: nobody to tell.
    assert httpx.post(f"{server}/ack", data={"token": token, "promised_by": "2027-06-16"}).status_code == 200
    assert [k for k in to_whom(w.engine) if k[1] == "promise"] == []
    # Rodrigo Vera, Labour's focal point, promises for Friday 11 June on the command line.
    got = runner.invoke(cli, ["notify", "ack", "1", "input:labour", "--by", "rodrigo-vera", "--until",
                              "2027-06-11", "--note", "firma pendiente", "--as-of", "2027-06-09"])
    assert got.exit_code == 0, got.output
    assert [k for k in to_whom(w.engine) if k[1] == "promise"] == [("ana-rojas", "promise", "promise 2027-06-11")]
    sweep(w.engine, date(2027, 6, 9))
    told = next(m for m in smtp.mails if m.recipients == ["ana.rojas@example.gob.cl"]
                and "Rodrigo Vera acusó recibo" in m.text)
    assert "se comprometió a entregarlo a más tardar el viernes 11 de junio de 2027" in told.text
    assert "Su nota: firma pendiente" in told.text and "nmrf " not in told.text
    # The plan shows the latest promise beside the lateness (`nmrf cycle show`), and says when it is broken.
    shown = runner.invoke(cli, ["cycle", "show", "1", "--as-of", "2027-06-10"]).output
    assert "LATE 9 day(s);" in shown and "(Rodrigo" in shown  # the table folds the promise over lines
    assert _labour_status(w, date(2027, 6, 10)) == "LATE 9 day(s); promised by 2027-06-11 (Rodrigo Vera)"
    assert _labour_status(w, date(2027, 6, 14)) == "LATE 13 day(s); promised by 2027-06-11 (Rodrigo Vera): broken"
    # Rodrigo's own page shows his promise beside the lateness, in Spanish.
    link = runner.invoke(cli, ["people", "link", "rodrigo-vera"])
    assert link.exit_code == 0, link.output
    secret = re.search(r"/p/([A-Za-z0-9_-]{43})", link.output).group(1)
    from fastapi.testclient import TestClient

    from nmrf.web.app import create_app, fixed_clock

    with TestClient(create_app(get_settings(), engine=w.engine, clock=fixed_clock(at(date(2027, 6, 10), 9)))) as c:
        page = c.get(f"/p/{secret}")
    assert page.status_code == 200
    assert "</strong>; comprometido para el 11 de junio de 2027 (Rodrigo Vera)" in page.text
    # And his calendar's event for it.
    from icalendar import Calendar

    from nmrf.calendars.build import render_feed
    from nmrf.calendars.queries import person_feed
    from nmrf.models import Person

    now = at(date(2027, 6, 10), 9)
    with session_scope(w.engine, readonly=True) as s:
        person = s.execute(select(Person).where(Person.key == "rodrigo-vera")).scalar_one()
        feed = person_feed(session=s, person=person, now=now)
    events = [str(ev["DESCRIPTION"]) for ev in Calendar.from_ical(render_feed(feed.spec, feed.items, now=now).body)
              .walk("VEVENT") if "Trabajo" in str(ev["SUMMARY"]) or "Labour" in str(ev["SUMMARY"])]
    assert any("Comprometido para: viernes 11 de junio de 2027 (Rodrigo Vera)" in e for e in events), events


def _labour_status(w, today: date) -> str:
    from nmrf.models import Cycle
    from nmrf.services.plan_rows import cycle_rows

    with session_scope(w.engine, readonly=True) as s:
        rows = cycle_rows(session=s, cycle=s.get(Cycle, w.cycle_id), today=today)
    return next(r.status_text for r in rows if r.key == "input:labour")
