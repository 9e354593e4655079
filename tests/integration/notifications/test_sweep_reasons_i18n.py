"""A sweep run in French reports in French why steps reach nobody, and the outbox says why a message went no
further in French too. A real SQLite file, the real sweep, the command line in-process; real SMTP/HTTP sinks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from typer.testing import CliRunner

from nmrf.cli.app import app
from nmrf.domain.clock import moment
from nmrf.domain.i18n import Said, translator
from nmrf.domain.wording import say
from nmrf.models import Address, Cycle, CycleMember, Notification, Person
from nmrf.models.db import session_scope
from nmrf.notifications.notes import NO_ADDRESS
from nmrf.services.cycle_changes import remove_member
from nmrf.services.people import get_person, get_state
from tests.support.english import english_left
from tests.support.notify import TZ, make_world, sweep

RUN = CliRunner()
ENGLISH_REASONS = ("nobody holds it", "nobody left in the cycle holds it", "has no active address",
                   "reach nobody", "the recipient has no active address")


def _cli(*args: str):
    return RUN.invoke(app, list(args), env={"COLUMNS": "300", "LANG": "C.UTF-8"}, catch_exceptions=False)


def _world(db_url, smtp, http):  # type: ignore[no-untyped-def]
    """The example NMRF's CEDAW cycle with three gaps: Labour has no head of unit (nobody holds it), Jorge Núñez
    was taken off the cycle (nobody left holds Health's focal point), the Minister of Labour has no active address."""
    w = make_world(db_url, smtp, http)
    with session_scope(w.engine, actor="ana-rojas") as s:
        state = get_state(session=s)
        jorge = get_person(session=s, state=state, key="jorge-nunez")
        s.add(CycleMember(cycle_id=w.cycle_id, person_id=jorge.id))
        s.flush()
        remove_member(session=s, cycle=s.get(Cycle, w.cycle_id), person=jorge, reason="moved to another ministry",
                      now=moment(date(2027, 5, 1), TZ)[1], actor="ana-rojas")
        minister = get_person(session=s, state=state, key="minister-labour")
        for a in s.execute(select(Address).where(Address.person_id == minister.id)).scalars():
            a.active = False
    return w


def test_a_sweep_in_french_says_in_french_why_steps_reach_nobody(db_url, smtp, http):
    w = _world(db_url, smtp, http)
    fr = translator("fr")
    # The sweep's own result carries each reason as a sentence of ours.
    result = sweep(w.engine, date(2027, 6, 15))
    whys = [u["why"] for u in result["unresolved"]]
    assert whys and all(isinstance(why, Said) for why in whys)
    said = {say(fr, why) for why in whys}
    assert "personne n'occupe ce rôle" in said
    assert "plus personne dans le cycle n'occupe ce rôle (jorge-nunez a quitté le cycle)" in said
    assert "minister-labour n'a aucune adresse active" in said

    french = _cli("--lang", "fr", "sweep", "--as-of", "2027-06-15", "--dry-run")
    assert french.exit_code == 0, french.output
    out = " ".join(french.output.split())
    assert fr.gettext("%(num)s step(s) reach nobody (fix the profile):") % {"num": len(whys)} in out
    assert "head_of_unit : personne n'occupe ce rôle" in out
    assert "owner : plus personne dans le cycle n'occupe ce rôle (jorge-nunez a quitté le cycle)" in out
    assert "minister : minister-labour n'a aucune adresse active" in out
    assert "étape n° " in out and "milestone #" not in out
    for english in ENGLISH_REASONS:
        assert english not in out, f"{english!r} in\n{french.output}"
    assert not english_left(out, {"Chile"}), english_left(out, {"Chile"})

    english = _cli("sweep", "--as-of", "2027-06-15", "--dry-run")
    assert "head_of_unit: nobody holds it" in english.output  # English unchanged
    assert "minister-labour has no active address" in " ".join(english.output.split())


def test_the_outbox_says_in_french_why_a_message_went_no_further(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    with session_scope(w.engine, actor="test") as s:
        rodrigo = s.execute(select(Person).where(Person.key == "rodrigo-vera")).scalar_one()
        for a in s.execute(select(Address).where(Address.person_id == rodrigo.id)).scalars():
            a.active = False
    sweep(w.engine, date(2027, 5, 18))  # the request for information: Rodrigo Vera cannot be reached
    with session_scope(w.engine, readonly=True) as s:
        failed = s.execute(select(Notification.id).where(Notification.status_note == NO_ADDRESS)).scalars().first()
    assert failed is not None
    shown = _cli("--lang", "fr", "outbox", "show", str(failed))
    assert shown.exit_code == 0, shown.output
    assert "(le destinataire n'a aucune adresse active)" in shown.output and NO_ADDRESS not in shown.output


def test_the_consoles_outbox_says_statuses_and_notes_in_the_readers_language(db_url, smtp, http):
    import re

    from fastapi.testclient import TestClient

    from nmrf.web.app import create_app

    w = make_world(db_url, smtp, http)
    sweep(w.engine, date(2027, 5, 18))  # the requests go; the same day's reminders are covered by them
    link = re.search(r"(/console/sign-in/\S+)", _cli("console", "link", "ana-rojas").output).group(1)
    client = TestClient(create_app(engine=w.engine), base_url="https://testserver")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get(link).text).group(1)
    assert client.post(link, data={"csrf": csrf}, follow_redirects=True).status_code == 200
    page = client.get("/console/outbox")
    assert page.status_code == 200
    text = " ".join(re.sub(r"<[^>]+>", " ", page.text).split())
    es = translator("es")  # Ana Rojas reads Spanish
    covered = es.gettext("covered: the item's opening message went the same day")
    assert f"{es.gettext('cancelled')} ({covered})" in text.replace("&#39;", "'"), text[:2000]
    assert "covered: the item" not in text and "<strong>cancelled</strong>" not in page.text
    assert f'<option value="sent">{es.gettext("sent")}</option>' in page.text
