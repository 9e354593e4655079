"""The JSON API under /api/v1 over real HTTP: tokens held by named people, scoped read or act, revocable;
the same reads and acts as the console, in the audit history under the holder; FastAPI's OpenAPI document."""

from __future__ import annotations

import httpx
from tests.e2e.web.conftest import NOW
from sqlmodel import select

from nmrf.models import AuditEntry, Milestone, RoleAssignment
from nmrf.models.db import session_scope
from nmrf.services.console_auth import issue_api_token, revoke_api_token
from nmrf.services.people import get_person, get_state




def _token(engine, person: str, scope: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="test") as s:
        p = get_person(session=s, state=get_state(session=s), key=person)
        t, secret = issue_api_token(session=s, person=p, name="SIMORE", scope=scope, now=NOW, actor="test")
        return t.id, secret  # type: ignore[return-value]


def test_the_api_reads_what_the_console_shows_and_refuses_a_missing_wrong_or_revoked_token(server, world):  # type: ignore[no-untyped-def]
    token_id, secret = _token(world, "claire-dubois", "read")
    auth = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(server + "/api/v1/today").status_code == 401
    assert httpx.get(server + "/api/v1/today", headers={"Authorization": "Bearer " + "x" * 43}).status_code == 401
    today = httpx.get(server + "/api/v1/today", headers=auth).json()
    women = [i for i in today["late"] if i["key"].endswith(":women")]
    assert today["today"] == "2027-09-20" and women[0]["days_late"] == 4 and women[0]["owners"] == ["Valentina Díaz"]
    cycles = httpx.get(server + "/api/v1/cycles", headers=auth).json()
    assert [c["id"] for c in cycles] == [1] and cycles[0]["late"] >= 1
    cycle = httpx.get(server + "/api/v1/cycles/1", headers=auth).json()
    assert any(m["key"] == "review" and m["official_date"] == "2028-05-01" for m in cycle["milestones"])
    assert httpx.get(server + "/api/v1/cycles/99", headers=auth).status_code == 404
    recs = httpx.get(server + "/api/v1/recommendations", params={"q": "women", "page": 1}, headers=auth).json()
    assert recs["total"] > 0 and all("women" in (r["text"] + r["body"] + r["document"]).lower() for r in recs["rows"])
    with session_scope(world, actor="test") as s:
        revoke_api_token(session=s, state=get_state(session=s), token_id=token_id, now=NOW, actor="test")
    assert httpx.get(server + "/api/v1/today", headers=auth).status_code == 401


def test_an_act_token_records_as_its_holder_and_a_read_token_or_an_observer_is_refused_on_record(server, world):  # type: ignore[no-untyped-def]
    _, reading = _token(world, "claire-dubois", "read")
    _, acting = _token(world, "claire-dubois", "act")
    got = httpx.post(server + "/api/v1/recommendations/1/position", headers={"Authorization": f"Bearer {reading}"},
                     json={"position": "noted", "source": "A/HRC/41/6/Add.1"})
    assert got.status_code == 403
    auth = {"Authorization": f"Bearer {acting}"}
    bad = httpx.post(server + "/api/v1/recommendations/1/position", headers=auth, json={"position": "maybe",
                                                                                        "source": ""})
    assert bad.status_code == 422 and {p["field"] for p in bad.json()["problems"]} == {"position", "source"}
    rec = httpx.get(server + "/api/v1/recommendations/1", headers=auth).json()
    ok = httpx.post(server + "/api/v1/recommendations/1/position", headers=auth,
                    json={"position": "noted", "source": "A/HRC/41/6/Add.1", "version": rec["version"]})
    assert ok.status_code == 200 and ok.json()["position"] == "noted"
    stale = httpx.post(server + "/api/v1/recommendations/1/position", headers=auth,
                       json={"position": "supported", "source": "A/HRC/41/6/Add.1", "version": rec["version"]})
    assert stale.status_code == 409
    preview = httpx.post(server + "/api/v1/cycles/1/official-date", headers=auth,
                         json={"key": "review", "day": "2028-05-15", "source": "HRC programme", "preview": True}).json()
    assert preview["saved"] is False and preview["moved"]
    with session_scope(world, readonly=True) as s:
        assert s.exec(select(Milestone).where(Milestone.key == "review")).one().due_date.isoformat() == "2028-05-01"
    saved = httpx.post(server + "/api/v1/cycles/1/official-date", headers=auth,
                       json={"key": "review", "day": "2028-05-15", "source": "HRC programme"}).json()
    assert saved["saved"] and [m["key"] for m in saved["moved"]] == [m["key"] for m in preview["moved"]]
    with session_scope(world, readonly=True) as s:
        acts = s.exec(select(AuditEntry).where(AuditEntry.table_name == "recommendation",
                                               AuditEntry.op == "update")).all()
        assert acts and {e.actor for e in acts} == {"claire-dubois"}
        refused = s.exec(select(AuditEntry).where(AuditEntry.op == "refused")).all()
        assert [(e.actor, e.changes["via"]) for e in refused] == [("claire-dubois", "api")]

    with session_scope(world, actor="test") as s:
        p = get_person(session=s, state=get_state(session=s), key="claire-dubois")
        for r in s.exec(select(RoleAssignment).where(RoleAssignment.person_id == p.id)):
            r.role = "observer"  # her act token now acts for an observer: refused
    assert httpx.post(server + "/api/v1/cycles/1/cancel", headers=auth, json={"reason": "x"}).status_code == 403


def test_the_openapi_document_describes_the_api_and_nothing_else(server, world):  # type: ignore[no-untyped-def]
    doc = httpx.get(server + "/api/v1/openapi.json").json()
    paths = set(doc["paths"])
    assert {"/api/v1/today", "/api/v1/cycles", "/api/v1/cycles/{cycle_id}", "/api/v1/recommendations",
            "/api/v1/recommendations/{rec_id}/position", "/api/v1/cycles/{cycle_id}/official-date",
            "/api/v1/cycles/{cycle_id}/cancel", "/api/v1/history", "/api/v1/outbox", "/api/v1/people",
            "/api/v1/people/{person_key}/links", "/api/v1/cycles/{cycle_id}/remove",
            "/api/v1/cycles/{cycle_id}/lead-times", "/api/v1/region"} <= paths
    assert set(doc["paths"]["/api/v1/cycles/{cycle_id}/lead-times"]) == {"get", "post"}
    assert all(p.startswith("/api/v1/") for p in paths)
    assert "PositionIn" in doc["components"]["schemas"]


def test_the_servers_log_never_shows_a_sign_in_link(server, world, caplog):  # type: ignore[no-untyped-def]
    import logging

    from nmrf.web.guard import redact_path

    secret = "nf_dXx0S54T_eQOIpVwBfuBuZ-88clLsY6steuPgYJ8"
    assert redact_path(f"/console/sign-in/{secret}") == "/console/sign-in/[token]"
    with caplog.at_level(logging.INFO, logger="nmrf.server"):
        httpx.get(f"{server}/console/sign-in/{secret}")
        httpx.post(f"{server}/console/sign-in/{secret}", data={"csrf": "x"})
    assert "/console/sign-in/[token]" in caplog.text and secret not in caplog.text
