"""The audit trail's rebuild writes by COPY from its own memory of the chain, batch after batch
(``projections.audit.CopyingTrail``): what it writes equals, byte for byte, what the live path
wrote, the chain verifies, and replaying the store afterwards changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import asyncpg
import httpx
import pytest

from events.model import RecordedEvent
from projections.audit import AuditTrail, CopyingTrail
from projections.audit_verify import verify_trails
from projections.runtime import ProjectionRunner, Rebuilding
from tests.api import device_token
from tests.audit_flow import run_flow, settle
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
