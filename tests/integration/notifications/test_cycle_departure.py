"""A member taken off a running cycle who still holds the role (deadlines are owned by role and institution)
gets none of that cycle's reminders, escalations or feed entries; the others holding the role still do; and
when nobody is left, the removal names the deadlines and the sweep reports them. Real sweep, real SMTP sink."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from tests.support.notify import launch_cedaw, load, point_addresses, sweep, write_profile

from nmrf.calendars.queries import person_feed
from nmrf.domain.clock import moment
from nmrf.models import Cycle, CycleMember, Person
from nmrf.models.db import session_scope
from nmrf.services.cycle_changes import remove_member
from nmrf.services.people import get_person, get_state
from tests.support.database import migrated_engine
from tests.support.notify import TZ

INES = "ines.mora@example.gob.cl"
JORGE = "jorge.nunez@example.gob.cl"


def _second_focal_point(data):  # type: ignore[no-untyped-def]
    data["people"].append({"key": "ines-mora", "name": "Inés Mora", "institution": "health", "roles": ["focal_point"],
                           "language": "es", "addresses": [{"label": "email",
                                                            "url": f"mailtos://m:pw@smtp.example.gob.cl?to={INES}"}]})


def _mails(smtp, address: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in smtp.mails if m.recipients == [address]]


def _remove(engine, cycle_id: int, key: str, day: date):  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="ana-rojas") as s:
        state = get_state(session=s)
        return remove_member(session=s, cycle=s.get(Cycle, cycle_id), person=get_person(session=s, state=state, key=key),
                             reason="moved to another ministry", now=moment(day, TZ)[1], actor="ana-rojas")


def test_a_member_taken_off_gets_nothing_of_the_cycle_and_the_other_holder_of_the_role_still_does(
        db_url, smtp, http, tmp_path):  # type: ignore[no-untyped-def]
    engine = migrated_engine(db_url)
    load(engine, write_profile(tmp_path, edit=_second_focal_point))
    point_addresses(engine, smtp, http)
    cycle_id = launch_cedaw(engine)
    with session_scope(engine, actor="test") as s:
        for key in ("jorge-nunez", "ines-mora"):
            s.add(CycleMember(cycle_id=cycle_id, person_id=get_person(session=s, state=get_state(session=s), key=key).id))
    removal = _remove(engine, cycle_id, "jorge-nunez", date(2027, 5, 1))
    assert removal.unowned == []  # Inés still holds the role: nothing is left without someone

    sweep(engine, date(2027, 5, 18))  # the inputs' reminders (due 2027-06-01)
    sweep(engine, date(2027, 6, 15))  # and, the inputs late, the escalations
    assert _mails(smtp, INES), "the other focal point of the ministry still gets the cycle's messages"
    assert not _mails(smtp, JORGE), "who left the cycle gets none of its reminders or escalations"
    with session_scope(engine, readonly=True) as s:
        now = moment(date(2027, 5, 18), TZ)[1]
        jorge = s.execute(select(Person).where(Person.key == "jorge-nunez")).scalar_one()
        ines = s.execute(select(Person).where(Person.key == "ines-mora")).scalar_one()
        # Inés's calendar has the ministry's input and the meetings she attends; Jorge's nothing of the cycle.
        health = [i for i in person_feed(session=s, person=ines, now=now).items if "Ministry of Health" in i.summary]
        assert health and "Inés Mora" in health[0].description and "Jorge" not in health[0].description
        assert person_feed(session=s, person=jorge, now=now).items == []


def test_when_nobody_is_left_the_removal_names_the_deadlines_and_the_sweep_reports_them(db_url, smtp, http):  # type: ignore[no-untyped-def]
    engine = migrated_engine(db_url)
    load(engine)
    point_addresses(engine, smtp, http)
    cycle_id = launch_cedaw(engine)
    with session_scope(engine, actor="test") as s:
        s.add(CycleMember(cycle_id=cycle_id, person_id=get_person(session=s, state=get_state(session=s),
                                                                   key="jorge-nunez").id))
    removal = _remove(engine, cycle_id, "jorge-nunez", date(2027, 5, 1))
    assert [m.key for m in removal.unowned] and all(m.key.endswith(":health") for m in removal.unowned)
    result = sweep(engine, date(2027, 5, 18))
    said = [u["why"] for u in result["unresolved"] if u["target"] == "owner"]
    assert any("jorge-nunez left the cycle" in why for why in said)
    assert not _mails(smtp, JORGE)
