"""A real OpenID Connect provider on 127.0.0.1 for the console's sign-in tests, built from Authlib's server classes.

Not a mock of the client: it is what a government's identity provider does, small.
One registered client (id, secret, one redirect URI), the authorization code flow
with PKCE required (S256) and a nonce required, ID tokens signed RS256 with a key
made at start and published at /jwks, discovery at
/.well-known/openid-configuration. Its login page asks for a user name; the users
and their claims are given at start. "Cancel" answers access_denied, as a
provider does when the person declines.
"""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import AccessDeniedError, ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, OpenIDCode, UserInfo
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    at: float = field(default_factory=time.time)

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(self.at)

    def get_acr(self) -> str:
        return ""

    def get_amr(self) -> list[str]:
        return []


@dataclass
class Provider:
    """What a test needs to know: where it is, the client it expects, what it saw."""

    issuer: str
    client_id: str
    client_secret: str
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)


def _app(provider: Provider, *, redirect_uri: str, users: dict[str, dict[str, Any]]) -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = secrets.token_bytes(16)
    key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1", "use": "sig", "alg": "RS256"})
    client = Client(provider.client_id, provider.client_secret, redirect_uri)
    codes: dict[str, Code] = {}

    class CodeGrant(grants.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

        def save_authorization_code(self, code: str, request: Any) -> None:
            p = request.payload
            codes[code] = Code(code=code, client_id=request.client.client_id, redirect_uri=p.redirect_uri,
                               scope=p.scope, user=request.user, nonce=p.data.get("nonce"),
                               code_challenge=p.data.get("code_challenge"),
                               code_challenge_method=p.data.get("code_challenge_method"))

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            found = codes.get(code)
            return found if found is not None and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> str:
            return authorization_code.user

    class IdToken(OpenIDCode):
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return any(c.nonce == nonce for c in codes.values())

        def resolve_client_private_key(self, client: Any) -> Any:
            return key

        def get_client_algorithm(self, client: Any) -> str:
            return "RS256"

        def get_client_claims(self, client: Any) -> dict[str, Any]:
            return {"iss": provider.issuer, "aud": [provider.client_id], "exp": int(time.time()) + 300}

        def get_encode_header(self, client: Any) -> dict[str, str]:
            return {"alg": "RS256", "kid": "test-key-1"}

        def generate_user_info(self, user: str, scope: str) -> UserInfo:
            claims = dict(users[user])
            if "email" not in scope.split():
                claims = {k: v for k, v in claims.items() if not k.startswith("email")}
            return UserInfo(sub=f"sub-{user}", **claims)

    server = AuthorizationServer(app, query_client=lambda cid: client if cid == client.client_id else None,
                                 save_token=lambda token, request: None)
    server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

    @app.get("/.well-known/openid-configuration")
    def discovery():  # type: ignore[no-untyped-def]
        return flask.jsonify({
            "issuer": provider.issuer, "authorization_endpoint": provider.issuer + "/authorize",
            "token_endpoint": provider.issuer + "/token", "jwks_uri": provider.issuer + "/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "email", "profile"]})

    @app.get("/jwks")
    def jwks():  # type: ignore[no-untyped-def]
        return flask.jsonify(KeySet([key]).as_dict(private=False))

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():  # type: ignore[no-untyped-def]
        if flask.request.method == "GET":
            provider.authorize_requests.append(dict(flask.request.args))
            try:
                server.get_consent_grant(end_user=None)
            except Exception as exc:  # a bad request: no redirect back, as a provider does
                return f"<p>invalid request: {html.escape(str(getattr(exc, 'description', exc)))}</p>", 400
            return (f"<!doctype html><html lang='en'><head><title>Test identity provider</title></head><body>"
                    f"<main><h1>Test identity provider</h1><form method='post'>"
                    f"<label for='user'>User name</label> <input id='user' name='user'> "
                    f"<button name='action' value='sign-in'>Sign in at the provider</button> "
                    f"<button name='action' value='cancel'>Cancel</button></form></main></body></html>")
        user = flask.request.form.get("user", "")
        if flask.request.form.get("action") == "cancel" or user not in users:
            return server.handle_error_response(server.create_oauth2_request(None),
                                                AccessDeniedError(redirect_uri=client.redirect_uri,
                                                                  state=flask.request.args.get("state")))
        return server.create_authorization_response(grant_user=user, grant=server.get_consent_grant(end_user=user))

    @app.post("/token")
    def token():  # type: ignore[no-untyped-def]
        provider.token_requests.append(dict(flask.request.form))
        return server.create_token_response()

    return app


@contextmanager
def running_provider(*, redirect_uri: str, users: dict[str, dict[str, Any]],
                     client_id: str = "nmrf-console") -> Iterator[Provider]:
    """Start the provider on a free port of 127.0.0.1 in a thread; stop it at the end."""
    srv = make_server("127.0.0.1", 0, flask.Flask(__name__), threaded=True)
    provider = Provider(issuer=f"http://127.0.0.1:{srv.server_port}", client_id=client_id,
                        client_secret=secrets.token_urlsafe(24))
    srv.app = _app(provider, redirect_uri=redirect_uri, users=users)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        srv.shutdown()
        thread.join(5)
        srv.server_close()
