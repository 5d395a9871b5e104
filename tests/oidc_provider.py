"""A real OpenID Connect provider for tests, made of authlib's server components.

authlib's ``AuthorizationServer`` with its ``AuthorizationCodeGrant``, the PKCE extension
(``CodeChallenge``, required) and OpenID Connect's ``OpenIDCode`` (ID tokens signed with RSA
keys from joserfc), behind a small litestar app served by uvicorn on a free port: discovery
(``/.well-known/openid-configuration``), the key set (``/jwks``), the authorization endpoint
(``/authorize``, which signs in the user the test chose, with no page) and the token endpoint
(``/token``, client_secret_basic). Tinget talks to it over real HTTP.

A test steers it as a misbehaving or rotating provider would behave: ``claims`` overrides the
ID token's claims (a wrong nonce, an expired token), ``tamper`` changes the token's payload
after signing, ``token_padding`` swells the token endpoint's answer, ``rotate()`` signs with
a new key (published, the old one gone) and ``sign_with_unpublished()`` signs with a key the
key set does not hold.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin, OAuth2Request
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from authlib.oidc.core.models import AuthorizationCodeMixin
from joserfc.jwk import RSAKey
from litestar import Litestar, Request, Response, get, post
from litestar.params import RawBody

from tests.api import Town
from tests.helpers import serving


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in ("openid", "email", "profile"))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class User:
    sub: str
    claims: dict[str, Any]

    def get_user_id(self) -> str:
        return self.sub


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: User
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return None

    def get_amr(self) -> list[str] | None:
        return None


class _Request(OAuth2Request):  # type: ignore[misc]
    """An authlib request made from a litestar request's query and form."""

    def __init__(self, method: str, uri: str, headers: Any, values: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self._values = values
        self.payload = BasicOAuth2Payload(values)

    @property
    def args(self) -> dict[str, str]:
        return self._values

    @property
    def form(self) -> dict[str, str]:
        return self._values


class Provider:
    """The provider's state: clients, users, codes and signing keys, steered by the test."""

    def __init__(self) -> None:
        self.issuer = ""  # set once it serves
        self.clients: dict[str, Client] = {}
        self.users: dict[str, User] = {}
        self.signed_in: str | None = None  # the user /authorize signs in
        self.codes: dict[str, Code] = {}
        self.key = RSAKey.generate_key(2048, parameters={"kid": "key-1"}, private=True)
        self.published: list[RSAKey] = [self.key]
        self.claims: dict[str, Any] = {}  # overrides of the next ID tokens' claims
        self.tamper = False
        self.token_padding = 0  # characters of filler the token endpoint adds to its answer
        self.jwks_fetches = 0
        self.token_requests = 0
        self.server = self._server()

    # -- steering ---------------------------------------------------------------------------

    def add_client(self, client_id: str, secret: str, redirect_uri: str) -> None:
        self.clients[client_id] = Client(client_id, secret, [redirect_uri])

    def add_user(self, name: str, **claims: Any) -> None:
        self.users[name] = User(sub=claims.pop("sub", secrets.token_hex(8)), claims=claims)

    def rotate(self) -> None:
        """Sign with a new key from now on; the key set holds only the new one."""
        number = int(str(self.key.kid).rsplit("-", 1)[1]) + 1
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"key-{number}"}, private=True)
        self.published = [self.key]

    def sign_with_unpublished(self) -> None:
        """Sign with a key nobody can fetch (a forger's, named like a real one)."""
        self.key = RSAKey.generate_key(2048, parameters={"kid": "forged"}, private=True)

    # -- authlib's server -------------------------------------------------------------------

    def _server(self) -> AuthorizationServer:
        provider = self

        class Server(AuthorizationServer):  # type: ignore[misc]
            def query_client(self, client_id: str) -> Client | None:
                return provider.clients.get(client_id)

            def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
                provider.token_requests += 1

            def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
                return request

            def handle_response(
                self, status: int, body: Any, headers: list[tuple[str, str]]
            ) -> tuple[int, Any, list[tuple[str, str]]]:
                return status, body, headers

            def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
                pass

        class Grant(AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

            def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
                data = request.payload.data
                provider.codes[code] = Code(
                    code=code,
                    client_id=request.payload.client_id,
                    redirect_uri=request.payload.redirect_uri,
                    scope=request.payload.scope,
                    user=request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = provider.codes.get(code)
                if found is not None and found.client_id == client.client_id:
                    return found
                return None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> User:
                return authorization_code.user

        class OpenID(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
                return any(c.nonce == nonce for c in provider.codes.values())

            def resolve_client_private_key(self, client: Client) -> RSAKey:
                return provider.key

            def get_client_algorithm(self, client: Client) -> str:
                return "RS256"

            def get_encode_header(self, client: Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": str(provider.key.kid)}

            def get_client_claims(self, client: Client) -> dict[str, Any]:
                now = int(time.time())
                return {"iss": provider.issuer, "aud": [client.client_id], "exp": now + 300}

            def generate_user_info(self, user: User, scope: str) -> UserInfo:
                # applied last (authlib), so the test's overrides win over every claim it
                # sets itself: iat, exp, nonce, aud
                return UserInfo(sub=user.sub, **{**user.claims, **provider.claims})

            def encode_id_token(self, token: dict[str, Any], request: OAuth2Request) -> str:
                return self._steered(super().encode_id_token(token, request))

            def _steered(self, id_token: str) -> str:
                if not provider.tamper:
                    return id_token
                header, payload, signature = id_token.split(".")
                claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
                claims["email"] = "mayor@example.org"
                claims["personal_number"] = "191212121212"
                forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
                return f"{header}.{forged.decode()}.{signature}"

        server = Server(scopes_supported=["openid", "email", "profile"])
        server.register_token_generator(
            "default", BearerTokenGenerator(lambda *a, **k: secrets.token_urlsafe(24))
        )
        server.register_grant(Grant, [CodeChallenge(required=True), OpenID(require_nonce=True)])
        return server

    # -- HTTP -------------------------------------------------------------------------------

    def app(self) -> Litestar:
        provider = self

        @get("/.well-known/openid-configuration", sync_to_thread=False)
        def discovery() -> dict[str, Any]:
            return {
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            }

        @get("/jwks", sync_to_thread=False)
        def jwks() -> dict[str, Any]:
            provider.jwks_fetches += 1
            return {"keys": [key.as_dict(private=False) for key in provider.published]}

        @get("/authorize", sync_to_thread=False)
        def authorize(request: Request[Any, Any, Any]) -> Response[Any]:
            values = dict(request.query_params)
            oauth = _Request("GET", str(request.url), request.headers, values)
            user = None if provider.signed_in is None else provider.users[provider.signed_in]
            try:
                grant = provider.server.get_consent_grant(oauth, end_user=user)
            except OAuth2Error as error:
                return Response({"error": error.error}, status_code=400)
            status, body, headers = provider.server.create_authorization_response(
                oauth, grant_user=user, grant=grant
            )
            return Response(body or "", status_code=status, headers=dict(headers))

        @post("/token", sync_to_thread=False, status_code=200)
        def token(request: Request[Any, Any, Any], body: RawBody) -> Response[Any]:
            values = dict(parse_qsl(body.decode()))
            oauth = _Request("POST", str(request.url), request.headers, values)
            status, answer, headers = provider.server.create_token_response(oauth)
            if provider.token_padding and isinstance(answer, dict):
                answer = {**answer, "padding": "x" * provider.token_padding}
            return Response(answer, status_code=status, headers=dict(headers))

        return Litestar([discovery, jwks, authorize, token], debug=False)


@asynccontextmanager
async def oidc_provider() -> AsyncIterator[Provider]:
    """A provider served on a free port of 127.0.0.1, its issuer being its address."""
    provider = Provider()
    async with serving(provider.app()) as url:
        provider.issuer = url
        yield provider


CLIENT_SECRET = "client-secret-of-the-municipality-0123456789"


def callback_uri(town: Town) -> str:
    """Where the provider sends the browser back: the town's public URL (https, first host)."""
    return f"https://{town.host}/sign-in/oidc/callback"


async def configure(
    client: httpx.AsyncClient,
    town: Town,
    admin: str,
    provider: Provider,
    name: str = "idp",
    **settings: Any,
) -> dict[str, Any]:
    """Register the town as a client of ``provider`` and configure it as ``name``."""
    client_id = f"tinget-{town.slug}-{name}"
    provider.add_client(client_id, CLIENT_SECRET, callback_uri(town))
    body: dict[str, Any] = {
        "issuer": provider.issuer,
        "client_id": client_id,
        "client_secret": CLIENT_SECRET,
        "signs_in": "staff",
    }
    body.update(settings)
    response = await client.put(
        f"/api/v1/sign-in-providers/{name}", json=body, headers=town.headers(admin)
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def begin(client: httpx.AsyncClient, town: Town, name: str = "idp") -> tuple[str, str]:
    """Start a sign-in and let the provider sign in its chosen user: the code and state it
    sends the browser back to the town's page with."""
    started = await client.get(f"/api/v1/sign-in/oidc/{name}", headers=town.headers())
    assert started.status_code == 303, started.text
    async with httpx.AsyncClient() as browser:
        authorized = await browser.get(started.headers["location"])
    assert authorized.status_code == 302, authorized.text
    back = httpx.URL(authorized.headers["location"])
    assert str(back.copy_with(query=None)) == callback_uri(town)
    return back.params["code"], back.params["state"]


async def finish(client: httpx.AsyncClient, town: Town, code: str, state: str) -> httpx.Response:
    """The browser back at the callback, asking for English: a refusal's words are checked."""
    return await client.get(
        "/api/v1/sign-in/oidc/callback",
        params={"code": code, "state": state},
        headers=town.headers(language="en"),
    )


async def sign_in(
    client: httpx.AsyncClient, town: Town, provider: Provider, user: str, name: str = "idp"
) -> httpx.Response:
    """A whole sign-in of ``user`` at ``provider``, configured in the town as ``name``."""
    provider.signed_in = user
    code, state = await begin(client, town, name)
    return await finish(client, town, code, state)
