"""Messages in the recipient's language, and the apprise adapter's own rules."""

from __future__ import annotations

from datetime import date

from nmrf.notifications.messages import format_date, render, role_label
from nmrf.notifications.sender import Outgoing, send
from nmrf.testing.sinks import HttpSink

CONTEXT = dict(item="Input (Ministry of Labour)", cycle="Periodic report to CEDAW", cycle_id=1, due="d", due_short="d",
               days_left=3, days_late=1, working_days_late=1, owners="Rodrigo Vera", blocks="", waiting="",
               command="nmrf record input 1 labour", reason="owner", ack=None, ack_url=None, level=1, levels=3)


def test_dates_read_as_each_language_writes_them():
    day = date(2027, 6, 1)
    assert format_date(day, "en") == "Tuesday 1 June 2027"
    assert format_date(day, "es") == "martes 1 de junio de 2027"
    assert format_date(day, "fr") == "mardi 1 juin 2027"
    assert format_date(day, "fr", short=True) == "1 juin 2027"


def test_a_language_without_texts_falls_back_to_english():
    assert render("escalation", "de", CONTEXT) == render("escalation", "en", CONTEXT)
    assert render("escalation", "de-AT", CONTEXT)[0] == "LATE 1 day: Input (Ministry of Labour)"
    # Portuguese has its catalog now (issue 11): a regional tag reads as its language.
    assert render("escalation", "pt-BR", CONTEXT)[0] == "ATRASADO 1 dia: Input (Ministry of Labour)"
    assert role_label("minister", "de") == "minister responsible"


def test_every_message_ends_with_its_reference_and_plurals_agree():
    subject, body = render("escalation", "es", CONTEXT | {"days_late": 2, "working_days_late": 2}, ref="nmrf-abc")
    assert subject == "ATRASADO 2 días: Input (Ministry of Labour)"
    assert "2 días de atraso (2 días hábiles)" in body and body.endswith("ref. nmrf-abc")


def test_templates_run_in_a_sandbox():
    import pytest
    from jinja2.exceptions import SecurityError

    from nmrf.notifications.messages import template_environment as _env

    with pytest.raises(SecurityError):
        _env().from_string("{{ cycle.__class__.__mro__ }}").render(cycle="x")


def test_a_send_that_matches_no_service_is_an_error_not_a_success():
    with HttpSink() as sink:
        base = dict(url=sink.url(), subject="s", body="b", idempotency_key="k1", message_id="<k1@x>", timeout=2.0,
                    tags=("person-a", "channel-chat"))
        assert send(Outgoing(**base, match=("person-a", "channel-chat"))).ok
        missed = send(Outgoing(**base, match=("person-a", "channel-email")))
        assert not missed.ok and missed.status == "NOMATCH"
        assert len(sink.posts) == 1


def test_apprise_transport_retry_is_off_whatever_the_url_says():
    with HttpSink() as sink:
        sink.mode = "fail"
        result = send(Outgoing(url=sink.url() + "?retry=3", subject="s", body="b", idempotency_key="k2",
                               message_id="<k2@x>", timeout=2.0))
        assert not result.ok and len(sink.posts) == 1
