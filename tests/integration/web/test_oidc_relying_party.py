"""The console's OpenID Connect client against a real provider on 127.0.0.1 (tests/support/oidc_provider.py).

Genuine codes and ID tokens from the provider, then each thing a forger or a misconfiguration changes: the
nonce, the audience, the issuer, the expiry, the signature, a token signed with another key under the
provider's key id, the client secret, the PKCE verifier. Each is refused with a reason; no secret is in it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from tests.support.oidc_provider import Provider as RunningProvider
from tests.support.oidc_provider import running_provider

from nmrf.services.console_oidc import Provider
from nmrf.web.oidc import LEEWAY, ProviderError, RelyingParty, Request

REDIRECT = "http://127.0.0.1:9/console/oidc/CL/callback"  # never opened: the test reads the code from the redirect
USERS = {"ana": {"email": "ana.rojas@example.gob.cl", "email_verified": True}}


@pytest.fixture
def idp(monkeypatch) -> Iterator[RunningProvider]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider's own check: plain HTTP on 127.0.0.1
    with running_provider(redirect_uri=REDIRECT, users=USERS) as provider:
        monkeypatch.setenv("NMRF_TEST_OIDC_SECRET", provider.client_secret)
        yield provider


def _config(idp: RunningProvider, **changes: object) -> Provider:
    values = dict(state_code="CL", name="Test", issuer=idp.issuer, client_id=idp.client_id,
                  client_secret_env="NMRF_TEST_OIDC_SECRET", scopes=("openid", "email"))
    return Provider(**(values | changes))  # type: ignore[arg-type]


def _code(rp: RelyingParty, config: Provider, flow: Request) -> str:
    """What the browser would do: sign in at the provider as ana; the code from its redirect back."""
    url = rp.authorization_url(config, flow, redirect_uri=REDIRECT)
    answer = requests.post(url, data={"user": "ana", "action": "sign-in"}, allow_redirects=False, timeout=10)
    back = parse_qs(urlsplit(answer.headers["location"]).query)
    assert back["state"] == [flow.state]
    return back["code"][0]


def _token(idp: RunningProvider) -> tuple[RelyingParty, Provider, Request, dict]:
    rp, config, flow = RelyingParty(), _config(idp), Request.new()
    return rp, config, flow, rp.exchange(config, flow, code=_code(rp, config, flow), redirect_uri=REDIRECT)


def _refused(call, *words: str) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ProviderError) as caught:
        call()
    for word in words:
        assert word in str(caught.value)
    return str(caught.value)


def test_a_genuine_id_token_passes_and_every_altered_one_is_refused(idp):  # type: ignore[no-untyped-def]
    rp, config, flow, token = _token(idp)
    now = jwt.decode(token["id_token"], rp._keys(config)).claims["iat"]
    claims = rp.check_id_token(config, token["id_token"], nonce=flow.nonce, access_token=token["access_token"],
                               now=now)
    assert claims["email"] == "ana.rojas@example.gob.cl" and claims["sub"] == "sub-ana"
    assert claims["iss"] == idp.issuer and claims["aud"] == [idp.client_id]

    check = rp.check_id_token
    _refused(lambda: check(config, token["id_token"], nonce="another", access_token=None, now=now), "nonce")
    _refused(lambda: check(_config(idp, client_id="another-client"), token["id_token"], nonce=flow.nonce,
                           access_token=None, now=now), "aud")
    exp = jwt.decode(token["id_token"], rp._keys(config)).claims["exp"]
    _refused(lambda: check(config, token["id_token"], nonce=flow.nonce, access_token=None, now=exp + LEEWAY + 1),
             "exp")
    head, body, signature = token["id_token"].split(".")
    flipped = "A" if signature[0] != "A" else "B"  # the first six bits of the signature changed
    _refused(lambda: check(config, f"{head}.{body}.{flipped}{signature[1:]}", nonce=flow.nonce, access_token=None,
                           now=now), "signature")
    # Claims of the forger's choosing, signed with another key under the provider's key id.
    forged_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
    forged = jwt.encode({"alg": "RS256", "kid": "test-key-1"},
                        {"iss": idp.issuer, "aud": idp.client_id, "sub": "x", "email": "ana.rojas@example.gob.cl",
                         "iat": now, "exp": now + 300, "nonce": flow.nonce}, forged_key)
    _refused(lambda: check(config, forged, nonce=flow.nonce, access_token=None, now=now), "signature")
    # The same claims unsigned ("alg": "none").
    unsigned = ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=") for part in (
        {"alg": "none"}, jwt.decode(forged, forged_key).claims)) + "."
    _refused(lambda: check(config, unsigned, nonce=flow.nonce, access_token=None, now=now), "signature")


def test_metadata_that_names_another_issuer_is_refused(idp):  # type: ignore[no-untyped-def]
    said = _refused(lambda: RelyingParty().metadata(_config(idp, issuer=idp.issuer + "/")), "issuer")
    assert repr(idp.issuer) in said


def test_the_code_is_spent_only_with_the_right_secret_and_verifier(idp, monkeypatch):  # type: ignore[no-untyped-def]
    rp, config = RelyingParty(), _config(idp)
    flow = Request.new()
    wrong = Request(state=flow.state, nonce=flow.nonce, verifier=Request.new().verifier)
    _refused(lambda: rp.exchange(config, wrong, code=_code(rp, config, flow), redirect_uri=REDIRECT),
             "refused the sign-in code", "invalid_grant")

    monkeypatch.setenv("NMRF_TEST_OIDC_SECRET", "not-the-secret-" + idp.client_secret[:4])
    flow = Request.new()
    said = _refused(lambda: rp.exchange(config, flow, code=_code(rp, config, flow), redirect_uri=REDIRECT),
                    "invalid_client")
    assert "not-the-secret" not in said and idp.client_secret not in said

    monkeypatch.delenv("NMRF_TEST_OIDC_SECRET")
    _refused(lambda: rp.authorization_url(config, Request.new(), redirect_uri=REDIRECT),
             "NMRF_TEST_OIDC_SECRET", "empty")
