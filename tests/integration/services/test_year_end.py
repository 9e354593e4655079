"""The year-end round: each lead institution gets a workbook of its actions and pledges, fills in
the status, and the returned workbook updates them; strict (changed rows refused, nothing
applied); the same file twice changes nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import select

from nmrf.errors import NmrfError
from nmrf.models import ActionUpdate, FollowUpAction, Pledge, StatusRequest
from nmrf.models.db import session_scope
from nmrf.services.clustering import cluster_recommendations
from nmrf.services.followup import add_action, assign
from nmrf.services.people import get_state
from nmrf.services.pledges import add_pledge, import_year_end, year_end_round
from nmrf.services.recommendations import get_cluster, import_recommendations
from tests.conftest import NOW, at
from tests.support.paths import UHRI as UHRI_CSV

UHRI = UHRI_CSV


@pytest.fixture
def round_sent(loaded, tmp_path):  # type: ignore[no-untyped-def]
    with session_scope(loaded, actor="test") as s:
        state = get_state(session=s)
        import_recommendations(session=s, data=UHRI.read_bytes(), file_name="uhri", fmt="uhri", now=NOW,
                               actor="test", states=[state])
        cluster_recommendations(session=s, now=NOW, state=state)
        from nmrf.models import Cluster
        cl = get_cluster(session=s, state=state, ref=s.exec(select(Cluster.id)).first())
        assign(session=s, state=state, lead="justice", supporting=[], now=NOW, actor="test", cluster=cl)
        add_action(session=s, state=state, cluster=cl, title="Protocol on the use of force", due=date(2027, 9, 1),
                   indicator="", indicator_kind="structural", today=date(2027, 1, 4), now=NOW, actor="test")
        add_pledge(session=s, state=state, text="Ratify the Escazú-linked protocol", institution="justice",
                   made_on=date(2024, 1, 22), now=NOW, actor="test")
        add_pledge(session=s, state=state, text="Adopt a national action plan on business and human rights",
                   institution="foreign-affairs", made_on=date(2024, 1, 22), now=NOW, actor="test")
        sent = year_end_round(session=s, state=state, year=2027, out_dir=tmp_path / "out", now=at(date(2027, 12, 1)),
                              actor="test")
    return loaded, sent


def _fill(path: Path, out: Path, values: dict[str, tuple[str, str]]) -> Path:
    wb = load_workbook(path)
    ws = wb["Status"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in values:
            row[5].value, row[6].value = values[row[0].value]
    wb.save(out)
    return out


def test_each_lead_institution_gets_one_workbook_with_its_own_actions_and_pledges(round_sent):
    engine, sent = round_sent
    assert [(k, n) for k, _, n in sent.files] == [("foreign-affairs", 1), ("justice", 2)]
    ws = load_workbook(sent.files[1][1])["Status"]
    refs = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    with session_scope(engine, readonly=True) as s:
        action = s.exec(select(FollowUpAction)).one()
        pledge = s.exec(select(Pledge).where(Pledge.text.startswith("Ratify"))).one()
    assert refs == [f"action-{action.id}", f"pledge-{pledge.id}"]


def test_the_returned_workbook_updates_the_statuses_once_even_when_imported_twice(round_sent, tmp_path):
    engine, sent = round_sent
    with session_scope(engine, readonly=True) as s:
        action = s.exec(select(FollowUpAction)).one()
        pledge = s.exec(select(Pledge).where(Pledge.text.startswith("Ratify"))).one()
    filled = _fill(sent.files[1][1], tmp_path / "back.xlsx",
                   {f"action-{action.id}": ("done", "protocol adopted in October"),
                    f"pledge-{pledge.id}": ("in_progress", "bill in the Senate")})
    for _ in range(2):
        with session_scope(engine, actor="test") as s:
            got = import_year_end(session=s, state=get_state(session=s), path=filled, now=at(date(2027, 12, 20)),
                                  actor="test")
    assert got.already
    with session_scope(engine, readonly=True) as s:
        assert s.get(FollowUpAction, action.id).status == "done"
        p = s.get(Pledge, pledge.id)
        assert (p.status, p.note) == ("in_progress", "bill in the Senate")
        updates = s.exec(select(ActionUpdate).where(ActionUpdate.action_id == action.id)).all()
        assert [(u.status, u.note) for u in updates] == [("done", "protocol adopted in October")]
        assert s.exec(select(StatusRequest).where(StatusRequest.returned_sha256.is_not(None))).one()


def test_a_workbook_with_a_bad_status_or_a_deleted_row_is_refused_and_nothing_changes(round_sent, tmp_path):
    engine, sent = round_sent
    with session_scope(engine, readonly=True) as s:
        action = s.exec(select(FollowUpAction)).one()
    bad = _fill(sent.files[1][1], tmp_path / "bad.xlsx", {f"action-{action.id}": ("finished", "")})
    with pytest.raises(NmrfError, match="New status 'finished'") as caught:
        with session_scope(engine, actor="test") as s:
            import_year_end(session=s, state=get_state(session=s), path=bad, now=NOW, actor="test")
    assert caught.value.problems[0].field == "Status!F2"
    wb = load_workbook(sent.files[1][1])
    wb["Status"].delete_rows(3)
    wb.save(tmp_path / "short.xlsx")
    with pytest.raises(NmrfError, match="rows missing: pledge-"):
        with session_scope(engine, actor="test") as s:
            import_year_end(session=s, state=get_state(session=s), path=tmp_path / "short.xlsx", now=NOW,
                            actor="test")
    with session_scope(engine, readonly=True) as s:
        assert s.get(FollowUpAction, action.id).status == "planned"
        assert all(p.status == "planned" for p in s.exec(select(Pledge)))
