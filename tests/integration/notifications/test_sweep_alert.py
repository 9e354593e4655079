"""The alert that the sweep went silent: its key, its words, and writing it once per window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from nmrf.models import Notification, Person
from nmrf.models.db import session_scope
from nmrf.notifications.alerts import alert_sweep_silent, compose_alert, duration_text, silence_window
from nmrf.testing.sinks import SmtpSink
from tests.support.notify import point_addresses, settings

LAST = datetime(2027, 6, 15, 14, 0, tzinfo=UTC)
HOUR = 3600.0


def test_triggers_within_one_silence_window_share_its_key_and_the_next_window_gets_a_new_one():
    first = silence_window(last_success=LAST, now=LAST + timedelta(minutes=61), window_seconds=HOUR)
    again = silence_window(last_success=LAST, now=LAST + timedelta(minutes=119), window_seconds=HOUR)
    later = silence_window(last_success=LAST, now=LAST + timedelta(minutes=121), window_seconds=HOUR)
    assert first == again == "20270615T140000Z#1"
    assert later == "20270615T140000Z#2"
    # A new successful sweep, then silence again: a new window, even at the same count.
    assert silence_window(last_success=LAST + timedelta(hours=5), now=LAST + timedelta(hours=6, minutes=1),
                          window_seconds=HOUR) != first
    assert silence_window(last_success=None, now=LAST, window_seconds=HOUR).startswith("never#")


def test_the_alert_says_for_how_long_and_since_when_in_the_recipients_language_and_zone():
    subject, body = compose_alert(language="es", timezone="America/Santiago", secretariat="Secretaría",
                                  last_success=LAST, now=LAST + timedelta(minutes=65), window_seconds=HOUR,
                                  dedup_key="k")
    assert subject == "nmrf: ningún barrido desde hace 1 h 05 min"
    assert "2027-06-15 10:00 -04" in body  # 14:00 UTC in Santiago's winter
    assert "ref. nmrf-" in body
    subject, body = compose_alert(language="en", timezone="Europe/Zurich", secretariat="S", last_success=None,
                                  now=LAST, window_seconds=HOUR, dedup_key="k")
    assert subject == "nmrf: no sweep has run for 1 h 00 min" and "has never completed" in body
    assert duration_text(40) == "40 s" and duration_text(720) == "12 min"


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def test_a_repeated_trigger_in_one_window_sends_each_member_of_the_secretariat_one_alert(loaded, smtp):
    point_addresses(loaded, smtp, None)
    now = LAST + timedelta(minutes=61)
    first = alert_sweep_silent(engine=loaded, settings=settings(), last_success=LAST, window_seconds=HOUR, now=now)
    again = alert_sweep_silent(engine=loaded, settings=settings(), last_success=LAST, window_seconds=HOUR,
                               now=now + timedelta(minutes=30))
    assert first["sent"] == 3 and again["messages"] == 0 and again["sent"] == 0
    assert sorted(r for m in smtp.mails for r in m.recipients) == [
        "ana.rojas@example.gob.cl", "claire.dubois@example.gob.cl", "tomas.silva@example.gob.cl"]
    with session_scope(loaded, readonly=True) as s:
        rows = s.execute(select(Person.key, Notification.status).join(Person, Person.id == Notification.person_id)
                         .where(Notification.kind == "alert")).all()
    assert sorted(rows) == [("ana-rojas", "sent"), ("claire-dubois", "sent"), ("tomas-silva", "sent")]
    # An hour later, still silent: one more each.
    later = alert_sweep_silent(engine=loaded, settings=settings(), last_success=LAST, window_seconds=HOUR,
                               now=now + timedelta(hours=1))
    assert later["sent"] == 3
