"""The follow-up of a recommendation from the console's services and over the JSON API (real HTTP, real
database): lead and supporting institutions assigned, an action added, its status updated with the history
kept; a bad form changes nothing and names its field; a read token is refused on record."""

from __future__ import annotations

import httpx
import pytest
from sqlmodel import select
from tests.e2e.web.conftest import NOW
from tests.e2e.web.test_console_api import _token

from nmrf.errors import NmrfError
from nmrf.models import ActionUpdate, AuditEntry, FollowUpAction, Recommendation
from nmrf.models.db import session_scope
from nmrf.services import console_followup as svc
from nmrf.services.people import get_state

pytestmark = pytest.mark.both_databases


def _rec(engine) -> int:  # type: ignore[no-untyped-def]
    with session_scope(engine, readonly=True) as s:
        return s.exec(select(Recommendation.id).where(Recommendation.cluster_id.is_not(None))  # type: ignore[union-attr]
                      .order_by(Recommendation.id)).first()


def test_a_recommendation_gets_a_lead_an_action_and_a_status_update_and_bad_forms_change_nothing(world):  # type: ignore[no-untyped-def]
    rec_id = _rec(world)
    with session_scope(world, actor="ana-rojas") as s, pytest.raises(NmrfError) as bad:
        svc.assign(session=s, state=get_state(session=s), recommendation=s.get(Recommendation, rec_id),
                   lead="health", supporting=["health"], now=NOW, actor="ana-rojas")
    assert [p.field for p in bad.value.problems] == ["assign-supporting"]
    with session_scope(world, actor="ana-rojas") as s:
        rec = s.get(Recommendation, rec_id)
        svc.assign(session=s, state=get_state(session=s), recommendation=rec, lead="health",
                   supporting=["education"], now=NOW, actor="ana-rojas")
        fu = svc.follow_up(session=s, recommendation=rec)
        assert fu.responsible.lead.key == "health" and [i.key for i in fu.responsible.supporting] == ["education"]
        assert fu.responsible.level == "recommendation"
    with session_scope(world, actor="ana-rojas") as s, pytest.raises(NmrfError) as bad:
        svc.add_action(session=s, state=get_state(session=s), recommendation=s.get(Recommendation, rec_id),
                       title=" ", due="next year", indicator="", indicator_kind="?", institution="",
                       today=NOW.date(), now=NOW, actor="ana-rojas")
    assert [p.field for p in bad.value.problems] == ["action-title", "action-due", "action-kind"]
    with session_scope(world, readonly=True) as s:
        assert not s.exec(select(FollowUpAction)).all()  # nothing saved
    with session_scope(world, actor="ana-rojas") as s:
        rec = s.get(Recommendation, rec_id)
        action = svc.add_action(session=s, state=get_state(session=s), recommendation=rec,
                                title="Draft the bill", due="2028-03-31", indicator="bill tabled",
                                indicator_kind="structural", institution="health", today=NOW.date(), now=NOW,
                                actor="ana-rojas")
        action_id = action.id
    with session_scope(world, actor="ana-rojas") as s:
        svc.update_action(session=s, state=get_state(session=s), action_id=action_id, status="in_progress",
                          due="", note="first draft circulated", now=NOW, actor="ana-rojas")
    with session_scope(world, actor="ana-rojas") as s, pytest.raises(NmrfError) as bad:
        svc.update_action(session=s, state=get_state(session=s), action_id=action_id, status="in_progress",
                          due="", note="", now=NOW, actor="ana-rojas")  # nothing new
    assert [p.field for p in bad.value.problems] == [f"status-{action_id}"]
    with session_scope(world, readonly=True) as s:
        fu = svc.follow_up(session=s, recommendation=s.get(Recommendation, rec_id))
        (a, ups), = fu.actions
        assert a.status == "in_progress" and [(u.status, u.note) for u in ups] == [
            ("in_progress", "first draft circulated")]


def test_the_api_assigns_adds_and_updates_an_action_as_the_tokens_holder_and_refuses_a_read_token(server, world):  # type: ignore[no-untyped-def]
    rec_id = _rec(world)
    _, reading = _token(world, "claire-dubois", "read")
    _, acting = _token(world, "claire-dubois", "act")
    api = server + "/api/v1"
    refused = httpx.post(f"{api}/recommendations/{rec_id}/assign", json={"lead": "health"},
                         headers={"Authorization": f"Bearer {reading}"})
    assert refused.status_code == 403
    auth = {"Authorization": f"Bearer {acting}"}
    got = httpx.post(f"{api}/recommendations/{rec_id}/assign", json={"lead": "health", "supporting": ["justice"]},
                     headers=auth)
    assert got.status_code == 200, got.text
    assert got.json()["lead"] == "health" and got.json()["supporting"] == ["justice"]
    bad = httpx.post(f"{api}/recommendations/{rec_id}/actions", headers=auth,
                     json={"title": "Train judges", "due": "31/03/2028", "indicator_kind": "process"})
    assert bad.status_code == 422 and [p["field"] for p in bad.json()["problems"]] == ["action-due"]
    added = httpx.post(f"{api}/recommendations/{rec_id}/actions", headers=auth,
                       json={"title": "Train judges", "due": "2028-03-31", "indicator_kind": "process",
                             "indicator": "judges trained"})
    assert added.status_code == 200, added.text
    (action,) = added.json()["actions"]
    assert action["status"] == "planned" and action["due"] == "2028-03-31"
    done = httpx.post(f"{api}/recommendations/{rec_id}/actions/{action['id']}", headers=auth,
                      json={"status": "done", "note": "120 judges trained"})
    assert done.status_code == 200, done.text
    (after,) = done.json()["actions"]
    assert after["status"] == "done" and after["updates"][-1]["note"] == "120 judges trained"
    read = httpx.get(f"{api}/recommendations/{rec_id}/follow-up", headers={"Authorization": f"Bearer {reading}"})
    assert read.json() == done.json()
    with session_scope(world, readonly=True) as s:
        assert s.exec(select(ActionUpdate)).one().actor == "claire-dubois"
        refusals = s.exec(select(AuditEntry).where(AuditEntry.op == "refused")).all()
        assert [e.actor for e in refusals] == ["claire-dubois"]
        assert "/recommendations/" in httpx.get(f"{api}/openapi.json").text
