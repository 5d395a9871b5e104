"""The platform API end to end over HTTP, on real PostgreSQL, NATS and SMTP: platform staff
sign in from an e-mailed link, a consultant onboards and looks after a municipality, operations
read its dashboards and nothing personal, and every step is in a verified audit trail.

The shell is used only to add the platform's staff (``tinget platform-staff add``), as an
operator does once; everything after is HTTP.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from services.identity.access import Role
from tenants.domain import host_claim_id, tenant_stream_id
from tenants.values import PLATFORM_TENANT
from tests.api import Town, device_token, dialog_body, staff_token
from tests.helpers import Run, caught_up, cli, unique_slug
from tests.smtp import SmtpServer
from tinget.bootstrap import Addresses, Platform

CONSOLE = "https://console.tinget.example"
# The platform API does not depend on the host; requests come from the console's host here,
# which no municipality is served at, and from a hostile one for the sign-in link.
AT_CONSOLE = {"host": "console.tinget.example"}
POISONED = {"host": "attacker.example", "x-forwarded-host": "attacker.example"}


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(
        addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}", platform_url=CONSOLE
    )


@pytest.fixture
def tinget(platform_addresses: Addresses) -> Run:
    return cli(platform_addresses)


async def add_staff(tinget: Run, email: str, role: str) -> str:
    """An operator adds a platform staff member (the only use of the shell here)."""
    done = await asyncio.to_thread(tinget, "platform-staff", "add", email, "--role", role)
    assert done.returncode == 0, done.stderr
    person_id: str = json.loads(done.stdout)["person_id"]
    return person_id


def bearer(token: str, host: dict[str, str] = AT_CONSOLE) -> dict[str, str]:
    return {**host, "authorization": f"Bearer {token}"}


async def sign_in(client: httpx.AsyncClient, smtp: SmtpServer, email: str) -> dict[str, Any]:
    """Ask for a link (from a poisoned host), follow the link mailed to ``email``: the token
    pair. The link points at the configured console, never at the request's host."""
    before = len(smtp.inbox.messages())
    asked = await client.post(
        "/api/v1/platform/sign-in/email", json={"email": email}, headers=POISONED
    )
    assert asked.status_code == 202, asked.text
    messages = smtp.inbox.messages()
    assert len(messages) == before + 1
    assert messages[-1]["To"] == email
    part = messages[-1].get_body(preferencelist=("plain",))
    assert part is not None
    text = part.get_content()
    assert "attacker.example" not in text
    found = re.search(r"(\S+)/sign-in\?code=([A-Za-z0-9_-]+)", text)
    assert found is not None, text
    assert found.group(1) == CONSOLE
    redeemed = await client.post(
        "/api/v1/platform/sign-in/email/redeem",
        json={"code": found.group(2)},
        headers=POISONED,
    )
    assert redeemed.status_code == 200, redeemed.text
    pair: dict[str, Any] = redeemed.json()
    assert pair["refresh_token"]
    return pair


async def branding_at(
    client: httpx.AsyncClient, host: str, status: int, patience: float = 5.0
) -> httpx.Response:
    """The branding answer at ``host`` once it is ``status`` (each gateway keeps a host's
    tenant for two seconds), or the last answer after ``patience`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + patience
    while True:
        answer = await client.get("/api/v1/branding", headers={"host": host})
        if answer.status_code == status or loop.time() > deadline:
            return answer
        await asyncio.sleep(0.1)


async def owner_fetch(addresses: Addresses, query: str, *args: object) -> list[asyncpg.Record]:
    """Rows as the database owner sees them, past row-level security."""
    conn = await asyncpg.connect(addresses.database_url)
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def new_tenant(slug: str, *hosts: str, **more: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": "Ystad",
        "default_language": "sv",
        "public_url": f"https://dialog.{slug}.example",
        "hosts": list(hosts),
        **more,
    }


async def test_a_consultant_onboards_a_municipality_and_operations_read_its_figures_only(
    client: httpx.AsyncClient,
    platform: Platform,
    platform_addresses: Addresses,
    smtp: SmtpServer,
    tinget: Run,
) -> None:
    consultant_id = await add_staff(tinget, "konsult@tinget.example", "consultant")
    operations_id = await add_staff(tinget, "drift@tinget.example", "operations")

    # a consultant signs in from the e-mailed link and refreshes the pair
    pair = await sign_in(client, smtp, "konsult@tinget.example")
    assert (pair["person_id"], pair["role"]) == (consultant_id, "consultant")
    refreshed = await client.post(
        "/api/v1/platform/sessions/refresh",
        json={"refresh_token": pair["refresh_token"]},
        headers=AT_CONSOLE,
    )
    assert refreshed.status_code == 200, refreshed.text
    consultant = refreshed.json()["token"]

    # creates a municipality with its host and public URL
    slug = unique_slug("ystad")
    first, second = f"{slug}.example", f"www.{slug}.example"
    created = await client.post(
        "/api/v1/platform/tenants", json=new_tenant(slug, first), headers=bearer(consultant)
    )
    assert created.status_code == 201, created.text
    assert created.json()["hosts"] == [first]
    assert created.json()["public_url"] == f"https://dialog.{slug}.example"
    assert created.json()["status"] == "active"

    # adds a host and removes the first: the first is free for another tenant
    added = await client.post(
        f"/api/v1/platform/tenants/{slug}/hosts", json={"host": second}, headers=bearer(consultant)
    )
    assert added.status_code == 201, added.text
    assert added.json()["hosts"] == [first, second]
    removed = await client.delete(
        f"/api/v1/platform/tenants/{slug}/hosts/{first}", headers=bearer(consultant)
    )
    assert removed.status_code == 200, removed.text
    assert removed.json()["hosts"] == [second]
    await caught_up(platform)
    gone = await branding_at(client, first, 404)
    assert gone.status_code == 404, gone.text
    other = unique_slug("simrishamn")
    moved = await client.post(
        "/api/v1/platform/tenants", json=new_tenant(other, first), headers=bearer(consultant)
    )
    assert moved.status_code == 201, moved.text

    # suspends and resumes it: its host answers 403 meanwhile
    suspended = await client.post(
        f"/api/v1/platform/tenants/{slug}/suspension",
        json={"reason": "the contract is being renewed"},
        headers=bearer(consultant),
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    await caught_up(platform)
    closed = await branding_at(client, second, 403)
    assert closed.status_code == 403, closed.text
    resumed = await client.delete(
        f"/api/v1/platform/tenants/{slug}/suspension", headers=bearer(consultant)
    )
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active"
    one = await client.get(f"/api/v1/platform/tenants/{slug}", headers=bearer(consultant))
    assert one.status_code == 200, one.text
    assert (one.json()["hosts"], one.json()["status"]) == ([second], "active")

    await caught_up(platform)
    reopened = await branding_at(client, second, 200)
    assert reopened.status_code == 200, reopened.text

    # some activity on the municipality's host, then the list with its health
    town = Town(slug, second)
    participant = await device_token(client, town)
    lagging = await client.get("/api/v1/platform/tenants", headers=bearer(consultant))
    assert lagging.status_code == 200, lagging.text
    [behind] = [t["health"] for t in lagging.json()["tenants"] if t["slug"] == slug]
    assert "dashboards" in behind["read_models_behind"], behind  # the join is not applied yet
    await caught_up(platform)
    listed = await client.get("/api/v1/platform/tenants", headers=bearer(consultant))
    assert listed.status_code == 200, listed.text
    by_slug = {t["slug"]: t for t in listed.json()["tenants"]}
    assert by_slug[slug]["hosts"] == [second]
    assert by_slug[other]["hosts"] == [first]
    health = by_slug[slug]["health"]
    [logged] = await owner_fetch(
        platform_addresses, "SELECT count(*) AS n FROM events WHERE tenant_id = $1", slug
    )
    # created, two hosts added, public URL, a host removed, suspended, resumed, a device joined
    assert health["events_today"] == logged["n"] == 8, health
    assert health["open_dialogs"] == 0
    assert health["last_activity"] is not None
    assert health["read_models_behind"] == []

    # operations signs in, reads the list and the municipality's dashboard, changes nothing
    operations = (await sign_in(client, smtp, "drift@tinget.example"))["token"]
    assert (await client.get("/api/v1/platform/tenants", headers=bearer(operations))).is_success
    dashboard = await client.get("/api/v1/dashboard", headers=town.headers(operations))
    assert dashboard.status_code == 200, dashboard.text
    assert dashboard.json()["totals"]["joined"] == 1  # the participant's device session
    member = (await client.get("/api/v1/me", headers=town.headers(participant))).json()
    refusals = {
        "people's data": await client.get(
            f"/api/v1/people/{member['person_id']}/data", headers=town.headers(operations)
        ),
        "own data export": await client.get("/api/v1/me/data", headers=town.headers(operations)),
        "moderation queue": await client.get(
            "/api/v1/moderation/queue", headers=town.headers(operations)
        ),
        "role change": await client.put(
            f"/api/v1/people/{member['person_id']}/role",
            json={"role": "moderator"},
            headers=town.headers(operations),
        ),
        "erasure": await client.post(
            f"/api/v1/people/{member['person_id']}/erasure", headers=town.headers(operations)
        ),
        "new dialog": await client.post(
            "/api/v1/dialogs", json=dialog_body(), headers=town.headers(operations)
        ),
        "committees": await client.put(
            "/api/v1/committees", json={"committees": ["Drift"]}, headers=town.headers(operations)
        ),
        "new tenant": await client.post(
            "/api/v1/platform/tenants",
            json=new_tenant(unique_slug("ops")),
            headers=bearer(operations),
        ),
        "suspension": await client.post(
            f"/api/v1/platform/tenants/{slug}/suspension",
            json={"reason": "no"},
            headers=bearer(operations),
        ),
    }
    for what, refused in refusals.items():
        assert refused.status_code == 403, (what, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json"), what

    # the municipality's own staff cannot act on the platform, on its own host either
    admin = await staff_token(platform, town, "admin@ystad.example", Role.ADMINISTRATOR)
    for token in (admin, participant):
        for headers in (town.headers(token), bearer(token)):
            as_tenant = await client.get("/api/v1/platform/tenants", headers=headers)
            assert as_tenant.status_code == 401, as_tenant.text
    by_admin = await client.post(
        "/api/v1/platform/tenants", json=new_tenant(unique_slug()), headers=town.headers(admin)
    )
    assert by_admin.status_code == 401, by_admin.text

    # every platform action names who did it, in the tenant's trail and the platform's
    await caught_up(platform)
    entries = await owner_fetch(
        platform_addresses,
        "SELECT tenant_id, event_type, actor, role FROM audit_entries"
        " WHERE (tenant_id = $1 AND event_type IN ('TenantCreated', 'HostAdded', 'HostRemoved',"
        " 'TenantSuspended', 'TenantResumed')) OR (tenant_id = $2 AND event_type IN"
        " ('HostClaimed', 'HostReleased', 'HostReclaimed'))",
        slug,
        PLATFORM_TENANT,
    )
    kinds = sorted(r["event_type"] for r in entries)
    assert kinds == sorted(
        [
            "TenantCreated",
            "HostAdded",
            "HostAdded",
            "HostRemoved",
            "TenantSuspended",
            "TenantResumed",
            "HostClaimed",
            "HostClaimed",
            "HostReleased",
            "HostReclaimed",
        ]
    ), kinds
    assert {(r["actor"], r["role"]) for r in entries} == {(consultant_id, "consultant")}
    assert operations_id != consultant_id

    # signing out takes the access and the refresh token back at once
    out = await client.post("/api/v1/platform/sign-out", headers=bearer(consultant))
    assert out.status_code == 200, out.text
    after = await client.get("/api/v1/platform/tenants", headers=bearer(consultant))
    assert after.status_code == 401, after.text
    stale = await client.post(
        "/api/v1/platform/sessions/refresh",
        json={"refresh_token": refreshed.json()["refresh_token"]},
        headers=AT_CONSOLE,
    )
    assert stale.status_code == 401, stale.text


async def test_bad_input_is_refused_naming_the_field_and_nothing_is_half_written(
    client: httpx.AsyncClient, platform: Platform, smtp: SmtpServer, tinget: Run
) -> None:
    await add_staff(tinget, "konsult@tinget.example", "consultant")
    consultant = (await sign_in(client, smtp, "konsult@tinget.example"))["token"]
    slug = unique_slug()
    taken_host = f"{slug}.example"
    made = await client.post(
        "/api/v1/platform/tenants", json=new_tenant(slug, taken_host), headers=bearer(consultant)
    )
    assert made.status_code == 201, made.text

    fresh = unique_slug()
    free_host = f"{fresh}.example"
    cases: dict[str, tuple[dict[str, Any], int, str]] = {
        "slug taken": (new_tenant(slug, free_host), 409, "slug"),
        "host taken": (new_tenant(fresh, free_host, taken_host), 409, "hosts[1]"),
        "bad slug": (new_tenant("Bad Slug!", free_host), 422, "slug"),
        "reserved slug": (new_tenant("platform", free_host), 422, "slug"),
        "bad host": (new_tenant(fresh, free_host, "no host/here"), 422, "hosts[1]"),
        "host twice": (new_tenant(fresh, free_host, free_host), 422, "hosts[1]"),
        "language": (new_tenant(fresh, free_host, default_language="de"), 422, "default_language"),
        "public URL": (
            new_tenant(fresh, free_host, public_url="ftp://x.example"),
            422,
            "public_url",
        ),
        "unknown field": (new_tenant(fresh, free_host, owner="me"), 400, "owner"),
    }
    for what, (body, status, field) in cases.items():
        refused = await client.post(
            "/api/v1/platform/tenants", json=body, headers=bearer(consultant)
        )
        assert refused.status_code == status, (what, refused.text)
        assert refused.json()["field"] == field, (what, refused.json())

    # none of those wrote anything: no tenant, and the free host was claimed by nobody
    assert not await platform.store.read_stream(fresh, tenant_stream_id(fresh))
    assert not await platform.store.read_stream(PLATFORM_TENANT, host_claim_id(free_host))

    path = f"/api/v1/platform/tenants/{slug}"
    more = {
        "taken host": (
            await client.post(
                f"{path}/hosts", json={"host": taken_host}, headers=bearer(consultant)
            ),
            409,
        ),
        "bad host": (
            await client.post(f"{path}/hosts", json={"host": "a..b"}, headers=bearer(consultant)),
            422,
        ),
        "unknown host": (
            await client.delete(f"{path}/hosts/elsewhere.example", headers=bearer(consultant)),
            404,
        ),
        "its last host": (
            await client.delete(f"{path}/hosts/{taken_host}", headers=bearer(consultant)),
            409,
        ),
        "not suspended": (
            await client.delete(f"{path}/suspension", headers=bearer(consultant)),
            409,
        ),
        "empty reason": (
            await client.post(
                f"{path}/suspension", json={"reason": "   "}, headers=bearer(consultant)
            ),
            422,
        ),
        "no such tenant": (
            await client.get("/api/v1/platform/tenants/nowhere-here", headers=bearer(consultant)),
            404,
        ),
    }
    for what, (response, status) in more.items():
        assert response.status_code == status, (what, response.text)
        assert response.headers["content-type"].startswith("application/problem+json"), what
    still = await client.get(path, headers=bearer(consultant))
    assert (still.json()["hosts"], still.json()["version"]) == (
        [taken_host],
        made.json()["version"],
    )


async def test_a_removed_staff_member_is_signed_out_at_once_and_gets_no_link(
    client: httpx.AsyncClient, platform: Platform, smtp: SmtpServer, tinget: Run
) -> None:
    await add_staff(tinget, "konsult@tinget.example", "consultant")
    pair = await sign_in(client, smtp, "konsult@tinget.example")
    assert (await client.get("/api/v1/platform/tenants", headers=bearer(pair["token"]))).is_success

    done = await asyncio.to_thread(tinget, "platform-staff", "remove", "konsult@tinget.example")
    assert done.returncode == 0, done.stderr

    refused = await client.get("/api/v1/platform/tenants", headers=bearer(pair["token"]))
    assert refused.status_code == 401, refused.text
    refresh = await client.post(
        "/api/v1/platform/sessions/refresh",
        json={"refresh_token": pair["refresh_token"]},
        headers=AT_CONSOLE,
    )
    assert refresh.status_code == 401, refresh.text
    before = len(smtp.inbox.messages())
    asked = await client.post(
        "/api/v1/platform/sign-in/email",
        json={"email": "konsult@tinget.example"},
        headers=AT_CONSOLE,
    )
    assert asked.status_code == 202, asked.text  # the same answer as for anyone
    assert len(smtp.inbox.messages()) == before  # but no link
    unknown = await asyncio.to_thread(tinget, "platform-staff", "remove", "konsult@tinget.example")
    assert unknown.returncode == 3, unknown.stderr


async def test_tampering_with_a_platform_audit_entry_is_found(
    client: httpx.AsyncClient,
    platform: Platform,
    platform_addresses: Addresses,
    smtp: SmtpServer,
    tinget: Run,
) -> None:
    await add_staff(tinget, "konsult@tinget.example", "consultant")
    consultant = (await sign_in(client, smtp, "konsult@tinget.example"))["token"]
    slug = unique_slug()
    created = await client.post(
        "/api/v1/platform/tenants",
        json=new_tenant(slug, f"{slug}.example"),
        headers=bearer(consultant),
    )
    assert created.status_code == 201, created.text
    await caught_up(platform)

    intact = await asyncio.to_thread(tinget, "audit", "verify", "--tenant", PLATFORM_TENANT)
    assert intact.returncode == 0, intact.stderr
    report = json.loads(intact.stdout)
    [trail] = report["tenants"]
    assert trail["tenant_id"] == PLATFORM_TENANT
    assert trail["entries"] >= 2  # the consultant joined the platform; the host was claimed

    [claim] = await owner_fetch(
        platform_addresses,
        "SELECT seq FROM audit_entries WHERE tenant_id = $1 AND event_type = 'HostClaimed'",
        PLATFORM_TENANT,
    )
    conn = await asyncpg.connect(platform_addresses.database_url)
    try:  # as the database owner: someone rewrites who claimed the host
        await conn.execute(
            "UPDATE audit_entries SET actor = $3 WHERE tenant_id = $1 AND seq = $2",
            PLATFORM_TENANT,
            claim["seq"],
            str(uuid.uuid4()),
        )
    finally:
        await conn.close()

    tampered = await asyncio.to_thread(tinget, "audit", "verify")
    assert tampered.returncode == 5, tampered.stderr
    problems = json.loads(tampered.stdout)["problems"]
    assert [(p["tenant_id"], p["problem"], p["seq"]) for p in problems] == [
        (PLATFORM_TENANT, "altered", claim["seq"])
    ]


async def test_the_tenant_directory_rebuilt_equals_the_live_one_after_hosts_move(
    client: httpx.AsyncClient, platform: Platform, smtp: SmtpServer, tinget: Run
) -> None:
    await add_staff(tinget, "konsult@tinget.example", "consultant")
    consultant = (await sign_in(client, smtp, "konsult@tinget.example"))["token"]
    slug, other = unique_slug(), unique_slug()
    first, second = f"{slug}.example", f"www.{slug}.example"
    steps = [
        ("POST", "/api/v1/platform/tenants", new_tenant(slug, first, second), 201),
        ("DELETE", f"/api/v1/platform/tenants/{slug}/hosts/{first}", None, 200),
        ("POST", "/api/v1/platform/tenants", new_tenant(other, first), 201),
        # the other tenant's only host stays with it
        ("DELETE", f"/api/v1/platform/tenants/{other}/hosts/{first}", None, 409),
    ]
    for method, path, body, status in steps:
        answer = await client.request(method, path, json=body, headers=bearer(consultant))
        assert answer.status_code == status, answer.text
    await caught_up(platform)

    async def directory() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        async with platform.worker_pool.acquire() as conn:
            tenants = await conn.fetch(
                "SELECT tenant_id, hosts, status FROM tenant_directory ORDER BY tenant_id"
            )
            hosts = await conn.fetch("SELECT host, tenant_id FROM tenant_hosts ORDER BY host")
        return [dict(r) for r in tenants], [dict(r) for r in hosts]

    live = await directory()
    [runner] = [r for r in platform.projections if r.projection.name == "tenant_directory"]
    await runner.rebuild(platform.reader)

    assert await directory() == live
    assert live[1] == [
        {"host": first, "tenant_id": other},
        {"host": second, "tenant_id": slug},
    ]


async def test_the_shell_removes_a_host_through_the_same_service(
    tinget: Run, platform_addresses: Addresses
) -> None:
    slug = unique_slug()
    first, second = f"{slug}.example", f"www.{slug}.example"
    made = await asyncio.to_thread(
        tinget, "tenants", "create", slug, "--name", "Ystad", "--host", first, "--host", second
    )
    assert made.returncode == 0, made.stderr

    removed = await asyncio.to_thread(tinget, "tenants", "remove-host", slug, first)
    again = await asyncio.to_thread(tinget, "tenants", "remove-host", slug, first)
    last = await asyncio.to_thread(tinget, "tenants", "remove-host", slug, second)

    assert removed.returncode == 0, removed.stderr
    assert json.loads(removed.stdout)["hosts"] == [second]
    assert again.returncode == 3, again.stderr  # not one of its hosts any more
    assert last.returncode == 4, last.stderr  # a tenant keeps one host
    assert "at least one host" in last.stderr
    recorded = await owner_fetch(
        platform_addresses,
        "SELECT event_type, metadata->>'role' AS role FROM events WHERE event_type IN"
        " ('TenantCreated', 'HostRemoved', 'HostReleased') ORDER BY position",
    )
    assert sorted((r["event_type"], r["role"]) for r in recorded) == [
        ("HostReleased", "operator"),
        ("HostRemoved", "operator"),
        ("TenantCreated", "operator"),
    ]


async def test_two_tenants_racing_for_one_host_leave_one_owner_and_no_half_tenant(
    client: httpx.AsyncClient, platform: Platform, smtp: SmtpServer, tinget: Run
) -> None:
    await add_staff(tinget, "konsult@tinget.example", "consultant")
    consultant = (await sign_in(client, smtp, "konsult@tinget.example"))["token"]
    host = f"{unique_slug()}.example"
    slugs = [unique_slug() for _ in range(4)]

    answers = await asyncio.gather(
        *(
            client.post(
                "/api/v1/platform/tenants",
                json=new_tenant(slug, host),
                headers=bearer(consultant),
            )
            for slug in slugs
        )
    )

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 409, 409, 409], [a.text for a in answers]
    [winner] = [s for s, a in zip(slugs, answers, strict=True) if a.status_code == 201]
    for slug, answer in zip(slugs, answers, strict=True):
        if slug != winner:
            assert answer.json()["field"] in {"hosts", "hosts[0]"}, answer.text
            assert not await platform.store.read_stream(slug, tenant_stream_id(slug))
    claim = await platform.store.read_stream(PLATFORM_TENANT, host_claim_id(host))
    assert len(claim) == 1
