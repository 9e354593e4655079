"""The identity provider in the profile (console.openid_connect) and who its claims sign in, on a real database.

The profile refuses a client secret written in it, a provider on plain HTTP away from 127.0.0.1 and scopes
without openid, each with its line; what it accepts lands on the State without any secret. The claims name a
person through one of their e-mail addresses or their key; an unverified e-mail, a stranger and a person
without a console role are refused and the refusal stays in the history; roles are the profile's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from tests.support.notify import write_profile

from nmrf.errors import NmrfError
from nmrf.models import AuditEntry, ConsoleSession
from nmrf.models.db import session_scope
from nmrf.profile import load_profile
from nmrf.services.console_oidc import (
    NO_CLAIM,
    NO_ROLE,
    UNKNOWN,
    UNVERIFIED,
    Provider,
    Refused,
    identity_of,
    providers,
    sign_in_with_provider,
)
from nmrf.services.people import get_state
from nmrf.services.profiles import apply_profile

NOW = datetime(2027, 9, 20, 15, 0, tzinfo=UTC)
SPEC = {"name": "ClaveÚnica", "issuer": "https://accounts.claveunica.gob.cl/openid", "client_id": "nmrf",
        "client_secret_env": "NMRF_OIDC_SECRET"}


def _profile(tmp_path: Path, spec: dict) -> Path:
    def edit(data):  # type: ignore[no-untyped-def]
        data["console"] = {"openid_connect": spec}

    return write_profile(tmp_path, edit=edit)


@pytest.mark.parametrize(("change", "said"), [
    ({"client_secret": "s3cr3t-in-the-file"}, "client_secret does not belong in the profile"),
    ({"issuer": "http://accounts.example.gob.cl"}, "expected an https:// address (http:// only on 127.0.0.1)"),
    ({"scopes": ["email"]}, "scopes must include openid"),
    ({"client_secret_file": "/etc/nmrf/oidc"}, "give client_secret_env or client_secret_file, not both"),
    ({"match": "subject"}, "console.openid_connect.match"),
])
def test_a_bad_provider_in_the_profile_is_refused_with_its_line_and_no_secret_echoed(tmp_path, change, said):  # type: ignore[no-untyped-def]
    path = _profile(tmp_path, SPEC | change)
    with pytest.raises(NmrfError) as err:
        load_profile(path)
    text = str(err.value)
    assert said in text and "console.openid_connect" in text and f"{path}:" in text
    assert "s3cr3t-in-the-file" not in text


def test_the_provider_lands_on_the_state_without_a_secret_and_leaves_with_the_profile(engine, tmp_path):  # type: ignore[no-untyped-def]
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(_profile(tmp_path, SPEC)), now=NOW)
    with session_scope(engine, readonly=True) as s:
        [p] = providers(session=s)
    assert (p.state_code, p.name, p.claim, p.match, p.scopes) == ("CL", "ClaveÚnica", "email", "address",
                                                                  ("openid", "email"))
    assert p.client_secret_env == "NMRF_OIDC_SECRET"
    with session_scope(engine, actor="test") as s:
        apply_profile(session=s, profile=load_profile(write_profile(tmp_path)), now=NOW)
    with session_scope(engine, readonly=True) as s:
        assert providers(session=s) == []


def test_claims_name_a_person_only_when_the_provider_vouches_for_them():
    p = Provider(state_code="CL", name="X", issuer="https://x", client_id="c")
    assert identity_of({"email": " Ana.Rojas@Example.gob.cl", "email_verified": True}, p) == "ana.rojas@example.gob.cl"
    assert identity_of({"email": "ana.rojas@example.gob.cl"}, p) == "ana.rojas@example.gob.cl"  # provider silent
    assert identity_of({"email": "a@x.org", "email_verified": False}, p) == Refused(UNVERIFIED, "a@x.org")
    assert identity_of({"email": "a@x.org", "email_verified": "false"}, p) == Refused(UNVERIFIED, "a@x.org")
    assert identity_of({"sub": "1"}, p) == Refused(NO_CLAIM, "")
    by_key = Provider(state_code="CL", name="X", issuer="https://x", client_id="c", claim="preferred_username",
                      match="key")
    assert identity_of({"preferred_username": "tomas-silva", "email_verified": False}, by_key) == "tomas-silva"


def test_sign_in_opens_the_links_session_for_the_profiles_person_and_records_refusals(loaded):  # type: ignore[no-untyped-def]
    by_address = Provider(state_code="CL", name="ClaveÚnica", issuer="https://x", client_id="c")
    by_key = Provider(state_code="CL", name="ClaveÚnica", issuer="https://x", client_id="c",
                      claim="preferred_username", match="key")
    tries = [(by_address, {"email": "tomas.silva@example.gob.cl"}), (by_key, {"preferred_username": "ana-rojas"}),
             (by_address, {"email": "nobody@example.org"}), (by_key, {"preferred_username": "jorge-nunez"})]
    results = []
    for provider, claims in tries:
        with session_scope(loaded, actor="sign-in") as s:
            results.append(sign_in_with_provider(session=s, state=get_state(session=s), provider=provider,
                                                 claims=claims, now=NOW))
    (tomas, _), (ana, _) = results[0], results[1]
    assert (tomas.person.key, tomas.can_act, tomas.can_approve) == ("tomas-silva", True, False)
    assert (ana.person.key, ana.can_approve) == ("ana-rojas", True)  # head of secretariat: the profile says so
    assert results[2:] == [Refused(UNKNOWN, "nobody@example.org"), Refused(NO_ROLE, "jorge-nunez")]
    with session_scope(loaded, readonly=True) as s:
        sessions = s.exec(select(ConsoleSession)).all()
        entries = s.exec(select(AuditEntry).where(AuditEntry.table_name == "console")).all()
    assert [(x.via, x.expires_at - x.created_at) for x in sessions] == [("oidc", sessions[0].expires_at - NOW)] * 2
    assert (sessions[0].expires_at - NOW).total_seconds() == 8 * 3600
    assert [(e.actor, e.op, e.changes.get("why")) for e in entries] == [
        ("tomas-silva", "sign_in", None), ("ana-rojas", "sign_in", None),
        ("nobody@example.org", "refused", UNKNOWN), ("jorge-nunez", "refused", NO_ROLE)]
