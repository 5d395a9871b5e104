"""Sign-in with an identity provider refuses what it must: a tampered, expired or foreign ID
token, a replayed or unknown state, a wrong nonce, a key the provider does not publish,
another municipality's provider or sign-in, and settings that would make the server call its
own network (SSRF) or that break a rule, each answered with a problem naming the reason.

The provider is real (tests/oidc_provider.py, authlib's server components over HTTP); the
test steers it into misbehaving the way a compromised or broken provider would.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from events.errors import InvalidInput
from services.identity.access import Role
from services.identity.oidc import (
    ALLOW_HTTP_LOOPBACK_VARIABLE,
    GuardedTransport,
    check_url,
    ensure_public,
)
from tenants.service import TenantChanges
from tests.api import Town, create_town, staff_token
from tests.oidc_provider import Provider, begin, configure, finish, oidc_provider, sign_in
from tinget.app import build_app
from tinget.bootstrap import Platform


@pytest.fixture(autouse=True)
def _loopback_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's provider is on 127.0.0.1 over plain http, which only this setting allows."""
    monkeypatch.setenv(ALLOW_HTTP_LOOPBACK_VARIABLE, "yes")


@pytest.fixture
async def provider(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> AsyncIterator[Provider]:
    """A provider configured as the town's staff provider ``idp``, with one staff member."""
    async with oidc_provider() as served:
        await platform.identity.add_staff(town.slug, "eva@lund.example", Role.ADMINISTRATOR)
        served.add_user("eva", email="eva@lund.example", email_verified=True)
        await configure(client, town, admin, served)
        yield served


def _refused(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"], response.json()
    assert "token" not in response.json()


async def test_a_working_sign_in_for_contrast(
    client: httpx.AsyncClient, town: Town, provider: Provider
) -> None:
    """The same setup signs in when nobody tampers: every refusal below is the check's."""
    response = await sign_in(client, town, provider, "eva")
    assert response.status_code == 200, response.text


async def test_a_tampered_id_token_is_refused(
    client: httpx.AsyncClient, town: Town, provider: Provider
) -> None:
    provider.tamper = True
    _refused(await sign_in(client, town, provider, "eva"), 401, "signature does not verify")


async def test_a_state_works_once(
    client: httpx.AsyncClient, town: Town, provider: Provider
) -> None:
    provider.signed_in = "eva"
    code, state = await begin(client, town)
    first = await finish(client, town, code, state)
    assert first.status_code == 200, first.text

    _refused(await finish(client, town, code, state), 401, "finished already")
    _refused(await finish(client, town, code, "not-a-state-we-made"), 401, "not known")


async def test_a_sign_in_finishes_only_in_the_browser_that_began_it(
    client: httpx.AsyncClient, platform: Platform, town: Town, provider: Provider
) -> None:
    """Login CSRF: an attacker begins a sign-in as themselves and lures a victim's browser to
    the callback with the attacker's code and state; without the cookie the attacker's browser
    was given, the victim is not signed in as the attacker."""
    provider.signed_in = "eva"
    code, state = await begin(client, town)  # the attacker's browser: the client's cookies
    bindings = [c for c in client.cookies.jar if c.name.startswith("tinget_oidc_")]
    # for the API's callback and for the page the provider sends the browser back to
    assert sorted(c.path for c in bindings) == [
        "/api/v1/sign-in/oidc/callback",
        "/sign-in/oidc/callback",
    ]
    assert all(c.has_nonstandard_attr("HttpOnly") for c in bindings)

    transport = httpx.ASGITransport(app=build_app(platform))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as victim:
        lured = await finish(victim, town, code, state)
        for binding in bindings:
            victim.cookies.set(binding.name, "a-value-of-its-own", path=binding.path)
        guessed = await finish(victim, town, code, state)
        page = await victim.get(
            "/sign-in/oidc/callback", params={"code": code, "state": state}, headers=town.headers()
        )

    _refused(lured, 401, "begun in another browser")
    _refused(guessed, 401, "begun in another browser")
    assert page.status_code == 401, page.text  # the page that finishes it refuses it too
    assert "tinget_session" not in page.headers.get("set-cookie", "")
    assert (await finish(client, town, code, state)).status_code == 200  # where it began


async def test_an_expired_state_is_refused(
    client: httpx.AsyncClient, platform: Platform, town: Town, provider: Provider
) -> None:
    provider.signed_in = "eva"
    code, state = await begin(client, town)
    async with platform.app_pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT set_config('app.tenant_id', $1, true)", town.slug)
        await conn.execute(
            "UPDATE oidc_sign_ins SET expires_at = now() - interval '1 second'"
            " WHERE tenant_id = $1",
            town.slug,
        )
    _refused(await finish(client, town, code, state), 401, "expired")


async def test_a_wrong_nonce_is_refused(
    client: httpx.AsyncClient, town: Town, provider: Provider
) -> None:
    provider.claims = {"nonce": "a-nonce-of-another-sign-in"}
    _refused(await sign_in(client, town, provider, "eva"), 401, "nonce")


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"exp": -3600, "iat": -3700}, "expired"),
        ({"iat": 3600, "exp": 7200}, "in the future"),
        ({"iss": "https://idp.another.example"}, "another issuer"),
        ({"aud": ["someone-else"]}, "another client"),
    ],
)
async def test_an_id_token_out_of_its_time_or_for_another_is_refused(
    client: httpx.AsyncClient,
    town: Town,
    provider: Provider,
    claims: dict[str, Any],
    words: str,
) -> None:
    now = int(time.time())
    provider.claims = {k: now + v if k in ("exp", "iat") else v for k, v in claims.items()}
    _refused(await sign_in(client, town, provider, "eva"), 401, words)


async def test_a_token_signed_by_a_key_the_provider_does_not_publish_is_refused(
    client: httpx.AsyncClient, town: Town, provider: Provider
) -> None:
    provider.sign_with_unpublished()
    _refused(await sign_in(client, town, provider, "eva"), 401, "does not publish")
    assert provider.jwks_fetches == 2  # looked again once, in case it was rotated in


async def test_another_municipalitys_provider_and_sign_in_are_not_known_here(
    client: httpx.AsyncClient, platform: Platform, town: Town, provider: Provider
) -> None:
    other = await create_town(platform, "Malmö")
    provider.signed_in = "eva"
    code, state = await begin(client, town)

    started = await client.get("/api/v1/sign-in/oidc/idp", headers=other.headers())
    finished = await finish(client, other, code, state)

    assert started.status_code == 404, started.text
    _refused(finished, 401, "not known")
    # and the sign-in still works where it began
    assert (await finish(client, town, code, state)).status_code == 200


async def test_a_code_not_given_to_this_sign_in_is_refused(
    client: httpx.AsyncClient, town: Town, provider: Provider
) -> None:
    provider.signed_in = "eva"
    _, state = await begin(client, town)
    _refused(await finish(client, town, "a-code-nobody-gave", state), 401, "did not accept")


BAD_SETTINGS: list[tuple[dict[str, Any], str]] = [
    ({"issuer": "http://idp.lund.example"}, "issuer"),
    ({"issuer": "ftp://idp.lund.example"}, "issuer"),
    ({"issuer": "https://10.1.2.3/realms/lund"}, "issuer"),
    ({"issuer": "https://169.254.169.254/latest"}, "issuer"),
    ({"issuer": "https://[fd00::1]/"}, "issuer"),
    ({"issuer": "https://[::ffff:192.168.1.1]/"}, "issuer"),
    ({"issuer": "https://keycloak.internal/realms/lund"}, "issuer"),
    ({"issuer": "https://intranet/"}, "issuer"),
    ({"issuer": "https://user:pw@idp.lund.example/"}, "issuer"),
    ({"issuer": "http://127.0.0.1.nip.io:8080"}, "issuer"),
    ({"colour": "blue"}, "colour"),
    ({"signs_in": "everyone"}, "signs_in"),
    ({"signs_in": "citizens"}, "identity_claim"),
    ({"identity_claim": "personal_number"}, "identity_claim"),
    ({"scopes": ["email"]}, "scopes"),
    ({"scopes": ["openid", "has space"]}, "scopes[1]"),
    ({"client_id": ""}, "client_id"),
]


async def test_bad_settings_are_refused_naming_the_field(
    client: httpx.AsyncClient, town: Town, admin: str
) -> None:
    for change, field in BAD_SETTINGS:
        body: dict[str, Any] = {
            "issuer": "https://idp.lund.example",
            "client_id": "tinget",
            "client_secret": "s3cret",
            "signs_in": "staff",
        }
        body.update(change)
        response = await client.put(
            "/api/v1/sign-in-providers/idp", json=body, headers=town.headers(admin)
        )
        assert response.status_code == 422, (change, response.text)
        assert response.json()["field"] == field, (change, response.json())
        listed = await client.get("/api/v1/sign-in-providers", headers=town.headers(admin))
        assert listed.json() == []  # nothing half-written


async def test_a_bad_provider_name_and_a_new_provider_without_secret_are_refused(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    admin = await staff_token(platform, town, "boss@lund.example", Role.ADMINISTRATOR)
    body = {"issuer": "https://idp.lund.example", "client_id": "tinget", "signs_in": "staff"}
    for name, field in (("callback", "name"), ("Big_Name", "name"), ("idp", "client_secret")):
        response = await client.put(
            f"/api/v1/sign-in-providers/{name}", json=body, headers=town.headers(admin)
        )
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field


def test_without_the_setting_loopback_and_plain_http_are_refused() -> None:
    for url in (
        "http://127.0.0.1:8080",
        "https://127.0.0.1:8080",
        "https://localhost/",
        "https://idp.localhost/",
        "https://[::1]/",
        "https://localhost./",
        "http://idp.lund.example",
    ):
        with pytest.raises(InvalidInput) as refused:
            check_url(url, "issuer", allow_http_loopback=False)
        assert refused.value.field == "issuer"
    assert check_url("https://idp.lund.example/realms/x", "issuer", allow_http_loopback=False)


async def test_the_servers_own_requests_never_reach_a_non_public_address() -> None:
    """What discovery, the key set and the token endpoint are fetched with refuses a loopback
    URL, and any host name whose addresses are not all public (this machine's own name
    resolves to 127.0.0.1), however public the name looks."""
    async with oidc_provider() as served:
        port = httpx.URL(served.issuer).port
        assert port is not None
        guarded = httpx.AsyncClient(transport=GuardedTransport(allow_http_loopback=False))
        async with guarded:
            for url in (
                f"{served.issuer}/jwks",
                f"https://localhost:{port}/jwks",
                f"https://localhost.:{port}/jwks",
            ):
                with pytest.raises(httpx.ConnectError):
                    await guarded.get(url)
        assert served.jwks_fetches == 0
    with pytest.raises(LookupError, match="non-public"):
        await ensure_public("localhost", 443, allow_loopback=False)
    with pytest.raises(LookupError):  # a private or loopback address, or none at all
        await ensure_public(socket.gethostname(), 443, allow_loopback=False)
    await ensure_public("localhost", 443, allow_loopback=True)


async def test_the_provider_sends_the_browser_back_to_the_configured_public_url_only(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str
) -> None:
    """Whatever Host-like headers the request carried: a poisoned redirect URI would hand the
    code to another site."""
    public = "https://medborgare.lund.example/dialog"
    await platform.tenants.update(town.slug, TenantChanges(public_url=public))
    await platform.catch_up_projections()
    async with oidc_provider() as served:
        configured = await configure(client, town, admin, served)
        started = await client.get(
            "/api/v1/sign-in/oidc/idp",
            headers={
                **town.headers(),
                "x-forwarded-host": "attacker.example",
                "forwarded": "host=attacker.example;proto=https",
                "x-original-url": "https://attacker.example/",
            },
        )

    assert configured["redirect_uri"] == f"{public}/sign-in/oidc/callback"
    assert started.status_code == 303, started.text
    location = httpx.URL(started.headers["location"])
    assert str(location.copy_with(query=None)) == f"{served.issuer}/authorize"
    assert location.params["redirect_uri"] == f"{public}/sign-in/oidc/callback"
    assert location.params["client_id"] == configured["client_id"]
    assert location.params["response_type"] == "code"
    assert location.params["scope"] == "openid email"
    assert location.params["code_challenge_method"] == "S256"
    assert len(location.params["code_challenge"]) == 43
    assert location.params["state"]
    assert location.params["nonce"]
    assert "attacker" not in str(location)


async def test_a_removed_provider_signs_nobody_in(
    client: httpx.AsyncClient, town: Town, admin: str, provider: Provider
) -> None:
    provider.signed_in = "eva"
    code, state = await begin(client, town)

    removed = await client.delete("/api/v1/sign-in-providers/idp", headers=town.headers(admin))
    again = await client.delete("/api/v1/sign-in-providers/idp", headers=town.headers(admin))
    started = await client.get("/api/v1/sign-in/oidc/idp", headers=town.headers())

    assert removed.status_code == 204, removed.text
    assert again.status_code == 404, again.text
    assert started.status_code == 404, started.text
    _refused(await finish(client, town, code, state), 401, "removed")


async def test_a_token_answer_too_large_is_refused_before_it_is_read_whole(
    client: httpx.AsyncClient, town: Town, provider: Provider
) -> None:
    """A provider (broken or hostile) that answers a code with more than half a megabyte gets
    a 503 naming the limit; nobody is signed in."""
    provider.token_padding = 600 * 1024
    refused = await sign_in(client, town, provider, "eva")
    _refused(refused, 503, "larger than")
    provider.token_padding = 0
    assert (await sign_in(client, town, provider, "eva")).status_code == 200


async def test_the_server_connects_to_the_address_it_checked_not_to_a_rebound_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name is looked up once, for the check, and the connection goes to
    the address checked. Here the resolver answers the provider's address once and an address
    where nothing listens after that (as a rebinding name answers a private one): a second
    lookup would fail the request."""
    async with oidc_provider() as served:
        port = httpx.URL(served.issuer).port
        assert port is not None
        loop = asyncio.get_running_loop()
        answered: list[str] = []

        async def rebinding(host: Any, wanted: Any, *args: Any, **kwargs: Any) -> Any:
            address = "127.0.0.1" if not answered else "127.0.0.2"
            answered.append(address)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, wanted))]

        monkeypatch.setattr(loop, "getaddrinfo", rebinding)
        guarded = httpx.AsyncClient(transport=GuardedTransport(allow_http_loopback=True))
        async with guarded:
            fetched = await guarded.get(f"http://localhost:{port}/jwks")
        assert fetched.status_code == 200
        assert fetched.json()["keys"]
        assert answered == ["127.0.0.1"]
        assert served.jwks_fetches == 1
