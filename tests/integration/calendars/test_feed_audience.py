"""Who sees what: owners, signers, attendees, and confidential cycles only for the people assigned."""

from __future__ import annotations

import shlex
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from typer.testing import CliRunner
from tests.support.feed_worlds import LAUNCH, NOW, World

from nmrf.calendars.build import render_feed
from nmrf.calendars.links import Subject, find_link, issue_link
from nmrf.calendars.meetings import cancel_meeting, get_meeting, local_time, move_meeting, schedule_meeting
from nmrf.calendars.queries import Feed, feed_for_link, institution_feed, person_feed, secretariat_feed
from nmrf.cli.app import app
from nmrf.errors import NmrfError
from nmrf.models import Cycle, CycleMember
from nmrf.models.db import session_scope
from nmrf.services.cycles import launch_cycle
from nmrf.services.people import get_institution, get_person, get_state

COMMUNICATION = "AL CHL 1/2027"


def events_of(feed: Feed, now=NOW) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    body = render_feed(feed.spec, feed.items, now=now).body
    out = {}
    for ev in Calendar.from_ical(body).walk("VEVENT"):
        out[str(ev["SUMMARY"])] = {"description": str(ev["DESCRIPTION"]), "sequence": int(ev["SEQUENCE"]),
                                   "status": str(ev["STATUS"]), "start": ev.decoded("DTSTART"), "uid": str(ev["UID"])}
    return out


def person_events(world: World, key: str, now=NOW) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    with session_scope(world.engine, readonly=True) as s:
        person = get_person(session=s, state=get_state(session=s), key=key)
        return events_of(person_feed(session=s, person=person, now=now), now)


def secretariat_events(world: World, now=NOW) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    with session_scope(world.engine, readonly=True) as s:
        return events_of(secretariat_feed(session=s, state=get_state(session=s), now=now), now)


def test_a_focal_points_feed_holds_their_inputs_and_meetings_and_nothing_of_other_ministries(world: World) -> None:
    titles = set(person_events(world, "jorge-nunez"))
    assert "CEDAW: Information from the institution for the report (Ministry of Health)" in titles
    assert "UPR: Information for the national report (Ministry of Health)" in titles
    assert "CEDAW: Focal-point coordination meeting" in titles
    assert "UPR: Validation meeting of the inter-ministerial committee" in titles
    assert not [t for t in titles if "Ministry of Justice" in t or "Ministerial sign-off" in t or "Draft" in t]


def test_a_ministers_feed_holds_what_they_must_sign(world: World) -> None:
    titles = set(person_events(world, "minister-health"))
    assert any(t.startswith("UPR: Ministerial sign-off") and t.endswith("(Ministry of Health)") for t in titles)
    assert "UPR: Validation meeting of the inter-ministerial committee" in titles
    assert not [t for t in titles if "Information" in t]


def test_an_event_says_what_is_due_for_which_report_to_whom_and_how_to_record_it(world: World) -> None:
    ev = person_events(world, "jorge-nunez")["CEDAW: Information from the institution for the report (Ministry of Health)"]
    text = ev["description"]
    assert "Due: Information from the institution for the report (Ministry of Health)" in text
    assert f"For: Periodic report of Chile to CEDAW (cycle #{world.cedaw})" in text
    assert "To: the Secretariat of the National Mechanism for Reporting and Follow-up" in text
    assert "Owed by: The focal point of Ministry of Health: Jorge Núñez" in text
    # Jorge is outside the secretariat: his event says where he hands it in, not a command (issue 12)...
    assert "Hand it in on your personal page: its link is in every message from" in text and "nmrf " not in text
    # ...while the secretariat's feed gives the command that records it for him.
    secretariat = secretariat_events(world)
    assert f"Record it: nmrf record input {world.cedaw} health --by jorge-nunez" in secretariat[
        "CEDAW: Information from the institution for the report (Ministry of Health)"]["description"]
    un = person_events(world, "ana-rojas")
    review = [v for k, v in un.items() if k.startswith("UPR: Review by the UPR Working Group")]
    assert review and "official date (WG calendar)" in review[0]["description"]


@pytest.mark.parametrize(("person", "title_start"), [
    ("jorge-nunez", "CEDAW: Information from the institution for the report (Ministry of Health)"),
    ("minister-health", "CEDAW: Ministerial sign-off"),
    ("lucia-ortega", "CEDAW: Comments of the national human rights institution"),
    ("sofia-castro", "UPR: Comments of parliament"),
    ("tomas-silva", "CEDAW: Draft"),
])
def test_the_record_command_in_an_event_records_that_milestone_when_run(world: World, person: str,
                                                                        title_start: str) -> None:
    before = person_events(world, person)
    [(title, ev)] = [(k, v) for k, v in before.items() if k.startswith(title_start)]
    # The command is the secretariat's (its feed's event for the same item); people outside it act from their
    # page (issue 12), and their own event says so.
    if person != "tomas-silva":
        assert "Record it: nmrf" not in ev["description"] and "personal page" in ev["description"]
        [ev] = [v for v in secretariat_events(world).values() if v["uid"] == ev["uid"]]
    command = next(line for line in ev["description"].splitlines() if line.startswith("Record it: "))
    # Where several people could record it, the shared feed leaves the key to fill in (as its note says).
    command = command.replace("YOUR-KEY", person)
    args = shlex.split(command.removeprefix("Record it: "))
    assert args[0] == "nmrf"
    result = CliRunner().invoke(app, args[1:])
    assert result.exit_code == 0, result.output
    after = person_events(world, person)
    done = after["DONE: " + title]
    assert done["uid"] == ev["uid"] and done["sequence"] == ev["sequence"] + 1
    assert "Status: done on " in done["description"] and "Record it" not in done["description"]


def _launch_communication(world: World, members: list[str]) -> int:
    with session_scope(world.engine, actor="test") as s:
        state = get_state(session=s)
        launched = launch_cycle(session=s, state=state, template="sp_communication_reply", mechanism="SP",
                                dates={"transmitted": date(2027, 3, 5)}, reference=COMMUNICATION,
                                institutions=["justice", "health"], members=members, now=LAUNCH, actor="test")
        return launched.cycle.id


def test_a_confidential_cycle_appears_only_in_the_feeds_of_the_people_assigned(world: World) -> None:
    _launch_communication(world, members=["tomas-silva", "paula-herrera"])
    assert any(t.startswith("SP: Facts from the institution") for t in person_events(world, "paula-herrera"))
    assert any(t.startswith("SP: Draft reply") for t in person_events(world, "tomas-silva"))
    # Jorge's ministry is asked for facts, but Jorge is not assigned; Claire is secretariat, not assigned.
    for outsider in ("jorge-nunez", "claire-dubois", "ana-rojas", "minister-justice"):
        assert not [t for t in person_events(world, outsider) if t.startswith("SP:")], outsider


def test_a_members_feed_never_shows_another_members_confidential_items(world: World) -> None:
    _launch_communication(world, members=["tomas-silva", "paula-herrera"])
    paula = [t for t in person_events(world, "paula-herrera") if t.startswith("SP:")]
    assert paula and all("Ministry of Justice" in t for t in paula)
    assert not [t for t in person_events(world, "tomas-silva") if "Facts from the institution" in t]


def test_shared_feeds_never_show_a_confidential_cycle(world: World) -> None:
    _launch_communication(world, members=["tomas-silva", "paula-herrera"])
    with session_scope(world.engine, readonly=True) as s:
        state = get_state(session=s)
        shared = [secretariat_feed(session=s, state=state, now=NOW),
                  institution_feed(session=s, institution=get_institution(session=s, state=state, key="justice"),
                                   now=NOW)]
        for feed in shared:
            titles = events_of(feed)
            assert titles and not [t for t in titles if t.startswith("SP:") or COMMUNICATION in str(titles[t])]


def test_a_confidential_cycles_own_feed_is_given_only_to_members_and_stops_when_they_leave(world: World) -> None:
    cycle_id = _launch_communication(world, members=["tomas-silva"])
    with session_scope(world.engine, actor="test") as s:
        state = get_state(session=s)
        cycle = s.get(Cycle, cycle_id)
        with pytest.raises(NmrfError, match="confidential"):
            issue_link(session=s, subject=Subject("cycle", get_person(session=s, state=state, key="claire-dubois"),
                                                  cycle=cycle), now=NOW, actor="test")
        _, token = issue_link(session=s, subject=Subject("cycle", get_person(session=s, state=state,
                                                                              key="tomas-silva"), cycle=cycle),
                              now=NOW, actor="test")
    with session_scope(world.engine, readonly=True) as s:
        feed = feed_for_link(session=s, link=find_link(session=s, token=token), now=NOW)
        assert feed is not None and any(t.startswith("SP: ") for t in events_of(feed))
    with session_scope(world.engine, actor="test") as s:
        for row in s.exec(CycleMember.__table__.select().where(CycleMember.cycle_id == cycle_id)):
            s.delete(s.get(CycleMember, row.id))
    with session_scope(world.engine, readonly=True) as s:
        assert feed_for_link(session=s, link=find_link(session=s, token=token), now=NOW) is None


def test_a_meeting_reaches_its_attendees_by_role_and_institution(world: World) -> None:
    with session_scope(world.engine, actor="test") as s:
        schedule_meeting(session=s, state=get_state(session=s), key="plenary", kind="plenary",
                         title="Plenary on the health chapters", starts_at=local_time("2027-04-14 09:30",
                                                                                      "America/Santiago"),
                         minutes=60, timezone="America/Santiago", roles=["focal_point", "secretariat"],
                         institutions=["health", "justice"], now=NOW)
    title = "NMRF: Plenary on the health chapters"
    for person in ("jorge-nunez", "paula-herrera", "tomas-silva", "claire-dubois"):
        assert title in person_events(world, person), person
    for person in ("rodrigo-vera", "minister-health", "pedro-morales", "lucia-ortega"):
        assert title not in person_events(world, person), person
    text = person_events(world, "jorge-nunez")[title]["description"]
    assert "When: Wednesday 14 April 2027, 09:30-10:30 America/Santiago (13:30-14:30 UTC)" in text
    assert "Attendees: focal points of Ministry of Health, Ministry of Justice and Human Rights; " \
           "the NMRF secretariat" in text


def test_a_moved_meeting_keeps_its_uid_and_raises_its_sequence_and_a_cancelled_one_says_so(world: World) -> None:
    with session_scope(world.engine, actor="test") as s:
        schedule_meeting(session=s, state=get_state(session=s), key="consult", kind="consultation",
                         title="Consultation on the draft", starts_at=local_time("2027-04-20 10:00", "America/Santiago"),
                         minutes=120, timezone="America/Santiago", roles=["cso_contact", "secretariat"], now=NOW)
    title = "NMRF: Consultation on the draft"
    first = person_events(world, "pedro-morales")[title]
    with session_scope(world.engine, actor="test") as s:
        meeting = get_meeting(session=s, state=get_state(session=s), key="consult")
        move_meeting(session=s, meeting=meeting, starts_at=local_time("2027-04-21 15:00", "America/Santiago"),
                     minutes=None, timezone="America/Santiago", location="Casa de la Sociedad Civil",
                     now=NOW + timedelta(hours=1))
    moved = person_events(world, "pedro-morales", now=NOW + timedelta(hours=2))[title]
    assert moved["uid"] == first["uid"] and moved["sequence"] == first["sequence"] + 1
    assert moved["start"] != first["start"]
    with session_scope(world.engine, actor="test") as s:
        meeting = get_meeting(session=s, state=get_state(session=s), key="consult")
        cancel_meeting(session=s, meeting=meeting, note="postponed to May", now=NOW + timedelta(hours=3))
    cancelled = person_events(world, "pedro-morales", now=NOW + timedelta(hours=4))["CANCELLED: " + title]
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] == moved["sequence"] + 1
    assert title not in {k.removeprefix("CANCELLED: ") for k in
                         person_events(world, "pedro-morales", now=NOW + timedelta(days=8))}


def test_a_meeting_time_that_does_not_exist_is_refused() -> None:
    with pytest.raises(NmrfError, match="does not exist"):
        local_time("2027-03-28 02:30", "Europe/Brussels")  # clocks go from 02:00 to 03:00


def test_an_inactive_persons_link_stops_working(world: World) -> None:
    from tests.support.feed_worlds import issue

    token = issue(world.engine, "jorge-nunez")
    with session_scope(world.engine, actor="test") as s:
        get_person(session=s, state=get_state(session=s), key="jorge-nunez").active = False
    with session_scope(world.engine, readonly=True) as s:
        assert feed_for_link(session=s, link=find_link(session=s, token=token), now=NOW) is None
