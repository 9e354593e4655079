"""Messages speak to their reader: nobody outside the secretariat is sent a command line; they get a link to
their page, signed and expiring, that dies when the secretariat revokes or rotates the person's link."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from tests.support.notify import INPUT_DUE, make_world, record, sweep
from typer.testing import CliRunner

from nmrf.cli.app import app as cli
from nmrf.domain.i18n import SUPPORTED
from nmrf.notifications.messages import KINDS, render
from nmrf.notifications.page_links import compose_page_link
from nmrf.web.app import create_app
from nmrf.settings import get_settings

ON_TIME = ("foreign-affairs", "justice", "health", "education", "women", "social-development", "statistics",
           "judiciary")
PAGE = "https://nmrf.example.gob.cl/p/eyJsIjoxfQ.c2lnbmF0dXJl"
ITEM = dict(item="Input (Ministry of Labour)", cycle="Periodic report to CEDAW", cycle_id=1, due="d",
            due_short="d", days_left=3, days_late=4, working_days_late=3, owners="Rodrigo Vera", blocks="Draft",
            waiting="Tomás Silva", command="nmrf record input 1 labour --by rodrigo-vera", reason="owner",
            ack={"by": "Rodrigo Vera", "on": "d", "note": "", "promised_by": "d", "lapsed": True},
            ack_url="https://nmrf.example.gob.cl/ack/x", level=2, levels=3, page_url=PAGE)
CONTEXTS = {
    "reminder": ITEM, "escalation": ITEM, "lapse": ITEM,
    "digest": {"count": 2, "window": "week", "page_url": PAGE, "entries": [
        {"item": "Input", "cycle": "CEDAW", "cycle_id": 1, "due": "d", "days_late": 2, "command": ITEM["command"]},
        {"item": "Sign-off", "cycle": "UPR", "cycle_id": 2, "due": "d", "days_late": 0,
         "command": "nmrf record signoff 2 labour"}]},
    "test": {"secretariat": "the NMRF secretariat", "name": "Rodrigo Vera", "label": "email"},
}
# What a stage sends when it opens (the request, the draft to comment, the draft to sign off), as attached
# on e-mail and as linked elsewhere.
OPENING = dict(name="Rodrigo Vera", secretariat="the NMRF secretariat", contact="mnrs@example.gob.cl",
               cycle="Periodic report to CEDAW", institution="Ministry of Labour", due="d", page_url=PAGE,
               acts_for="Minister of Labour", reason="focal point",
               file={"name": "request-1-CEDAW-labour.xlsx", "rows": 3, "language": "Spanish",
                     "url": PAGE + "/workbook/7"})
for _kind in ("request", "comment", "signoff"):
    CONTEXTS[_kind] = {**OPENING, "attached": True}
    CONTEXTS[_kind + " (linked)"] = {**OPENING, "attached": False}
    CONTEXTS[_kind + " (no file)"] = {**OPENING, "attached": True, "file": None}
# The sweep-silent alert and the news of a promise go to the secretariat alone.
SECRETARIAT_ONLY = {"alert", "promise"}


def test_every_kind_of_message_is_covered_here():
    assert set(KINDS) == {k.split(" ")[0] for k in CONTEXTS} | SECRETARIAT_ONLY


@pytest.mark.parametrize("language", SUPPORTED)
@pytest.mark.parametrize("kind", sorted(CONTEXTS))
def test_no_message_to_someone_outside_the_secretariat_names_a_command(kind, language):
    subject, body = render(kind.split(" ")[0], language, CONTEXTS[kind], ref="nmrf-abc123")
    assert "nmrf " not in subject and "nmrf " not in body
    if kind != "test":
        assert PAGE in body  # where they act instead
    subject, body = compose_page_link(language=language, name="Rodrigo Vera", state="Chile",
                                      secretariat="the NMRF secretariat", url=PAGE)
    assert "nmrf " not in subject + body and PAGE in body


def test_the_escalations_people_receive_link_to_their_page_and_the_link_dies_when_revoked(db_url, smtp, http):  # noqa: F811
    w = make_world(db_url, smtp, http)
    for inst in ON_TIME:
        record(w.engine, w.cycle_id, f"input:{inst}", date(2027, 5, 20))
    for day in (date(2027, 5, 18), date(2027, 5, 28), INPUT_DUE, date(2027, 6, 2), date(2027, 6, 8),
                date(2027, 6, 15)):
        sweep(w.engine, day)
    secretariat = {"ana.rojas@example.gob.cl", "tomas.silva@example.gob.cl", "lucia.ortega@example.gob.cl"}
    outside = [m for m in smtp.mails if m.recipients[0] not in secretariat]
    assert outside, "the world sends messages to people outside the secretariat"
    for m in outside:
        assert "nmrf " not in m.subject and "nmrf " not in m.text, (m.recipients, m.text)
    minister = next(m for m in smtp.mails if m.recipients == ["ministro.trabajo@example.gob.cl"])
    url = re.search(r"https?://\S+/p/(\S+)", minister.text).group(1)
    app = create_app(get_settings(), engine=w.engine)
    with TestClient(app) as client:
        page = client.get(f"/p/{url}")
        assert page.status_code == 200 and "Minister of Labour and Social Security" in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        assert client.get(f"/p/{url[:-2]}xx").status_code == 404  # altered: the signature fails
        # The secretariat gives him his own link now: the links already in his mail keep working.
        own = CliRunner().invoke(cli, ["people", "link", "minister-labour"])
        assert own.exit_code == 0, own.output
        secret = re.search(r"/p/([A-Za-z0-9_-]{43})", own.output).group(1)
        assert client.get(f"/p/{secret}").status_code == 200 and client.get(f"/p/{url}").status_code == 200
        got = CliRunner().invoke(cli, ["people", "revoke", "minister-labour", "--note", "left the government"])
        assert got.exit_code == 0, got.output
        assert client.get(f"/p/{url}").status_code == 404 and client.get(f"/p/{secret}").status_code == 404


def test_people_outside_the_secretariat_are_told_who_waits_by_function_and_where_to_write(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    for inst in ON_TIME:
        record(w.engine, w.cycle_id, f"input:{inst}", date(2027, 5, 20))
    for day in (date(2027, 5, 28), INPUT_DUE, date(2027, 6, 2), date(2027, 6, 8)):
        sweep(w.engine, day)
    secretariat = {"ana.rojas@example.gob.cl", "tomas.silva@example.gob.cl", "lucia.ortega@example.gob.cl"}
    outside = [m for m in smtp.mails if m.recipients[0] not in secretariat]
    inside = [m for m in smtp.mails if m.recipients[0] in secretariat]
    assert outside and inside
    for m in outside:
        # The profile's contact (secretariat.contact), the secretariat named as the profile names it.
        assert ("Consultas a Secretariat of the National Mechanism for Reporting and Follow-up: "
                "mnrs@example.gob.cl") in m.text, m.text
        waiting = [line for line in m.text.splitlines() if line.startswith("Lo esperan:")
                   or line.startswith("Waiting for it:")]
        for line in waiting:  # never the officers' own names
            assert "Tomás Silva" not in line and "Ana Rojas" not in line, line
    rodrigo = next(m for m in outside if m.recipients == ["rodrigo.vera@example.gob.cl"])
    assert "Secretariat of the National Mechanism for Reporting and Follow-up" in rodrigo.text
    for m in inside:
        assert "mnrs@example.gob.cl" not in m.text
