"""The audit trail's hash chain: rebuilt byte for byte, unmoved by redelivery, and
``tinget audit verify`` naming the entry altered or removed. Real PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import httpx
import pytest

from projections.runtime import ProjectionRunner
from services.audit.chain import Entry, link
from services.audit.verify import verify_trails
from tests.audit_flow import Flow, run_flow
from tests.helpers import Run, cli
from tinget.bootstrap import Addresses, Platform

Rows = list[dict[str, Any]]


@pytest.fixture
async def flow(client: httpx.AsyncClient, platform: Platform) -> Flow:
    return await run_flow(client, platform)


@pytest.fixture
def tinget(addresses: Addresses) -> Run:
    return cli(addresses)


def trail_of(platform: Platform) -> ProjectionRunner:
    [runner] = [r for r in platform.projections if r.projection.name == "audit_trail"]
    return runner


async def snapshot(platform: Platform) -> tuple[Rows, Rows]:
    async with platform.worker_pool.acquire() as conn:
        entries = await conn.fetch(
            "SELECT *, payload::text AS payload FROM audit_entries ORDER BY tenant_id, seq"
        )
        heads = await conn.fetch("SELECT * FROM audit_heads ORDER BY tenant_id")
    return [dict(r) for r in entries], [dict(r) for r in heads]


async def owner_execute(addresses: Addresses, sql: str, *args: Any) -> str:
    """Tampering as the database owner, who bypasses every grant."""
    conn = await asyncpg.connect(addresses.database_url)
    try:
        return str(await conn.execute(sql, *args))
    finally:
        await conn.close()


async def entry_at(platform: Platform, tenant: str, seq: int) -> dict[str, Any]:
    async with platform.worker_pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT * FROM audit_entries WHERE tenant_id = $1 AND seq = $2", tenant, seq
        )
    assert row is not None
    return dict(row)


async def test_a_rebuild_equals_the_live_trail_byte_for_byte(
    platform: Platform, flow: Flow
) -> None:
    live_entries, live_heads = await snapshot(platform)

    count = await trail_of(platform).rebuild(platform.reader)
    rebuilt_entries, rebuilt_heads = await snapshot(platform)

    assert count == len(live_entries)
    assert {e["tenant_id"] for e in live_entries} >= {flow.town.slug, "_platform"}
    assert rebuilt_entries == live_entries  # hashes and prev_hashes included
    assert rebuilt_heads == live_heads


async def test_a_redelivered_batch_changes_nothing(platform: Platform, flow: Flow) -> None:
    runner = trail_of(platform)
    before = await snapshot(platform)
    events = await platform.reader.read(0, 10_000)

    again = await runner.apply_batch(events)
    overlapping = await runner.apply_batch(events[len(events) // 2 :] + events[:3])

    assert (again, overlapping) == (0, 0)
    assert await snapshot(platform) == before


async def test_the_worker_may_append_entries_but_not_rewrite_them(
    platform: Platform, flow: Flow
) -> None:
    async with platform.worker_pool.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE audit_entries SET actor = NULL")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM audit_entries")


def verified(tinget: Run, *args: str) -> tuple[int, dict[str, Any]]:
    done = tinget("audit", "verify", *args)
    assert done.stdout, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return done.returncode, report


async def test_verify_passes_an_intact_trail(tinget: Run, flow: Flow) -> None:
    code, report = verified(tinget)
    one_code, one = verified(tinget, "--tenant", flow.town.slug)
    unknown = tinget("audit", "verify", "--tenant", "no-such-town")

    assert (code, report["intact"], report["problems"]) == (0, True, [])
    assert flow.town.slug in {t["tenant_id"] for t in report["tenants"]}
    assert one_code == 0
    [tenant] = one["tenants"]
    assert tenant["entries"] == tenant["head_seq"] > 10
    assert unknown.returncode == 3
    assert "no-such-town" in unknown.stderr


async def test_verify_names_the_entry_whose_payload_was_altered(
    tinget: Run, platform: Platform, addresses: Addresses, flow: Flow
) -> None:
    post = await _seq_of(platform, flow.town.slug, "PostSubmitted")
    changed = await owner_execute(
        addresses,
        "UPDATE audit_entries SET payload = jsonb_set(payload, '{body}', '\"Nothing here\"')"
        " WHERE tenant_id = $1 AND seq = $2",
        flow.town.slug,
        post["seq"],
    )

    code, report = verified(tinget)

    assert changed == "UPDATE 1"
    assert code == 5
    assert report["intact"] is False
    assert report["problems"] == [
        {
            "tenant_id": flow.town.slug,
            "problem": "altered",
            "seq": post["seq"],
            "event_id": str(post["event_id"]),
            "detail": "the hash does not match the entry's content",
        }
    ]
    assert [t["tenant_id"] for t in report["tenants"] if not t["intact"]] == [flow.town.slug]


async def test_verify_names_the_gap_where_an_entry_was_deleted(
    tinget: Run, platform: Platform, addresses: Addresses, flow: Flow
) -> None:
    ballot = await _seq_of(platform, flow.town.slug, "BallotCast")
    after = await entry_at(platform, flow.town.slug, ballot["seq"] + 1)
    await owner_execute(
        addresses,
        "DELETE FROM audit_entries WHERE tenant_id = $1 AND seq = $2",
        flow.town.slug,
        ballot["seq"],
    )

    code, report = verified(tinget, "--tenant", flow.town.slug)

    assert code == 5
    [problem] = report["problems"]
    assert problem["problem"] == "missing"
    assert problem["missing_seqs"] == [ballot["seq"], ballot["seq"]]
    assert problem["missing_event_ids"] == [str(ballot["event_id"])]
    assert (problem["seq"], problem["event_id"]) == (after["seq"], str(after["event_id"]))


async def test_verify_notices_the_newest_entries_removed_and_a_rewritten_link(
    platform: Platform, addresses: Addresses, flow: Flow
) -> None:
    slug = flow.town.slug
    last = (await verify_trails(platform.worker_pool, slug)).tenants[0].head_seq
    newest = await entry_at(platform, slug, last)
    await owner_execute(
        addresses, "DELETE FROM audit_entries WHERE tenant_id = $1 AND seq = $2", slug, last
    )
    # a forger rewrites entry 3 and recomputes its hash: entry 4 no longer links to it
    third = await entry_at(platform, slug, 3)
    fields = {f: third[f] for f in Entry.__struct_fields__}
    fields["payload"] = (await _payload(platform, slug, 3)).encode()
    fields["actor"] = "someone"
    await owner_execute(
        addresses,
        "UPDATE audit_entries SET actor = 'someone', hash = $3 WHERE tenant_id = $1 AND seq = $2",
        slug,
        3,
        link(bytes(third["prev_hash"]), Entry(**fields)),
    )

    report = await verify_trails(platform.worker_pool, slug)

    assert [(p.problem, p.seq) for p in report.problems] == [("relinked", 4), ("missing", None)]
    assert report.problems[1].missing_seqs == [last, last]
    assert report.problems[1].missing_event_ids == [str(newest["event_id"])]


async def _payload(platform: Platform, tenant: str, seq: int) -> str:
    async with platform.worker_pool.acquire() as conn:
        text: str = await conn.fetchval(
            "SELECT payload::text FROM audit_entries WHERE tenant_id = $1 AND seq = $2",
            tenant,
            seq,
        )
    return text


async def _seq_of(platform: Platform, tenant: str, event_type: str) -> dict[str, Any]:
    async with platform.worker_pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT seq, event_id FROM audit_entries WHERE tenant_id = $1 AND event_type = $2",
            tenant,
            event_type,
        )
    assert row is not None
    return dict(row)
