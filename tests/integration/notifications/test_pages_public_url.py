"""Links that work: until the public address is set, messages with links wait in the outbox (held, with the
reason) and the commands that hand out links say so; once it is set, the next sweep sends them with their
links rewritten to it."""

from __future__ import annotations

from datetime import date

from tests.support.notify import INPUT_DUE, make_world, record, settings, sweep
from sqlalchemy import select
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.models import Notification, Person
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE

ON_TIME = ("foreign-affairs", "justice", "health", "education", "women", "social-development", "statistics",
           "judiciary")


def _minister_messages(engine):  # type: ignore[no-untyped-def]
    with session_scope(engine, readonly=True) as s:
        minister = s.execute(select(Person).where(Person.key == "minister-labour")).scalar_one()
        return [(n.status, n.status_note, n.body) for n in s.execute(
            select(Notification).where(Notification.person_id == minister.id)).scalars()]


def test_messages_with_links_wait_for_the_public_address_and_go_out_with_it_once_set(
        db_url, smtp, http, monkeypatch):  # noqa: F811
    monkeypatch.delenv("NMRF_PUBLIC_URL")
    w = make_world(db_url, smtp, http)
    for inst in ON_TIME:
        record(w.engine, w.cycle_id, f"input:{inst}", date(2027, 5, 20))
    for day in (INPUT_DUE, date(2027, 6, 2), date(2027, 6, 8), date(2027, 6, 15)):
        sweep(w.engine, day)
    held = _minister_messages(w.engine)
    assert held and all(status == "held" for status, _, _ in held)
    assert "no public address is set (NMRF_PUBLIC_URL)" in held[0][1]
    assert not [m for m in smtp.mails if m.recipients == ["ministro.trabajo@example.gob.cl"]]
    assert not [m for m in smtp.mails if "127.0.0.1:8765" in m.text], "no link to 127.0.0.1 went out"

    monkeypatch.setenv("NMRF_PUBLIC_URL", "https://nmrf.example.gob.cl")
    result = sweep(w.engine, date(2027, 6, 15))
    assert result["released"] >= 1
    sent = [m for m in smtp.mails if m.recipients == ["ministro.trabajo@example.gob.cl"]]
    assert len(sent) == 1
    assert "https://nmrf.example.gob.cl/p/" in sent[0].text and "https://nmrf.example.gob.cl/ack/" in sent[0].text
    assert "127.0.0.1" not in sent[0].text
    assert all(status == "sent" for status, _, _ in _minister_messages(w.engine))


def test_init_feeds_url_and_people_link_say_plainly_that_the_public_address_is_not_set(db_url, monkeypatch):
    monkeypatch.delenv("NMRF_PUBLIC_URL")
    runner = CliRunner()
    init = runner.invoke(cli, ["init", "--profile", str(EXAMPLE_PROFILE)])
    assert init.exit_code == 0, init.output
    said = " ".join(init.output.split())
    assert "No public address is set" in said and "NMRF_PUBLIC_URL" in said
    feeds = runner.invoke(cli, ["feeds", "url", "jorge-nunez"])
    said = " ".join(feeds.output.split())
    assert feeds.exit_code == 0 and "No public address is set" in said
    assert "Google Calendar and Outlook on the web cannot subscribe to this link until then" in said
    page = runner.invoke(cli, ["people", "link", "jorge-nunez"])
    assert page.exit_code == 0 and "No public address is set" in " ".join(page.output.split())
    monkeypatch.setenv("NMRF_PUBLIC_URL", "https://nmrf.example.gob.cl")
    again = runner.invoke(cli, ["feeds", "url", "jorge-nunez", "--institution", "health"])
    assert again.exit_code == 0 and "No public address" not in again.output
    assert "https://nmrf.example.gob.cl/feeds/" in again.output
