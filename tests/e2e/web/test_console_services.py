"""The console's services on a real SQLite file: sign-in links, sessions, roles, refusals on record, the day's
view, official dates previewed, cycles cancelled, positions recorded, API tokens, the history as sentences."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from tests.e2e.web.conftest import NOW
from sqlmodel import select

from nmrf.calendars.links import token_hash
from nmrf.errors import NmrfError
from nmrf.models import (
    AuditEntry,
    Milestone,
    Notification,
    Person,
    Recommendation,
    RoleAssignment,
    SignInLink,
)
from nmrf.models.db import session_scope
from nmrf.services import console as svc
from nmrf.services import console_auth as auth
from nmrf.services.cycles import get_cycle, milestones_of
from nmrf.services.people import get_person, get_state
from nmrf.services.recommendation_table import RecFilters, recommendations_table

pytestmark = pytest.mark.both_databases  # the same services on SQLite and PostgreSQL
BASE = "https://nmrf.example.gob.cl"
BROWSER = "b" * 43


def _ask(engine, address="ana.rojas@example.gob.cl", ip="10.0.0.1", browser=BROWSER, now=NOW):  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="sign-in") as s:
        return auth.request_sign_in(session=s, address=address, ip=ip, browser=browser, now=now, base_url=BASE)


def _link_of(engine, message_id: int) -> str:  # type: ignore[no-untyped-def]
    with session_scope(engine, readonly=True) as s:
        body = s.get(Notification, message_id).body
    return body.split(BASE + "/console/sign-in/")[1].split()[0]


def test_a_secretariat_member_gets_a_link_in_her_outbox_that_signs_in_once_in_the_browser_that_asked(world):  # type: ignore[no-untyped-def]
    message = _ask(world, address=" Ana.Rojas@example.gob.cl ")
    assert message is not None
    token = _link_of(world, message)
    with session_scope(world, readonly=True) as s:
        link = s.exec(select(SignInLink)).one()
        assert link.token_hash == token_hash(token) and token not in link.token_hash  # stored hashed
        assert link.expires_at - NOW == timedelta(minutes=15)
        assert s.get(Notification, message).person_id == get_person(session=s, state=get_state(session=s),
                                                                     key="ana-rojas").id
    with session_scope(world) as s, pytest.raises(NmrfError):
        auth.use_sign_in_link(session=s, token=token, browser="x" * 43, now=NOW)  # another browser
    with session_scope(world) as s:
        who, secret = auth.use_sign_in_link(session=s, token=token, browser=BROWSER, now=NOW)
    assert who.person.key == "ana-rojas" and who.can_act and who.can_approve  # head of secretariat
    with session_scope(world) as s, pytest.raises(NmrfError):
        auth.use_sign_in_link(session=s, token=token, browser=BROWSER, now=NOW)  # used
    with session_scope(world, readonly=True) as s:
        assert auth.signed_in(session=s, token=secret, now=NOW + timedelta(hours=7)).person.key == "ana-rojas"
        assert auth.signed_in(session=s, token=secret, now=NOW + timedelta(hours=8)) is None  # expired


def test_an_expired_link_signs_nobody_in_and_an_unknown_or_focal_point_address_gets_no_link(world):  # type: ignore[no-untyped-def]
    token = _link_of(world, _ask(world))
    with session_scope(world) as s, pytest.raises(NmrfError):
        auth.use_sign_in_link(session=s, token=token, browser=BROWSER, now=NOW + timedelta(minutes=15))
    assert _ask(world, address="nobody@example.gob.cl") is None
    assert _ask(world, address="jorge.nunez@example.gob.cl") is None  # a focal point has no console role


def test_sign_in_requests_are_limited_per_address_and_per_ip(world):  # type: ignore[no-untyped-def]
    for n in range(auth.PER_ADDRESS):
        _ask(world, ip=f"10.0.1.{n}")
    with pytest.raises(auth.RateLimited):
        _ask(world, ip="10.0.2.1")
    assert _ask(world, address="ana.rojas@example.gob.cl", ip="10.0.3.1",
                now=NOW + auth.LIMIT_WINDOW + timedelta(seconds=1)) is not None  # an hour later
    for n in range(auth.PER_IP):
        _ask(world, address=f"someone{n}@example.org", ip="10.9.9.9")
    with pytest.raises(auth.RateLimited):
        _ask(world, address="tomas.silva@example.gob.cl", ip="10.9.9.9")


def _observer(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="test") as s:
        p = get_person(session=s, state=get_state(session=s), key="tomas-silva")
        for r in s.exec(select(RoleAssignment).where(RoleAssignment.person_id == p.id)):
            s.delete(r)
        s.add(RoleAssignment(person_id=p.id, role="observer"))


def test_an_observer_reads_but_cannot_act_and_a_refusal_is_in_the_history_under_her_name(world):  # type: ignore[no-untyped-def]
    _observer(world)
    token = _link_of(world, _ask(world, address="tomas.silva@example.gob.cl"))
    with session_scope(world) as s:
        who, _ = auth.use_sign_in_link(session=s, token=token, browser=BROWSER, now=NOW)
        assert who.roles == {"observer"} and not who.can_act
        auth.record_refusal(session=s, who=who, act="cancel cycle 1", now=NOW)
    with session_scope(world, readonly=True) as s:
        e = s.exec(select(AuditEntry).where(AuditEntry.op == "refused")).one()
        assert e.actor == "tomas-silva" and e.changes["act"] == "cancel cycle 1"
        sentences = svc.history_sentences(session=s, state=get_state(session=s))
    assert any("Tomás Silva tried to cancel cycle 1 without the role" in r["sentence"] or
               "tried to cancel cycle 1 without the role" in r["sentence"] for r in sentences)


def test_the_day_shows_the_late_input_with_how_late_and_what_it_holds_up(world):  # type: ignore[no-untyped-def]
    with session_scope(world, readonly=True) as s:
        state = get_state(session=s)
        view = svc.today_view(session=s, state=state, today=date(2027, 9, 20))
        women = [i for i in view.late if i.key.endswith(":women")]
        assert women and women[0].days_late == 4 and women[0].owners == ["Valentina Díaz"]
        assert women[0].holds_up, "an input holds up the draft"
        assert all(i.days_late > 0 for i in view.late)
        only = svc.today_view(session=s, state=state, today=date(2027, 9, 20),
                              filters=svc.Filters(institution="women"))
        assert {i.institution for i in only.late} == {"Ministry of Women and Gender Equity"} or \
            all(i.key.endswith(":women") for i in only.late)
        by_person = svc.today_view(session=s, state=state, today=date(2027, 9, 20),
                                   filters=svc.Filters(person="valentina-diaz"))
        assert by_person.late and all("Valentina Díaz" in i.owners for i in by_person.late)


def test_previewing_an_official_date_changes_nothing_and_saving_moves_the_same_milestones(world):  # type: ignore[no-untyped-def]
    with session_scope(world) as s:
        state = get_state(session=s)
        cycle = get_cycle(session=s, state=state, ref=1)
        before = {m.key: m.due_date for m in milestones_of(session=s, cycle=cycle)}
        preview = svc.preview_official_date(session=s, cycle=cycle, key="review", day=date(2028, 5, 15),
                                            source="HRC session programme", now=NOW, actor="ana-rojas")
        assert preview and all(b != a for _, _, b, a in preview)
        assert {m.key: m.due_date for m in milestones_of(session=s, cycle=cycle, fresh=True)} == before
    with session_scope(world, actor="ana-rojas") as s:
        cycle = get_cycle(session=s, state=get_state(session=s), ref=1)
        from nmrf.services.cycles import set_official_date

        moved = set_official_date(session=s, cycle=cycle, key="review", day=date(2028, 5, 15),
                                  source="HRC session programme", now=NOW, actor="ana-rojas")
        assert sorted((m.key, m.due_date) for m in moved) == sorted((k, a) for k, _, _, a in preview)


def test_cancelling_a_cycle_cancels_its_open_milestones_and_pending_messages_with_the_reason(world):  # type: ignore[no-untyped-def]
    with session_scope(world, actor="ana-rojas") as s:
        cycle = get_cycle(session=s, state=get_state(session=s), ref=1)
        open_before = [m.id for m in milestones_of(session=s, cycle=cycle) if m.status in ("planned", "open")]
        changed = svc.cancel_cycle(session=s, cycle=cycle, reason="review postponed by the Council", now=NOW,
                                   actor="ana-rojas")
        assert sorted(m.id for m in changed) == sorted(open_before)
    with session_scope(world, readonly=True) as s:
        cycle = get_cycle(session=s, state=get_state(session=s), ref=1)
        assert cycle.status == "cancelled"
        ms = s.exec(select(Milestone).where(Milestone.id.in_(open_before))).all()
        assert {m.status for m in ms} == {"cancelled"}
        assert s.exec(select(Notification).where(Notification.milestone_id.in_(open_before),
                                                 Notification.status == "pending")).all() == []
    with session_scope(world) as s, pytest.raises(NmrfError, match="already cancelled"):
        svc.cancel_cycle(session=s, cycle=get_cycle(session=s, state=get_state(session=s), ref=1),
                         reason="again", now=NOW, actor="ana-rojas")


def test_a_position_needs_its_source_and_a_stale_form_is_refused(world):  # type: ignore[no-untyped-def]
    with session_scope(world, readonly=True) as s:
        rec = s.exec(select(Recommendation).order_by(Recommendation.id)).first()
        seen = rec.updated_at
    assert {p.field for p in svc.position_problems(position="maybe", source="")} == {"position", "source"}
    with session_scope(world, actor="ana-rojas") as s:
        r = s.get(Recommendation, rec.id)
        svc.record_position(session=s, recommendation=r, position="supported", source="A/HRC/41/6/Add.1",
                            now=NOW, actor="ana-rojas", expected_updated_at=seen)
    with session_scope(world, actor="ana-rojas") as s, pytest.raises(svc.StaleForm):
        svc.record_position(session=s, recommendation=s.get(Recommendation, rec.id), position="noted",
                            source="A/HRC/41/6/Add.1", now=NOW, actor="tomas-silva", expected_updated_at=seen)
    with session_scope(world, readonly=True) as s:
        r = s.get(Recommendation, rec.id)
        assert (r.position, r.position_source, r.position_by) == ("supported", "A/HRC/41/6/Add.1", "ana-rojas")
        table = recommendations_table(session=s, state=get_state(session=s),
                                      filters=RecFilters(position="supported"), per_page=1000)
        assert rec.id in [x.rec.id for x in table.rows] and {x.rec.position for x in table.rows} == {"supported"}


def test_an_api_token_is_shown_once_kept_hashed_scoped_and_revocable(world):  # type: ignore[no-untyped-def]
    _observer(world)
    with session_scope(world, actor="ana-rojas") as s:
        state = get_state(session=s)
        ana = get_person(session=s, state=state, key="ana-rojas")
        t, secret = auth.issue_api_token(session=s, person=ana, name="SIMORE", scope="read", now=NOW,
                                         actor="ana-rojas")
        assert t.token_hash == token_hash(secret)
        with pytest.raises(NmrfError, match="observer"):
            auth.issue_api_token(session=s, person=get_person(session=s, state=state, key="tomas-silva"),
                                 name="x", scope="act", now=NOW, actor="ana-rojas")
    with session_scope(world, readonly=True) as s:
        who = auth.by_api_token(session=s, token=secret)
        assert who.person.key == "ana-rojas" and who.scope == "read" and not who.can_act
    with session_scope(world, actor="ana-rojas") as s:
        auth.revoke_api_token(session=s, state=get_state(session=s), token_id=t.id, now=NOW, actor="ana-rojas")
    with session_scope(world, readonly=True) as s:
        assert auth.by_api_token(session=s, token=secret) is None


def test_the_cycle_list_counts_open_and_late_deadlines_and_the_timeline_draws_each_dated_one(world):  # type: ignore[no-untyped-def]
    with session_scope(world, readonly=True) as s:
        state = get_state(session=s)
        rows = svc.cycles_list(session=s, state=state, today=date(2027, 9, 20))
        assert [(r["cycle"].id, r["late"] > 0) for r in rows] == [(1, True)]
        page = svc.cycle_page(session=s, state=state, cycle_id=1, today=date(2027, 9, 20))
    svg = svc.timeline_svg(page, title="Timeline")
    dated = [m for m in page.milestones if m.due_date]
    assert svg.count("<g>") == len(dated) and svg.count('class="late"') == sum(1 for m in dated if page.late(m))


def test_the_outbox_shows_each_message_with_every_try_of_each_channel(world):  # type: ignore[no-untyped-def]
    message = _ask(world)
    with session_scope(world, readonly=True) as s:
        rows = svc.outbox_page(session=s, state=get_state(session=s))
    row = next(r for r in rows if r["id"] == message)
    assert row["kind"] == "sign_in" and row["status"] == "pending"
    assert [(t["label"], t["delivery"], t["at"]) for t in row["tries"]] == [("email", "pending", None)]


def test_the_command_line_records_positions_all_or_nothing_and_issues_lists_and_revokes_api_tokens(world):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from nmrf.cli.app import app as cli

    run = CliRunner().invoke
    bad = run(cli, ["recommendations", "position", "1", "2", "999999", "--position", "noted", "--source", "Add.1"])
    assert bad.exit_code == 2 and "Nothing was changed" in bad.output
    bad = run(cli, ["recommendations", "position", "1", "--position", "maybe", "--source", "Add.1"])
    assert bad.exit_code == 2 and "--position" in bad.output
    got = run(cli, ["recommendations", "position", "1", "2", "--position", "partially_supported",
                    "--source", "A/HRC/41/6/Add.1"])
    assert got.exit_code == 0, got.output
    with session_scope(world, readonly=True) as s:
        assert [(r.position, r.position_source) for r in s.exec(select(Recommendation).where(
            Recommendation.id.in_([1, 2])).order_by(Recommendation.id))] == [
            ("partially_supported", "A/HRC/41/6/Add.1")] * 2
    got = run(cli, ["api-token", "issue", "ana-rojas", "--name", "SIMORE", "--scope", "act"])
    assert got.exit_code == 0, got.output
    secret = got.output.split()[-1]
    listed = run(cli, ["api-token", "list"])
    assert "SIMORE" in listed.output and secret not in listed.output
    assert run(cli, ["api-token", "revoke", "1"]).exit_code == 0
    with session_scope(world, readonly=True) as s:
        assert auth.by_api_token(session=s, token=secret) is None
    link = run(cli, ["console", "link", "claire-dubois"])
    assert link.exit_code == 0 and "/console/sign-in/" in link.output
    assert run(cli, ["console", "link", "jorge-nunez"]).exit_code == 2  # a focal point has no console role


def test_an_institution_added_to_a_running_cycle_gets_its_own_deadlines_by_the_late_launch_rule(world):  # type: ignore[no-untyped-def]
    from nmrf.models import CycleInstitution
    from nmrf.services.cycles import add_institution
    from nmrf.services.people import get_institution

    today = date(2027, 9, 20)
    with session_scope(world, actor="ana-rojas") as s:
        state = get_state(session=s)
        cycle = get_cycle(session=s, state=state, ref=1)
        taking = {ci.institution_id for ci in s.exec(select(CycleInstitution).where(
            CycleInstitution.cycle_id == cycle.id))}
        women = get_institution(session=s, state=state, key="women")
        assert women.id in taking
        with pytest.raises(NmrfError, match="already takes part"):
            add_institution(session=s, cycle=cycle, institution=women, today=today, now=NOW, actor="ana-rojas")
        # The Ministry of Women leaves (by hand here) and joins again after the inputs were due.
        joined_key = "women"
        for m in s.exec(select(Milestone).where(Milestone.cycle_id == cycle.id,
                                                Milestone.institution_id == women.id)):
            s.delete(m)
        s.delete(s.exec(select(CycleInstitution).where(CycleInstitution.cycle_id == cycle.id,
                                                       CycleInstitution.institution_id == women.id)).one())
        s.flush()
        added = add_institution(session=s, cycle=cycle, institution=women, today=today, now=NOW, actor="ana-rojas")
        assert added and all(m.key.endswith(":" + joined_key) for m in added)
        review = s.exec(select(Milestone).where(Milestone.cycle_id == cycle.id, Milestone.key == "review")).one()
        owed = [m for m in added if m.side == "internal" and m.due_date and m.completion == "person"]
        assert owed and all(m.due_date >= today for m in owed)  # never before the day it joins
        women_input = next(m for m in added if m.key == "input:women")
        assert today <= women_input.due_date < review.due_date  # its input still comes before the review


def test_the_launchable_lines_of_the_inventory_carry_the_dates_a_launch_needs(world):  # type: ignore[no-untyped-def]
    from nmrf.services.cycles import launch_cycle

    with session_scope(world, actor="ana-rojas") as s:
        state = get_state(session=s)
        lines = svc.launchable(session=s, state=state, today=date(2027, 9, 20))
        assert lines and all(line["anchors"] for line in lines)
        line = next(x for x in lines if set(x["anchors"]) <= set(x["known"]))
        got = launch_cycle(session=s, state=state, template=line["template"], mechanism=line["mechanism"],
                           dates=line["known"], sources={a: "inventory" for a in line["anchors"]}, now=NOW,
                           actor="ana-rojas")
        assert got.created
        again = svc.launchable(session=s, state=state, today=date(2027, 9, 20))
        assert (line["mechanism"], line["template"]) not in {(x["mechanism"], x["template"]) for x in again} \
            or len(again) < len(lines)
