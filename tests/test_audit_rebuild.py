"""The audit trail's rebuild writes by COPY from its own memory of the chain, batch after batch
(``services.audit.trail.CopyingTrail``): what it writes equals, byte for byte, what the live path
wrote, the chain verifies, and replaying the store afterwards changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import httpx
import pytest

from events.model import RecordedEvent
from events.projection import Rebuilding
from projections.runtime import ProjectionRunner
from services.audit.trail import AuditTrail, CopyingTrail
from services.audit.verify import verify_trails
from tests.api import device_token
from tests.audit_flow import run_flow, settle
from tests.helpers import caught_up
from tinget.bootstrap import Platform

Rows = list[dict[str, Any]]


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


async def test_a_rebuild_by_copy_equals_the_live_trail_and_verifies(
    client: httpx.AsyncClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    lund = await run_flow(client, platform, "Lund")
    malmo = await run_flow(client, platform, "Malmö")
    for flow in (lund, malmo):  # a post whose later events do not name its dialog
        author = flow.town.headers(await device_token(client, flow.town))
        posted = await client.post(
            f"/api/v1/dialogs/{flow.dialog_id}/posts", json={"body": "Benches"}, headers=author
        )
        assert posted.status_code == 201, posted.text
        post = posted.json()["id"]
        for body in ("Benches by the pond", "Two benches by the pond"):
            edited = await client.patch(
                f"/api/v1/posts/{post}", json={"body": body}, headers=author
            )
            assert edited.status_code == 200, edited.text
        withdrawn = await client.post(f"/api/v1/posts/{post}/withdraw", headers=author)
        assert withdrawn.status_code == 200, withdrawn.text
    await settle(platform)
    live_entries, live_heads = await snapshot(platform)
    copied: list[int] = []
    original = CopyingTrail.apply

    async def counting(
        self: CopyingTrail, conn: asyncpg.Connection, events: Sequence[RecordedEvent]
    ) -> None:
        copied.append(len(events))
        await original(self, conn, events)

    monkeypatch.setattr(CopyingTrail, "apply", counting)
    runner = trail_of(platform)

    count = await runner.rebuild(platform.reader, batch=3)  # many batches, chained across
    rebuilt_entries, rebuilt_heads = await snapshot(platform)
    report = await verify_trails(platform.worker_pool)
    replayed = await runner.apply_batch(await platform.reader.read(0, 100_000))
    after_replay = await snapshot(platform)

    assert isinstance(runner.projection, AuditTrail)
    assert isinstance(runner.projection, Rebuilding)
    assert sum(copied) == len(live_entries) == count
    assert len(copied) > 10
    assert rebuilt_entries == live_entries  # hashes, prev_hashes and dialogs included
    assert rebuilt_heads == live_heads
    assert report.intact, report.problems
    assert {t.tenant_id for t in report.tenants} >= {lund.town.slug, malmo.town.slug}
    assert replayed == 0
    assert after_replay == (live_entries, live_heads)
    for flow in (lund, malmo):
        mine = [e for e in rebuilt_entries if e["tenant_id"] == flow.town.slug]
        later = [e for e in mine if e["event_type"] in ("PostEdited", "PostWithdrawn")]
        assert len(later) >= 4, flow.town.slug
        assert {str(e["dialog_id"]) for e in later} == {flow.dialog_id}
        assert [e["position"] for e in mine] == sorted(e["position"] for e in mine)


async def test_a_failed_rebuild_leaves_a_trail_the_live_path_completes(
    client: httpx.AsyncClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild that stops half way has committed whole batches with their positions: the
    live path's catch-up goes on from there, and the trail equals the live one again."""
    await run_flow(client, platform, "Lund")
    await settle(platform)
    live = await snapshot(platform)
    original = CopyingTrail.apply
    calls: list[int] = []

    async def failing(
        self: CopyingTrail, conn: asyncpg.Connection, events: Sequence[RecordedEvent]
    ) -> None:
        calls.append(len(events))
        if len(calls) == 4:
            raise OSError("the database went away")
        await original(self, conn, events)

    monkeypatch.setattr(CopyingTrail, "apply", failing)
    runner = trail_of(platform)
    with pytest.raises(OSError, match="went away"):
        await runner.rebuild(platform.reader, batch=2)
    half, _ = await snapshot(platform)
    monkeypatch.undo()
    await runner.catch_up(platform.reader)
    completed = await snapshot(platform)

    assert 0 < len(half) < len(live[0])
    assert completed == live
    assert (await verify_trails(platform.worker_pool)).intact


async def plain_indexes(platform: Platform, table: str) -> dict[str, str]:
    """The table's indexes that back no constraint, by name, with their definitions."""
    async with platform.worker_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass"
            " AND NOT i.indisunique",
            table,
        )
    return {r["relname"]: r["definition"] for r in rows}


async def test_a_rebuild_writes_without_the_plain_indexes_and_builds_them_again(
    client: httpx.AsyncClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entries go in with the primary key alone (a reader meanwhile reads the rows written
    so far, without the other indexes); the seven others are built once they are all in,
    before the rebuild returns, as they were, and the trail equals the live one."""
    lund = await run_flow(client, platform, "Lund")
    await caught_up(platform)
    live = await snapshot(platform)
    before = await plain_indexes(platform, "audit_entries")
    during: list[tuple[dict[str, str], int]] = []
    original = CopyingTrail.apply

    async def looking(
        self: CopyingTrail, conn: asyncpg.Connection, events: Sequence[RecordedEvent]
    ) -> None:
        await original(self, conn, events)
        async with platform.app_pool.acquire() as reader, reader.transaction():
            await reader.execute("SELECT set_config('app.tenant_id', $1, true)", lund.town.slug)
            seen = await reader.fetchval("SELECT count(*) FROM audit_entries")
        during.append((await plain_indexes(platform, "audit_entries"), seen))

    monkeypatch.setattr(CopyingTrail, "apply", looking)
    await trail_of(platform).rebuild(platform.reader, batch=5)

    assert len(before) == 7
    assert len(during) > 2
    assert all(indexes == {} for indexes, _ in during)
    assert [seen for _, seen in during] == sorted(seen for _, seen in during)
    assert await plain_indexes(platform, "audit_entries") == before
    assert await snapshot(platform) == live
    async with platform.worker_pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM rebuild_deferred_indexes") == 0
        assert await conn.fetchval("SELECT count(*) FROM audit_entries WHERE seq = 1") >= 1


async def test_indexes_a_stopped_rebuild_left_dropped_are_built_by_the_next_catch_up(
    client: httpx.AsyncClient, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild that fails builds them on its way out; one whose process was killed left
    them dropped (and their definitions kept): the next catch-up builds them first."""
    await run_flow(client, platform, "Lund")
    await settle(platform)
    before = await plain_indexes(platform, "audit_entries")
    runner = trail_of(platform)

    async def failing(
        self: CopyingTrail, conn: asyncpg.Connection, events: Sequence[RecordedEvent]
    ) -> None:
        raise OSError("the database went away")

    with monkeypatch.context() as patch:
        patch.setattr(CopyingTrail, "apply", failing)
        with pytest.raises(OSError, match="went away"):
            await runner.rebuild(platform.reader, batch=5)
    after_failure = await plain_indexes(platform, "audit_entries")
    await runner.catch_up(platform.reader)
    async with platform.worker_pool.acquire() as conn:  # as a killed rebuild leaves them
        dropped = await conn.fetch("SELECT tinget_defer_indexes('audit_entries') AS name")
    left = await plain_indexes(platform, "audit_entries")
    await runner.catch_up(platform.reader)

    assert after_failure == before
    assert sorted(r["name"] for r in dropped) == sorted(before)
    assert left == {}
    assert await plain_indexes(platform, "audit_entries") == before
    assert (await verify_trails(platform.worker_pool)).intact


async def test_only_a_table_the_worker_may_empty_has_its_indexes_dropped(
    platform: Platform,
) -> None:
    async with platform.worker_pool.acquire() as conn:
        with pytest.raises(asyncpg.RaiseError, match="no table the worker may empty"):
            await conn.execute("SELECT tinget_defer_indexes('events')")
        with pytest.raises(asyncpg.RaiseError, match="no table the worker may empty"):
            await conn.execute("SELECT tinget_restore_index('events', 'events_log')")
    async with platform.app_pool.acquire() as conn:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SELECT tinget_defer_indexes('audit_entries')")
    assert "events_log" in await plain_indexes(platform, "events")
