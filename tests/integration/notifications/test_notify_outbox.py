"""Reminders and escalations end to end: a real SQLite file, a real SMTP server and a real HTTP
endpoint on 127.0.0.1, the example NMRF's CEDAW cycle with the Ministry of Labour late."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from tests.support.notify import (
    INPUT_DUE,
    at,
    make_world,
    outbox,
    record,
    settings,
    sweep,
    to_whom,
    write_profile,
)
from sqlalchemy import select

from nmrf.models import Delivery, DeliveryAttempt, Notification
from nmrf.models.db import session_scope

ON_TIME = ("foreign-affairs", "justice", "health", "education", "women", "social-development", "statistics",
           "judiciary")


def _inputs_in(world, day=date(2027, 5, 20)) -> None:
    for inst in ON_TIME:
        record(world.engine, world.cycle_id, f"input:{inst}", day)


@pytest.mark.both_databases
def test_reminders_come_14_and_3_days_before_and_on_the_day_then_the_escalation_climbs_to_the_minister(
        db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    sweep(w.engine, date(2027, 5, 18))  # 14 days before
    _inputs_in(w)
    for day in (date(2027, 5, 28), INPUT_DUE, date(2027, 6, 2), date(2027, 6, 8), date(2027, 6, 15)):
        sweep(w.engine, day)
    labour = [(who, kind, step) for who, kind, step in to_whom(w.engine)
              if who in ("rodrigo-vera", "ana-rojas", "minister-labour")]
    assert labour == [
        # The first sweep opens the inputs: the request for information goes out, and says what the 14-day
        # reminder of the same day would (written, never sent: one message per person per item per day).
        ("rodrigo-vera", "request", "request"),
        ("rodrigo-vera", "reminder", "r14d"),
        ("rodrigo-vera", "reminder", "r3d"),  # 29 May is a Saturday: Friday 28 May
        ("rodrigo-vera", "reminder", "r0d"),
        ("rodrigo-vera", "escalation", "overdue#0"),  # 1 working day late
        ("ana-rojas", "escalation", "secretariat#0"),  # 5 working days: the head of the secretariat
        ("minister-labour", "escalation", "minister#0"),  # 10 working days: the minister
    ]
    minister = [m for m in smtp.mails if m.recipients == ["ministro.trabajo@example.gob.cl"]]
    assert len(minister) == 1
    text = minister[0].text
    # Spanish (the minister's language), short and factual.
    # The title in Spanish too (issue 11: no English title inside a Spanish frame).
    assert minister[0].subject.startswith("ATRASADO 14 días: Información de la institución para el informe")
    assert "Ministry of Labour and Social Security" in text
    assert "Vencía el martes 1 de junio de 2027: 14 días de atraso (10 días hábiles)" in text
    assert "Corresponde a Rodrigo Vera" in text
    assert "Retrasa: Proyecto de informe compilado a partir de las contribuciones" in text  # what it blocks
    # Who is waiting: for the minister, outside the secretariat, the secretariat by function with its contact
    # address (issue 12); the head of the secretariat reads her officer's name (asserted below).
    assert "Lo esperan: Secretariat of the National Mechanism for Reporting and Follow-up." in text
    assert "Consultas a Secretariat of the National Mechanism for Reporting and Follow-up: mnrs@example.gob.cl" in text
    # How to act on it (issue 12): a minister gets a link to his page, never a command line; the head of the
    # secretariat, who records on people's behalf, still gets the command.
    assert "/p/" in text and "nmrf record" not in text
    assert "/ack/" in text
    head = next(m for m in smtp.mails if "ana.rojas" in m.recipients[0] and "ATRASADO" in m.subject)
    assert "nmrf record input 1 labour --by rodrigo-vera" in head.text  # the command to record it
    assert "Lo esperan:" in head.text and "Tomás Silva" in head.text  # who is waiting, by name inside


def test_every_message_carries_its_idempotency_key_as_message_id_and_in_json(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    sweep(w.engine, date(2027, 5, 18))
    keys = {d.idempotency_key: d.label for _, ds in outbox(w.engine) for d in ds}
    assert smtp.mails and http.posts
    for m in smtp.mails:
        assert len(m.message.get_all("Message-ID")) == 1
        key = m.message_id.strip("<>").split("@")[0]
        assert keys[key] == "email"
        assert m.message["X-Idempotency-Key"] == key
    for p in http.posts:  # Camila Reyes's chat channel
        assert p.body["idempotency_key"] == p.headers["idempotency-key"]
        assert keys[p.body["idempotency_key"]] == "chat"
        # The first sweep opens the inputs: the request for information (it says what that day's reminder would).
        assert p.body["nmrf"]["kind"] == "request"


@pytest.mark.both_databases
def test_sweeping_again_and_again_sends_nothing_twice(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    for _ in range(3):
        result = sweep(w.engine, date(2027, 5, 18))
    assert result["created"] == 0 and result["sent"] == 0
    ids = [m.message_id for m in smtp.mails]
    assert len(ids) == len(set(ids)) == 9  # nine focal points owe an input
    assert len(http.posts) == 1


def test_recording_the_input_stops_the_escalation_even_a_message_already_waiting(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    _inputs_in(w)
    # 2 June, 23:00 in Santiago: the first escalation is decided at once and held by quiet hours; so is
    # the request for information (this first sweep opens the input, late).
    result = sweep(w.engine, now=at(date(2027, 6, 2), 23))
    assert result["created"] == 1 and result["held"] == 1 and result["sent"] == 0
    assert result["stage_messages"] == 1
    record(w.engine, w.cycle_id, "input:labour", date(2027, 6, 3), by="rodrigo-vera")
    result = sweep(w.engine, now=at(date(2027, 6, 3), 9))
    assert result["sent"] == 0 and result["cancelled"] == 2  # the escalation and the request, both stale now
    for kind in ("escalation", "request"):
        (n, [d]), = [(n, ds) for n, ds in outbox(w.engine) if n.kind == kind]
        assert n.status == "cancelled" and "done" in n.status_note and d.status == "cancelled"
    for day in (date(2027, 6, 8), date(2027, 6, 15), date(2027, 7, 1)):
        assert sweep(w.engine, day)["created"] == 0
    assert not smtp.mails


def test_quiet_hours_hold_delivery_to_the_morning_in_the_recipients_own_zone(db_url, smtp, http, tmp_path):
    # Claire Dubois (secretariat, Geneva, quiet 19:00-08:00) owes the draft in this profile.
    profile = write_profile(tmp_path, notifications={"digest": {"window": "off"}})
    w = make_world(db_url, smtp, http, profile)
    from nmrf.models import Milestone

    sweep(w.engine, date(2027, 4, 1))  # the request for information goes out, the inputs open
    _inputs_in(w)
    record(w.engine, w.cycle_id, "input:labour", date(2027, 5, 20))
    smtp.clear()
    with session_scope(w.engine) as s:
        draft = s.execute(select(Milestone).where(Milestone.cycle_id == w.cycle_id,
                                                  Milestone.key == "draft")).scalar_one()
        draft.status = "open"
        due = draft.due_date
    # The reminder 3 days before, decided at 21:00 in Geneva: written now, held until 08:00 Geneva.
    day = due - timedelta(days=3)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    evening = at(day, 21, tz="Europe/Zurich")
    result = sweep(w.engine, now=evening)
    assert result["created"] >= 2 and result["held"] >= 1
    claire = [(n, ds) for n, ds in outbox(w.engine) if n.step == "r3d" and n.data["recipient"] == "claire-dubois"]
    (n, [d]), = claire
    assert d.status == "pending" and d.next_attempt_at == at(day + timedelta(days=1), 8, tz="Europe/Zurich")
    assert not [m for m in smtp.mails if "claire" in m.recipients[0]]
    # Tomás Silva (Santiago, 20:00-07:30) is at 15:00 or 16:00 there: his went at once.
    assert [m for m in smtp.mails if "tomas" in m.recipients[0]]
    sweep(w.engine, now=at(day + timedelta(days=1), 7, 59, tz="Europe/Zurich"))
    assert not [m for m in smtp.mails if "claire" in m.recipients[0]]
    sweep(w.engine, now=at(day + timedelta(days=1), 8, 1, tz="Europe/Zurich"))
    assert len([m for m in smtp.mails if "claire" in m.recipients[0]]) == 1


def test_a_channel_answering_500_is_retried_with_back_off_and_never_dropped(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    http.mode = "fail"
    day = date(2027, 5, 18)
    first = at(day, 12)
    result = sweep(w.engine, now=first)
    assert result["retrying"] == 1
    (_, ds), = [(n, ds) for n, ds in outbox(w.engine) if any(d.label == "chat" for d in ds)]
    chat = next(d for d in ds if d.label == "chat")
    email = next(d for d in ds if d.label == "email")
    assert email.status == "sent"  # the other channel is not held back, and not sent again later
    assert chat.status == "pending" and chat.last_result == "FAILURE" and "500" in chat.last_error
    assert chat.next_attempt_at == first + timedelta(minutes=1)
    chat_id = chat.id
    # Still failing a minute later: next try in 5 minutes.
    sweep(w.engine, now=first + timedelta(minutes=1, seconds=1))
    with session_scope(w.engine, readonly=True) as s:
        chat = s.get(Delivery, chat_id)
        assert chat.attempts == 2 and chat.next_attempt_at == first + timedelta(minutes=6, seconds=1)
    http.mode = "ok"
    sweep(w.engine, now=first + timedelta(minutes=3))  # not yet due: nothing
    assert [p.answered for p in http.posts] == [500, 500]
    sweep(w.engine, now=first + timedelta(minutes=7))
    assert [p.answered for p in http.posts] == [500, 500, 200]
    assert len({p.idempotency_key for p in http.posts}) == 1  # the same key on every try
    assert len([m for m in smtp.mails if "camila" in m.recipients[0]]) == 1
    with session_scope(w.engine, readonly=True) as s:
        attempts = s.execute(select(DeliveryAttempt.result).where(DeliveryAttempt.delivery_id == chat_id)
                             .order_by(DeliveryAttempt.id)).scalars().all()
        assert attempts == ["FAILURE", "FAILURE", "SUCCESS"]
        assert s.get(Delivery, chat_id).status == "sent"


def test_a_refused_or_hanging_channel_is_a_failure_that_ends_visible_as_failed(db_url, smtp, http):
    w = make_world(db_url, smtp, http)
    http.refuse()
    first = at(date(2027, 5, 18), 12)
    conf = settings(notify_max_attempts=2, notify_timeout=1.0)
    sweep(w.engine, now=first, settings=conf)
    http.accept()
    http.mode, http.hang_seconds = "hang", 5
    result = sweep(w.engine, now=first + timedelta(minutes=2), settings=conf)
    assert result["failed"] == 1 and result["results"] == {"TIMEOUT": 1}
    with session_scope(w.engine, readonly=True) as s:
        chat = s.execute(select(Delivery).where(Delivery.label == "chat")).scalar_one()
        assert chat.status == "failed" and chat.last_result == "TIMEOUT"
        tries = s.execute(select(DeliveryAttempt.result).where(DeliveryAttempt.delivery_id == chat.id)
                          .order_by(DeliveryAttempt.id)).scalars().all()
        assert tries == ["FAILURE", "TIMEOUT"]
        n = s.get(Notification, chat.notification_id)
        assert n.status == "failed"


def test_outbox_retry_puts_a_failed_delivery_back_and_the_next_sweep_sends_it(db_url, smtp, http):
    from typer.testing import CliRunner

    from nmrf.cli.app import app

    def cli(*args: str):
        return CliRunner().invoke(app, ["outbox", "retry", *args], env={"COLUMNS": "200"})

    w = make_world(db_url, smtp, http)
    http.refuse()
    first = at(date(2027, 5, 18), 12)
    conf = settings(notify_max_attempts=1, notify_timeout=1.0)
    assert sweep(w.engine, now=first, settings=conf)["failed"] == 1
    with session_scope(w.engine, readonly=True) as s:
        chat = s.execute(select(Delivery).where(Delivery.label == "chat")).scalar_one()
        other = s.execute(select(Notification.id).where(Notification.id != chat.notification_id)).scalars().first()
        assert chat.status == "failed" and s.get(Notification, chat.notification_id).status == "failed"
    refused = cli()
    assert refused.exit_code == 2 and "a message number, or --failed" in refused.output
    # Another message has no failed delivery: nothing changes.
    assert cli(str(other)).exit_code == 0 and "0 deliveries will be tried again" in cli(str(other)).output
    http.accept()
    out = cli(str(chat.notification_id))
    assert out.exit_code == 0 and "1 delivery will be tried again at the next sweep" in out.output
    with session_scope(w.engine, readonly=True) as s:
        again = s.get(Delivery, chat.id)
        assert (again.status, again.attempts) == ("pending", 0)
        assert s.get(Notification, chat.notification_id).status == "pending"
    posts = len(http.posts)
    result = sweep(w.engine, now=first + timedelta(minutes=5), settings=conf)
    assert (result["sent"], result["failed"]) == (1, 0)
    assert len(http.posts) == posts + 1
    with session_scope(w.engine, readonly=True) as s:
        assert s.get(Delivery, chat.id).status == "sent"
        assert s.get(Notification, chat.notification_id).status == "sent"
        tries = s.execute(select(DeliveryAttempt.result).where(DeliveryAttempt.delivery_id == chat.id)
                          .order_by(DeliveryAttempt.id)).scalars().all()
        assert tries == ["FAILURE", "SUCCESS"]
    # Nothing is left failed: --failed finds nothing to put back.
    assert "0 deliveries will be tried again" in cli("--failed").output


def test_a_person_with_ten_items_this_week_gets_one_digest_instead_of_ten(db_url, smtp, http, tmp_path):
    w = make_world(db_url, smtp, http)
    # Ten more cycles whose inputs fall due the same week (Monday 31 May to Friday 4 June).
    from nmrf.models import Milestone

    from nmrf.services.cycles import launch_cycle
    from nmrf.services.people import get_state
    from nmrf.domain.clock import moment

    with session_scope(w.engine) as s:
        state = get_state(session=s)
        # Nine launches, each of which must succeed (the optional protocols report only in an initial report).
        launches = [(mech, "periodic_report") for mech in ("CCPR", "CESCR", "CAT", "CRC", "CRPD", "CERD", "CMW")]
        launches += [("CRC-OPSC", "initial_report"), ("CRC-OPAC", "initial_report")]
        launched = []
        for i, (mech, template) in enumerate(launches):
            result = launch_cycle(session=s, state=state, template=template, mechanism=mech,
                                  dates={"submission": date(2027, 10, 1) + timedelta(days=i % 4)},
                                  now=moment(date(2027, 3, 1), "America/Santiago")[1], actor="test")
            assert result.cycle.id is not None and result.cycle.mechanism == mech, mech
            launched.append(result.cycle.id)
        s.flush()
        inputs = s.execute(select(Milestone).where(Milestone.key == "input:labour")).scalars().all()
        # The labour ministry owes an input in the first cycle and in each of the nine launched.
        assert {m.cycle_id for m in inputs} >= set(launched)
        for m in inputs:
            assert date(2027, 5, 31) <= m.due_date <= date(2027, 6, 4), (m.cycle_id, m.due_date)
            m.status = "open"
        n_items = len(inputs)
    assert n_items >= 6
    assert n_items == 10
    # The requests for information went out when the inputs opened, one per item (each with its own report);
    # what follows is the reminders.
    sweep(w.engine, date(2027, 4, 1))
    requests = [n for n, _ in outbox(w.engine) if n.kind == "request" and n.data["recipient"] == "rodrigo-vera"]
    assert len(requests) == n_items and len({n.milestone_id for n in requests}) == n_items
    smtp.clear()
    sweep(w.engine, date(2027, 5, 31))  # Monday
    rodrigo = [m for m in smtp.mails if m.recipients == ["rodrigo.vera@example.gob.cl"]]
    assert len(rodrigo) == 1, [m.subject for m in rodrigo]
    assert rodrigo[0].subject.startswith(f"{n_items} asuntos requieren su atención (semana del lunes 31 de mayo")
    assert rodrigo[0].text.count("- vence el") == n_items
    digested = [n for n, _ in outbox(w.engine) if n.status == "digested" and n.data["recipient"] == "rodrigo-vera"]
    assert len(digested) == n_items  # each listed item is recorded, and never sent on its own
    # The rest of the week the remaining reminders still come on their days, alone (each window's
    # digest is made once); the escalation's top level never waits for a digest.
    sweep(w.engine, date(2027, 6, 1))
    assert len([m for m in smtp.mails if m.recipients == ["rodrigo.vera@example.gob.cl"]]) >= 2


@pytest.mark.both_databases
def test_secrets_in_notification_urls_never_show_in_logs_errors_or_the_outbox(db_url, smtp, http, tmp_path,
                                                                              caplog, capsys):
    from nmrf.testing.sinks import SmtpSink

    caplog.set_level(logging.DEBUG)
    w = make_world(db_url, smtp, http)
    secret = "S3cret-pa55word-xyz"
    with SmtpSink(password="another-one") as guarded:  # wrong password: the server refuses the login
        with session_scope(w.engine) as s:
            from nmrf.models import Address

            for a in s.execute(select(Address)).scalars():
                if "rodrigo" in a.url:
                    a.url = guarded.url("rodrigo.vera@example.gob.cl", user="nmrf").replace("another-one", secret)
        result = sweep(w.engine, date(2027, 5, 18))
    assert result["retrying"] == 1
    with session_scope(w.engine, readonly=True) as s:
        errors = s.execute(select(Delivery.last_error)).scalars().all()
        attempt_errors = s.execute(select(DeliveryAttempt.error)).scalars().all()
    assert any(errors)
    from typer.testing import CliRunner

    from nmrf.cli.app import app

    out = CliRunner().invoke(app, ["outbox", "--status", "all"], env={"COLUMNS": "200"}).output
    assert "****" in out
    shown = "\n".join([str(errors), str(attempt_errors), out, caplog.text, capsys.readouterr().err])
    assert secret not in shown


def test_the_ministerial_level_may_be_let_through_quiet_hours(db_url, smtp, http, tmp_path):
    profile = write_profile(tmp_path, notifications={"escalation": [{"name": "all", "levels": [
        {"name": "overdue", "after": {"working_days": 1}, "to": ["owner"]},
        {"name": "minister", "after": {"working_days": 10}, "to": ["minister"], "through_quiet_hours": True}]}]})
    w = make_world(db_url, smtp, http, profile)
    _inputs_in(w)
    night = at(date(2027, 6, 15), 23)
    result = sweep(w.engine, now=night)
    assert result["created"] == 2 and result["held"] == 1
    assert [m.recipients for m in smtp.mails] == [["ministro.trabajo@example.gob.cl"]]
    (n, [d]), = [(n, ds) for n, ds in outbox(w.engine) if n.step == "overdue#0"]
    assert d.status == "pending" and d.next_attempt_at == at(date(2027, 6, 16), 7, 30)


def test_with_working_days_only_nothing_goes_out_on_a_holiday(db_url, smtp, http, tmp_path):
    profile = write_profile(tmp_path, notifications={"delivery": {"working_days_only": True}})
    w = make_world(db_url, smtp, http, profile)
    _inputs_in(w)
    # Monday 21 June 2027 is a holiday in Chile: the escalations decided that day wait for Tuesday, and so
    # does the request for information this first sweep writes as it opens the labour ministry's input.
    result = sweep(w.engine, now=at(date(2027, 6, 21), 11))
    assert result["created"] >= 1 and result["stage_messages"] == 1 and result["sent"] == 0
    assert sweep(w.engine, now=at(date(2027, 6, 22), 7, 31))["sent"] == result["created"] + 1
