"""/api/v1 over real HTTP for what the console's people page, cycle changes and regional view do: a read token
reads, an act token acts as its holder (in the audit history), a read token is refused on record, a new link
reaches its holder through the SMTP sink and never the API's answer, a stale version is refused."""

from __future__ import annotations

import re
import time

import httpx
from sqlmodel import select
from tests.e2e.web.test_console_api import _token
from tests.support.notify import point_addresses

from nmrf.models import Address, AuditEntry, CycleMember, Milestone
from nmrf.models.db import session_scope
from nmrf.services.people import get_person, get_state

SECRET = "S3cret-Pa55word"


def _mail_to(smtp, address: str) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        mine = [m for m in smtp.mails if m.recipients == [address]]
        if mine:
            return mine[-1].text
        time.sleep(0.1)
    raise AssertionError(f"no message to {address}")


def test_people_are_read_with_secrets_masked_and_a_new_link_goes_to_its_holder_never_into_the_answer(
        server, world, smtp):  # type: ignore[no-untyped-def]
    point_addresses(world, smtp, None)
    with session_scope(world, actor="test") as s:
        state = get_state(session=s)
        s.add(Address(person_id=get_person(session=s, state=state, key="tomas-silva").id, label="alerts",
                      url=f"json://alerts:{SECRET}@127.0.0.1:9/hook"))
        get_person(session=s, state=state, key="jorge-nunez").active = False  # Health's only focal point left
    _, reading = _token(world, "claire-dubois", "read")
    _, acting = _token(world, "claire-dubois", "act")
    read, act = {"Authorization": f"Bearer {reading}"}, {"Authorization": f"Bearer {acting}"}

    got = httpx.get(server + "/api/v1/people", headers=read)
    assert got.status_code == 200 and SECRET not in got.text
    people = {p["key"]: p for p in got.json()["people"]}
    assert {"role": "focal_point", "institution": "justice"} in people["paula-herrera"]["roles"]
    assert [a["label"] for a in people["tomas-silva"]["addresses"]].count("alerts") == 1
    assert "jorge-nunez" not in people
    assert got.json()["unheld_roles"] == [{"role": "focal_point", "institution": "health"}]

    link = {"kind": "page", "action": "issue"}
    assert httpx.post(server + "/api/v1/people/paula-herrera/links", headers=read, json=link).status_code == 403
    issued = httpx.post(server + "/api/v1/people/paula-herrera/links", headers=act, json=link)
    assert issued.status_code == 200 and issued.json()["sent_to_holder"] is True
    mail = _mail_to(smtp, "paula.herrera@example.gob.cl")
    url = re.search(r"https?://\S+", mail).group(0)  # type: ignore[union-attr]
    token = url.rstrip("/").rsplit("/", 1)[-1]
    assert token not in issued.text and "http" not in issued.text  # the link went to her, not to the API caller
    assert httpx.get(server + "/api/v1/people", headers=read).json()["people"]
    assert {p["key"]: p for p in httpx.get(server + "/api/v1/people", headers=read).json()["people"]}[
        "paula-herrera"]["page_link"] is not None
    bad = httpx.post(server + "/api/v1/people/paula-herrera/links", headers=act,
                     json={"kind": "page", "action": "revoke", "reason": " "})
    assert bad.status_code == 422 and [p["field"] for p in bad.json()["problems"]] == ["reason"]
    with session_scope(world, readonly=True) as s:
        made = s.exec(select(AuditEntry).where(AuditEntry.table_name == "page_link", AuditEntry.op == "insert")).all()
        assert [e.actor for e in made] == ["claire-dubois"]
        refused = s.exec(select(AuditEntry).where(AuditEntry.op == "refused")).all()
        assert [(e.actor, e.changes["via"]) for e in refused] == [("claire-dubois", "api")]


def test_lead_times_are_previewed_then_confirmed_with_the_cycles_version_and_un_dates_never_move(server, world):  # type: ignore[no-untyped-def]
    _, reading = _token(world, "claire-dubois", "read")
    _, acting = _token(world, "claire-dubois", "act")
    read, act = {"Authorization": f"Bearer {reading}"}, {"Authorization": f"Bearer {acting}"}
    leads = httpx.get(server + "/api/v1/cycles/1/lead-times", headers=read).json()
    keys = {r["key"]: r for r in leads["lead_times"]}
    assert "draft" in keys and not {"submission", "review", "stakeholder_deadline"} & set(keys)
    draft = keys["draft"]
    assert (draft["counts_from"], draft["amount"], draft["unit"]) == ("submission", -10, "weeks")
    change = {"draft": {"amount": -12, "unit": "weeks"}}
    un = httpx.post(server + "/api/v1/cycles/1/lead-times", headers=act,
                    json={"lead_times": {"submission": {"amount": -1, "unit": "weeks"}}, "version": leads["version"]})
    assert un.status_code == 422 and un.json()["problems"][0]["field"] == "lead_times.submission"
    assert httpx.post(server + "/api/v1/cycles/1/lead-times", headers=read,
                      json={"lead_times": change, "version": leads["version"]}).status_code == 403
    with session_scope(world, readonly=True) as s:
        before = {m.key: m.due_date for m in s.exec(select(Milestone).where(Milestone.cycle_id == 1))}
    preview = httpx.post(server + "/api/v1/cycles/1/lead-times", headers=act,
                         json={"lead_times": change, "version": leads["version"]}).json()
    assert preview["saved"] is False and [m["key"] for m in preview["moved"]] == ["draft"]
    assert (preview["moved"][0]["after"] < preview["moved"][0]["before"])  # two weeks more: earlier
    with session_scope(world, readonly=True) as s:
        assert {m.key: m.due_date for m in s.exec(select(Milestone).where(Milestone.cycle_id == 1))} == before
    stale = httpx.post(server + "/api/v1/cycles/1/lead-times", headers=act,
                       json={"lead_times": change, "version": "2027-01-01T00:00:00+00:00", "confirm": True})
    assert stale.status_code == 409
    saved = httpx.post(server + "/api/v1/cycles/1/lead-times", headers=act,
                       json={"lead_times": change, "version": leads["version"], "confirm": True}).json()
    assert saved["saved"] and saved["moved"] == preview["moved"] and saved["version"] != leads["version"]
    again = httpx.get(server + "/api/v1/cycles/1/lead-times", headers=read).json()
    assert {r["key"]: (r["amount"], r["unit"], r["custom"]) for r in again["lead_times"]}["draft"] == (-12, "weeks",
                                                                                                     True)
    with session_scope(world, readonly=True) as s:
        after = {m.key: m.due_date for m in s.exec(select(Milestone).where(Milestone.cycle_id == 1))}
        assert {k for k in after if after[k] != before[k]} == {"draft"}
        moved = s.exec(select(AuditEntry).where(AuditEntry.table_name == "milestone", AuditEntry.op == "update")).all()
        assert moved and {e.actor for e in moved} == {"claire-dubois"}


def test_a_member_and_an_institution_leave_a_running_cycle_through_the_api(server, world):  # type: ignore[no-untyped-def]
    with session_scope(world, actor="test") as s:
        s.add(CycleMember(cycle_id=1, person_id=get_person(session=s, state=get_state(session=s),
                                                           key="valentina-diaz").id))
    _, reading = _token(world, "claire-dubois", "read")
    _, acting = _token(world, "claire-dubois", "act")
    read, act = {"Authorization": f"Bearer {reading}"}, {"Authorization": f"Bearer {acting}"}
    version = httpx.get(server + "/api/v1/cycles/1", headers=read).json()["version"]
    assert httpx.post(server + "/api/v1/cycles/1/remove", headers=read,
                      json={"member": "valentina-diaz", "reason": "left"}).status_code == 403
    bad = httpx.post(server + "/api/v1/cycles/1/remove", headers=act, json={"reason": " "})
    assert bad.status_code == 422 and {p["field"] for p in bad.json()["problems"]} == {"who", "reason"}
    assert httpx.post(server + "/api/v1/cycles/1/remove", headers=act,
                      json={"member": "valentina-diaz", "reason": "left", "version": "2027-01-01T00:00:00+00:00"}
                      ).status_code == 409
    left = httpx.post(server + "/api/v1/cycles/1/remove", headers=act,
                      json={"member": "valentina-diaz", "reason": "moved to another post", "version": version})
    assert left.status_code == 200
    # She was the Ministry of Women's only focal point: its deadlines are named as reaching nobody now.
    assert [m["key"] for m in left.json()["unowned"]] and all(m["key"].endswith(":women")
                                                              for m in left.json()["unowned"])
    late = httpx.get(server + "/api/v1/today", headers=read).json()["late"]
    assert [i["owners"] for i in late if i["key"].endswith(":women")] == [[]]  # no longer named as its owner
    gone = httpx.post(server + "/api/v1/cycles/1/remove", headers=act,
                      json={"institution": "health", "reason": "merged with Social Development"})
    assert gone.status_code == 200 and gone.json()["cancelled"]
    assert all(k.endswith(":health") for k in gone.json()["cancelled"])
    assert httpx.post(server + "/api/v1/cycles/1/remove", headers=act,
                      json={"institution": "health", "reason": "again"}).status_code == 422
    with session_scope(world, readonly=True) as s:
        acts = s.exec(select(AuditEntry).where(AuditEntry.table_name.in_(("cycle_member", "cycle_departure",  # type: ignore[attr-defined]
                                                                           "cycle_institution")))).all()
        assert {e.table_name for e in acts} >= {"cycle_member", "cycle_departure", "cycle_institution"}
        # The removals (the launch and the test inserted the rest) were done under the token's holder.
        assert {e.actor for e in acts if e.op != "insert" or e.table_name == "cycle_departure"} == {"claire-dubois"}


def test_the_regional_view_is_read_through_the_api(server, world):  # type: ignore[no-untyped-def]
    _, reading = _token(world, "claire-dubois", "read")
    read = {"Authorization": f"Bearer {reading}"}
    assert httpx.get(server + "/api/v1/region").status_code == 401
    region = httpx.get(server + "/api/v1/region", headers=read).json()
    today = httpx.get(server + "/api/v1/today", headers=read).json()
    assert [ln["code"] for ln in region["states"]] == ["CL"]
    assert region["states"][0]["late"] == len(today["late"]) == len(region["late"])
    assert {i["milestone_id"] for i in region["late"]} == {i["milestone_id"] for i in today["late"]}
    chosen = httpx.get(server + "/api/v1/region", params={"state": "cl"}, headers=read).json()
    assert chosen["chosen"] == "CL" and all(i["state"] == "CL" for i in chosen["late"])
