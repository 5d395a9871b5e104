"""Every kind of bad token, over HTTP, on representative endpoints of every role.

``tests/test_tokens.py`` checks the verifier itself, and ``test_participation_http`` one
endpoint with a few bad tokens. Here each bad token goes to reads and writes of participants,
moderators and administrators, and must get a 401 problem with ``WWW-Authenticate: Bearer``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from services.identity.access import Role, SignIn
from tests.api import dialog_body
from tests.helpers import app_client, module_platform
from tests.security.conftest import GENEROUS
from tests.security.world import World, build_world
from tinget.bootstrap import Platform


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _raw(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    encode = json.dumps
    return ".".join((_b64(encode(header).encode()), _b64(encode(claims).encode()), _b64(signature)))


def _bad_tokens(platform: Platform, world: World, other: World) -> dict[str, str]:
    slug = world.town.slug
    key = platform.keys.token_key(slug)
    now = int(time.time())
    admin_id = str(world.admin.person_id)
    claims: dict[str, Any] = {
        "iss": "tinget",
        "aud": slug,
        "sub": admin_id,
        "role": "administrator",
        "sin": "email",
        "iat": now - 60,
        "exp": now + 3600,
    }
    participant = world.participants[0].token
    p_header, p_claims, p_signature = participant.split(".")
    raised = json.loads(base64.urlsafe_b64decode(p_claims + "=" * (-len(p_claims) % 4)))
    raised["role"] = "administrator"
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def hs256_with_header(header: dict[str, Any]) -> str:
        head = _b64(json.dumps(header).encode())
        body = _b64(json.dumps(claims).encode())
        signature = hmac.digest(key, f"{head}.{body}".encode(), hashlib.sha256)
        return f"{head}.{body}.{_b64(signature)}"

    return {
        "another tenant's token": other.admin.token,
        "expired": jwt.encode({**claims, "exp": now - 600}, key, algorithm="HS256"),
        "not valid yet (nbf)": jwt.encode({**claims, "nbf": now + 3600}, key, algorithm="HS256"),
        "issued in the future": jwt.encode({**claims, "iat": now + 3600}, key, algorithm="HS256"),
        "no expiry": jwt.encode({k: v for k, v in claims.items() if k != "exp"}, key, "HS256"),
        "forged signature": jwt.encode(claims, b"not-the-key-" * 4, algorithm="HS256"),
        "payload changed under a real signature": (
            f"{p_header}.{_b64(json.dumps(raised).encode())}.{p_signature}"
        ),
        "alg none": jwt.encode(claims, "", algorithm="none"),
        "alg None, empty signature": _raw({"alg": "None", "typ": "JWT"}, claims),
        "alg NONE, signature kept": _raw({"alg": "NONE"}, claims, b"\x00" * 32),
        "HS512 with the tenant's key": jwt.encode(claims, key, algorithm="HS512"),
        "HS384 with the tenant's key": jwt.encode(claims, key, algorithm="HS384"),
        "RS256 with a key of its own": jwt.encode(claims, rsa_key, algorithm="RS256"),
        "RS256 header, HMAC signature (algorithm confusion)": hs256_with_header(
            {"alg": "RS256", "typ": "JWT"}
        ),
        "platform kid, tenant key": hs256_with_header({"alg": "HS256", "kid": "platform"}),
        "another issuer": jwt.encode({**claims, "iss": "evil"}, key, algorithm="HS256"),
        "audience of another tenant": jwt.encode(
            {**claims, "aud": other.town.slug}, key, algorithm="HS256"
        ),
        "consultant role in a tenant token": jwt.encode(
            {**claims, "role": "consultant"}, key, algorithm="HS256"
        ),
        "operations role in a tenant token": jwt.encode(
            {**claims, "role": "operations"}, key, algorithm="HS256"
        ),
        "platform sign-in in a tenant token": jwt.encode(
            {**claims, "sin": "platform"}, key, algorithm="HS256"
        ),
        "unknown role": jwt.encode({**claims, "role": "mayor"}, key, algorithm="HS256"),
        "subject not an id": jwt.encode({**claims, "sub": "admin"}, key, algorithm="HS256"),
        "claims not JSON": f"{p_header}.{_b64(b'not json')}.{p_signature}",
        "garbage": "garbage",
        "two parts": f"{p_header}.{p_claims}",
        "four parts": f"{participant}.extra",
        "empty signature": f"{p_header}.{p_claims}.",
        "signature not base64url": f"{p_header}.{p_claims}.!!!",
        "header not base64url": f"%%%.{p_claims}.{p_signature}",
        "a tenant token signed with the platform key": jwt.encode(
            claims, platform.keys.platform_token_key, algorithm="HS256"
        ),
        "a platform token re-addressed to the tenant": jwt.encode(
            {**claims, "aud": slug, "role": "consultant", "sin": "platform"},
            platform.keys.platform_token_key,
            algorithm="HS256",
            headers={"kid": "tenant"},
        ),
    }


# (method, path, body): reads and writes of a participant, a moderator and an administrator
def _endpoints(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    dialog = world.dialogs["proposals"]
    post = world.posts["proposal"]
    return [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/me/notifications", None),
        ("POST", f"/api/v1/dialogs/{dialog}/posts", {"body": "With a bad token"}),
        ("POST", f"/api/v1/posts/{post}/supports", None),
        ("POST", f"/api/v1/dialogs/{world.dialogs['vox-pop']}/votes", {"choices": ["no"]}),
        ("GET", "/api/v1/moderation/queue", None),
        ("POST", f"/api/v1/posts/{post}/hide", {"reason": "With a bad token"}),
        ("POST", "/api/v1/dialogs", dialog_body(kind="discussion")),
        ("GET", "/api/v1/audit", None),
        ("PUT", "/api/v1/committees", {"committees": ["Bad tokens"]}),
    ]


# The tests of this module only send what must be refused (or read), so they share one
# platform, app and pair of worlds, built once: building the worlds is the slow part.


@pytest.fixture(scope="module")
async def platform(
    pg_server: str,
    template_database: str,
    nats_url: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Platform]:
    """One platform for this module, with the security suite's generous rate limits."""
    folder = tmp_path_factory.mktemp("tokens-http")
    async with module_platform(
        pg_server, template_database, nats_url, folder, limits=GENEROUS
    ) as shared:
        yield shared


@pytest.fixture(scope="module")
async def client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app that built the worlds, for every test of this module."""
    async with app_client(platform) as c:
        yield c


@pytest.fixture(scope="module")
async def worlds(client: httpx.AsyncClient, platform: Platform) -> tuple[World, World]:
    return (
        await build_world(client, platform, "Lund"),
        await build_world(client, platform, "Malmo"),
    )


# HS384 and HS512 tokens made with the 32-byte HS256 key are wrong on purpose
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_every_bad_token_gets_401_on_every_kind_of_endpoint(
    client: httpx.AsyncClient, platform: Platform, worlds: tuple[World, World]
) -> None:
    world, other = worlds
    tokens = _bad_tokens(platform, world, other)
    events_before = await _event_count(platform)
    wrong: list[str] = []
    for name, token in tokens.items():
        for method, path, body in _endpoints(world):
            response = await client.request(
                method, path, json=body, headers=world.town.headers(token)
            )
            problem = response.json()
            if (
                response.status_code != 401
                or not response.headers.get("www-authenticate", "").startswith("Bearer")
                or response.headers["content-type"] != "application/problem+json"
                or problem.get("status") != 401
            ):
                wrong.append(f"{name}: {method} {path} -> {response.status_code} {response.text}")
    assert wrong == [], "\n".join(wrong[:20])
    assert await _event_count(platform) == events_before  # nothing was written
    assert len(tokens) >= 30


# Authorization headers that are no "Bearer <token>" ({token}: a valid administrator's token)
MALFORMED_AUTHORIZATION = [
    "Basic YWRtaW46YWRtaW4=",
    "Bearer",
    "Bearer ",
    "Token {token}",
    "{token}",
    "Bearer {token} extra",
    "Bearer\t",
]


async def test_malformed_authorization_headers_get_401(
    client: httpx.AsyncClient, platform: Platform, worlds: tuple[World, World]
) -> None:
    world, _ = worlds
    for case in MALFORMED_AUTHORIZATION:
        header = case.format(token=world.admin.token)

        response = await client.get(
            "/api/v1/me", headers={"host": world.town.host, "authorization": header}
        )

        assert response.status_code == 401, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case


async def test_tokens_checked_where_they_are_optional_too(
    client: httpx.AsyncClient, platform: Platform, worlds: tuple[World, World]
) -> None:
    """Public reads take no token, but one that is sent must be valid for the host."""
    world, other = worlds
    public = [
        "/api/v1/dialogs",
        f"/api/v1/dialogs/{world.dialogs['proposals']}",
        f"/api/v1/posts/{world.posts['proposal']}",
        f"/api/v1/images/{world.image}",
    ]
    for path in public:
        anonymous = await client.get(path, headers=world.town.headers())
        foreign = await client.get(path, headers=world.town.headers(other.admin.token))
        assert anonymous.status_code == 200, (path, anonymous.text)
        assert foreign.status_code == 401, (path, foreign.text)


async def test_a_platform_token_of_operations_is_no_administrator(
    client: httpx.AsyncClient, platform: Platform, worlds: tuple[World, World]
) -> None:
    world, _ = worlds
    operations = platform.tokens.issue_platform(uuid.uuid4(), Role.OPERATIONS).token
    consultant = platform.tokens.issue_platform(uuid.uuid4(), Role.CONSULTANT).token

    by_operations = await client.put(
        "/api/v1/committees",
        json={"committees": ["Ops"]},
        headers=world.town.headers(operations),
    )
    by_consultant = await client.get("/api/v1/audit", headers=world.town.headers(consultant))

    assert by_operations.status_code == 403, by_operations.text
    assert by_consultant.status_code == 200, by_consultant.text


async def test_a_participant_token_cannot_act_as_staff(
    client: httpx.AsyncClient, platform: Platform, worlds: tuple[World, World]
) -> None:
    world, _ = worlds
    # a real participant token, of a real person, whose role is participant
    token = platform.tokens.issue(
        world.town.slug, world.participants[0].person_id, Role.PARTICIPANT, SignIn.DEVICE
    ).token
    for method, path, body in _endpoints(world)[5:]:
        response = await client.request(method, path, json=body, headers=world.town.headers(token))
        assert response.status_code == 403, (path, response.text)


async def _event_count(platform: Platform) -> int:
    async with platform.worker_pool.acquire() as conn:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
    return count
