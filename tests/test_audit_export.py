"""A long audit trail leaves the gateway as a stream: chunk after chunk over real HTTP (uvicorn),
never one body built in memory."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from events.model import NewEvent
from services.identity.access import Role
from tests.api import Town, create_town, staff_token
from tinget.bootstrap import Platform

ENTRIES = 5_000


async def long_trail(platform: Platform, town: Town) -> None:
    """5,000 edits of posts appended to the store, and the audit trail caught up on them."""
    now = datetime.now(UTC).isoformat()
    body = "A longer text, so that the export is a few megabytes. " * 4
    await platform.store.append(
        [
            NewEvent(
                tenant_id=town.slug,
                stream_id=uuid.uuid4(),
                version=2,
                context="participation",
                event_type="PostEdited",
                data=json.dumps({"timestamp": now, "title": None, "body": f"{i}: {body}"}).encode(),
                metadata=json.dumps({"actor": str(uuid.uuid4()), "role": "participant"}).encode(),
                event_id=uuid.uuid4(),
            )
            for i in range(ENTRIES)
        ]
    )
    [trail] = [r for r in platform.projections if r.projection.name == "audit_trail"]
    head = await platform.reader.head()
    async with asyncio.timeout(30):  # transactions still running hold the log's horizon back
        while await trail.store_cursor() < head:
            await trail.catch_up(platform.reader)
            await asyncio.sleep(0.01)


@pytest.mark.parametrize("export_format", ["json", "csv"])
async def test_a_long_export_arrives_in_many_chunks(
    platform: Platform, live_server: str, export_format: str
) -> None:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    await long_trail(platform, town)
    chunks: list[bytes] = []

    async with (
        httpx.AsyncClient(base_url=live_server, timeout=30) as client,
        client.stream(
            "GET",
            "/api/v1/audit/export",
            params={"format": export_format, "kind": "PostEdited"},
            headers=town.headers(admin),
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers.get("transfer-encoding") == "chunked"
        assert "content-length" not in response.headers
        async for chunk in response.aiter_raw():
            chunks.append(chunk)

    body = b"".join(chunks)
    assert len(body) > 2_000_000
    assert len(chunks) >= 20
    if export_format == "json":
        entries = json.loads(body)
        numbers = sorted(int(e["payload"]["body"].split(":")[0]) for e in entries)
        assert numbers == list(range(ENTRIES))
        assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)  # log order
    else:
        rows = list(csv.DictReader(io.StringIO(body.decode())))
        assert len(rows) == ENTRIES
        assert {r["event_type"] for r in rows} == {"PostEdited"}
