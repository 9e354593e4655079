"""The console's OpenID Connect relying party, with Authlib: discovery, the authorization URL, the code, the ID token.

Authorization code flow with PKCE (S256), `state` and `nonce`. The ID token's
signature is checked against the provider's JWKS (fetched again once when a
token names a key we do not have: the provider rotated its keys), then its
issuer, audience, expiry and nonce by Authlib's CodeIDToken. The provider's
metadata and keys are kept an hour.

The client secret is read from the environment variable or file the profile
names, when it is needed; it is never logged, shown or put in an error. An
error says what failed in words a person can act on, and names no secret.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from nmrf.services.console_oidc import Provider

METADATA_TTL = 3600.0  # seconds a provider's metadata and keys are kept
HTTP_TIMEOUT = 10.0
LEEWAY = 120  # seconds of clock difference tolerated between the provider and us (Authlib's default)
CALLBACK_PATH = "/console/oidc/{code}/callback"


class ProviderError(Exception):
    """The provider could not be used or answered something we do not accept; the message names no secret."""


@dataclass(frozen=True)
class Request:
    """What the browser carries between the redirect to the provider and the way back (in a signed cookie)."""

    state: str
    nonce: str
    verifier: str

    @classmethod
    def new(cls) -> Request:
        # 48 characters of verifier: RFC 7636 asks for 43 to 128 from the unreserved set.
        return cls(state=generate_token(32), nonce=generate_token(32), verifier=generate_token(48))


def client_secret(provider: Provider) -> str | None:
    """The secret from the environment variable or file the profile names; None for a public client."""
    if provider.client_secret_env:
        value = os.environ.get(provider.client_secret_env, "").strip()
        if not value:
            raise ProviderError(f"the client secret for {provider.name} is not set: the profile names the "
                                f"environment variable {provider.client_secret_env}, which is empty")
        return value
    if provider.client_secret_file:
        try:
            value = Path(provider.client_secret_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ProviderError(f"the client secret for {provider.name} cannot be read from "
                                f"{provider.client_secret_file} ({exc.strerror})") from None
        if not value:
            raise ProviderError(f"the client secret file for {provider.name} ({provider.client_secret_file}) is empty")
        return value
    return None


@dataclass
class _Known:
    metadata: dict[str, Any]
    keys: dict[str, Any] | None
    at: float


@dataclass
class RelyingParty:
    """Talks to the providers of every State this server serves; one per app (it keeps their metadata)."""

    _known: dict[str, _Known] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- the provider's metadata and keys
    def _get(self, url: str) -> dict[str, Any]:
        try:
            resp = requests.get(url, headers={"Accept": "application/json"}, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise ProviderError(f"the identity provider cannot be reached ({type(exc).__name__})") from None
        if resp.status_code != 200:
            raise ProviderError(f"the identity provider answered {resp.status_code} at {url}")
        try:
            data = resp.json()
        except ValueError:
            raise ProviderError(f"the identity provider's answer at {url} is not JSON") from None
        if not isinstance(data, dict):
            raise ProviderError(f"the identity provider's answer at {url} is not a JSON object")
        return data

    def metadata(self, provider: Provider) -> dict[str, Any]:
        with self._lock:
            known = self._known.get(provider.issuer)
            if known is not None and time.monotonic() - known.at < METADATA_TTL:
                return known.metadata
        meta = self._get(provider.issuer.rstrip("/") + "/.well-known/openid-configuration")
        # OpenID Connect Discovery 1.0, section 4.3: the issuer in the document is the one we asked for.
        if meta.get("issuer") != provider.issuer:
            raise ProviderError(f"the provider's metadata names the issuer {meta.get('issuer')!r}, "
                                f"not {provider.issuer!r} as the profile says")
        for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(meta.get(needed), str):
                raise ProviderError(f"the provider's metadata has no {needed}")
        with self._lock:
            self._known[provider.issuer] = _Known(metadata=meta, keys=None, at=time.monotonic())
        return meta

    def _keys(self, provider: Provider, *, again: bool = False) -> KeySet:
        meta = self.metadata(provider)
        with self._lock:
            known = self._known.get(provider.issuer)
            keys = known.keys if known is not None and not again else None
        if keys is None:
            keys = self._get(meta["jwks_uri"])
            with self._lock:
                if provider.issuer in self._known:
                    self._known[provider.issuer].keys = keys
        try:
            return KeySet.import_key_set(keys)  # type: ignore[arg-type]
        except (JoseError, ValueError, KeyError, TypeError):
            raise ProviderError("the provider's key set (JWKS) cannot be read") from None

    # ---- the flow
    def _client(self, provider: Provider, *, redirect_uri: str) -> OAuth2Session:
        secret = client_secret(provider)
        meta = self.metadata(provider)
        methods = meta.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        method = "none" if secret is None else (
            "client_secret_basic" if "client_secret_basic" in methods else "client_secret_post")
        return OAuth2Session(client_id=provider.client_id, client_secret=secret, scope=" ".join(provider.scopes),
                             redirect_uri=redirect_uri, code_challenge_method="S256",
                             token_endpoint_auth_method=method)

    def authorization_url(self, provider: Provider, request: Request, *, redirect_uri: str,
                          language: str | None = None) -> str:
        extra = {"ui_locales": language} if language else {}
        with self._client(provider, redirect_uri=redirect_uri) as client:
            url, _ = client.create_authorization_url(self.metadata(provider)["authorization_endpoint"],
                                                     state=request.state, nonce=request.nonce,
                                                     code_verifier=request.verifier, **extra)
        return url

    def claims(self, provider: Provider, request: Request, *, code: str, redirect_uri: str,
               now: int) -> dict[str, Any]:
        """Spend the code (with the PKCE verifier) and return the ID token's checked claims.

        `now` is the wall clock in seconds (the provider's tokens live in real time even when the console
        runs on a fixed clock for a demo)."""
        token = self.exchange(provider, request, code=code, redirect_uri=redirect_uri)
        return self.check_id_token(provider, token["id_token"], nonce=request.nonce,
                                   access_token=token.get("access_token"), now=now)

    def exchange(self, provider: Provider, request: Request, *, code: str, redirect_uri: str) -> dict[str, Any]:
        """The token endpoint's answer for this code: it holds the ID token."""
        meta = self.metadata(provider)
        try:
            with self._client(provider, redirect_uri=redirect_uri) as client:
                token = client.fetch_token(meta["token_endpoint"], grant_type="authorization_code", code=code,
                                           code_verifier=request.verifier, timeout=HTTP_TIMEOUT)
        except requests.RequestException as exc:
            raise ProviderError(f"the identity provider cannot be reached ({type(exc).__name__})") from None
        except Exception as exc:  # Authlib's OAuthError and kin: the provider refused the code
            error = getattr(exc, "error", None) or type(exc).__name__
            raise ProviderError(f"the identity provider refused the sign-in code ({error})") from None
        if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
            raise ProviderError("the identity provider sent no ID token")
        return dict(token)

    def check_id_token(self, provider: Provider, id_token: str, *, nonce: str, access_token: str | None,
                       now: int) -> dict[str, Any]:
        meta = self.metadata(provider)
        # An unsigned token ("none") is never accepted, whatever the metadata lists.
        algorithms = [a for a in meta.get("id_token_signing_alg_values_supported") or ["RS256"]
                      if isinstance(a, str) and a.lower() != "none"] or ["RS256"]
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(id_token, key=self._keys(provider), registry=registry)
            except InvalidKeyIdError:
                decoded = jwt.decode(id_token, key=self._keys(provider, again=True), registry=registry)
        except (JoseError, ValueError) as exc:
            raise ProviderError(f"the ID token's signature does not verify ({type(exc).__name__})") from None
        params = {"nonce": nonce, "client_id": provider.client_id}
        if access_token:
            params["access_token"] = access_token
        claims = CodeIDToken(decoded.claims, decoded.header,
                             {"iss": {"essential": True, "value": provider.issuer},
                              "aud": {"essential": True, "value": provider.client_id},
                              "nonce": {"essential": True}}, params)
        try:
            claims.validate(now=now, leeway=LEEWAY)
        except JoseError as exc:
            raise ProviderError(f"the ID token is not for this sign-in ({exc.error}: "
                                f"{getattr(exc, 'claim', '') or exc.description})") from None
        return dict(claims)
