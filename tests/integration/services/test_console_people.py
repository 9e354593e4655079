"""The console's people and institutions on a real database: roles and masked addresses, the roles nobody
holds, and a person's feed and personal-page links issued, rotated and revoked as acts on the record."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from nmrf.calendars.links import find_link
from nmrf.domain.clock import moment
from nmrf.errors import NmrfError
from nmrf.models import AuditEntry, Delivery, FeedLink, Notification, PageLink, Person
from nmrf.models.db import session_scope
from nmrf.profile import EXAMPLE_PROFILE, load_profile
from nmrf.services import console_people as svc
from nmrf.services.pages import find_page_link
from nmrf.services.people import get_person, get_state
from nmrf.services.profiles import apply_profile

pytestmark = pytest.mark.both_databases
NOW = datetime(2027, 9, 20, 15, 0, tzinfo=UTC)
BASE = "https://nmrf.example.gob.cl"


@pytest.fixture
def world(engine):  # type: ignore[no-untyped-def]
    _, now = moment(date(2027, 3, 1), "America/Santiago")
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(EXAMPLE_PROFILE), now=now)
    return engine


def _change(engine, key: str, kind: str, action: str, reason: str = "") -> int | None:  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="ana-rojas") as s:
        return svc.change_link(session=s, state=get_state(session=s), person_key=key, kind=kind, action=action,
                               reason=reason, now=NOW, actor="ana-rojas", public_url=BASE)


def test_the_people_page_lists_each_persons_roles_and_addresses_with_the_mail_password_masked(world):  # type: ignore[no-untyped-def]
    with session_scope(world, readonly=True) as s:
        rows = svc.people_view(session=s, state=get_state(session=s))
    by_key = {r.person.key: r for r in rows}
    ana = by_key["ana-rojas"]
    assert [role for role, _ in ana.roles] == ["head_of_secretariat"]
    assert ana.addresses and all("CHANGE-ME" not in url for _, url in ana.addresses)
    assert any("ana.rojas@example.gob.cl" in url or "smtp.example.gob.cl" in url for _, url in ana.addresses)
    paula = by_key["paula-herrera"]
    assert [(role, inst.key) for role, inst in paula.roles] == [("focal_point", "justice")]
    assert ana.feed is None and ana.page is None


def test_the_check_lists_a_ministry_whose_only_focal_point_left_and_nothing_while_every_role_is_held(world):  # type: ignore[no-untyped-def]
    with session_scope(world, readonly=True) as s:
        assert svc.unheld_roles(session=s, state=get_state(session=s)) == []
    with session_scope(world, actor="test") as s:
        state = get_state(session=s)
        for p in s.exec(select(Person).where(Person.state_id == state.id)):
            if p.key == "paula-herrera" or p.key == "ana-rojas":
                p.active = False
    with session_scope(world, readonly=True) as s:
        missing = svc.unheld_roles(session=s, state=get_state(session=s))
    assert [(inst.key if inst else None, role) for inst, role in missing] == [
        (None, "head_of_secretariat"), ("justice", "focal_point")]


def test_a_page_link_issued_in_the_console_goes_out_in_a_message_and_rotating_it_retires_the_old_one(world):  # type: ignore[no-untyped-def]
    first = _change(world, "paula-herrera", "page", "issue")
    with session_scope(world, readonly=True) as s:
        message = s.get(Notification, first)
        token = message.body.split(BASE + "/p/")[1].split()[0]
        assert find_page_link(session=s, token=token)[1].key == "paula-herrera"
        assert s.exec(select(Delivery).where(Delivery.notification_id == first)).all()  # one per address
        link = s.exec(select(PageLink)).one()
        assert link.created_by == "ana-rojas" and token not in link.token_hash
    second = _change(world, "paula-herrera", "page", "rotate")
    with session_scope(world, readonly=True) as s:
        new = s.get(Notification, second).body.split(BASE + "/p/")[1].split()[0]
        assert find_page_link(session=s, token=token) is None  # the old link opens nothing
        assert find_page_link(session=s, token=new) is not None
    assert _change(world, "paula-herrera", "page", "revoke", reason="left the ministry") is None
    with session_scope(world, readonly=True) as s:
        assert find_page_link(session=s, token=new) is None
        entries = s.exec(select(AuditEntry).where(AuditEntry.table_name == "page_link")).all()
        assert entries and {e.actor for e in entries} == {"ana-rojas"}  # each act under the signed-in person


def test_a_calendar_link_is_issued_to_its_holder_rotated_and_revoked_and_a_revoke_needs_a_reason(world):  # type: ignore[no-untyped-def]
    first = _change(world, "diego-fuentes", "feed", "issue")
    with session_scope(world, readonly=True) as s:
        message = s.get(Notification, first)
        assert message.kind == "feed_link" and message.language == "fr"  # in the reader's language
        token = re.search(BASE.replace(".", r"\.") + r"/\S*?([A-Za-z0-9_-]{43})", message.body).group(1)
        assert find_link(session=s, token=token).holder_id == s.exec(select(Person.id).where(
            Person.key == "diego-fuentes")).one()
        link = s.exec(select(FeedLink)).one()
        assert link.scope == "person" and link.created_by == "ana-rojas" and token not in link.token_hash
    with pytest.raises(NmrfError):
        _change(world, "diego-fuentes", "feed", "issue")  # one active link per feed: rotate instead
    _change(world, "diego-fuentes", "feed", "rotate")
    with session_scope(world, readonly=True) as s:
        assert find_link(session=s, token=token) is None  # rotated: the old link opens nothing
    with pytest.raises(NmrfError) as refused:
        _change(world, "diego-fuentes", "feed", "revoke", reason="  ")
    assert refused.value.problems[0].field == "link-reason"
    _change(world, "diego-fuentes", "feed", "revoke", reason="lost his laptop")
    with session_scope(world, readonly=True) as s:
        links = s.exec(select(FeedLink).order_by(FeedLink.id)).all()
        assert [(x.revoked_reason) for x in links] == ["rotated", "lost his laptop"]
        assert get_person(session=s, state=get_state(session=s), key="diego-fuentes").active
