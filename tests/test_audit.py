"""The audit trail over HTTP: every event of a flow with who, role, request and dialog; filters,
pages, CSV and JSON exports (streamed), administrators only, bad filters named, one tenant's
trail only. Real PostgreSQL and NATS behind the gateway app."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import datetime

import httpx
import pytest

from services.identity.access import Role
from tests.api import create_town, device_token, dialog_body, staff_token
from tests.audit_flow import Entry, Flow, listed, one, run_flow
from tinget.bootstrap import Platform


@pytest.fixture
async def flow(client: httpx.AsyncClient, platform: Platform) -> Flow:
    return await run_flow(client, platform)


async def test_every_event_of_a_flow_is_an_entry_saying_who_in_which_role_and_request(
    client: httpx.AsyncClient, platform: Platform, flow: Flow
) -> None:
    entries = await listed(client, flow)

    async with platform.worker_pool.acquire() as conn:
        events = await conn.fetch(
            "SELECT event_id FROM events WHERE tenant_id = $1 ORDER BY position", flow.town.slug
        )
    assert [e["event_id"] for e in reversed(entries)] == [str(r["event_id"]) for r in events]
    assert [e["seq"] for e in entries] == list(range(len(events), 0, -1))
    drafted = [e for e in entries if e["event_type"] == "DialogDrafted"]
    assert {e["dialog_id"] for e in drafted} == {flow.dialog_id, flow.poll_id}
    assert {(e["actor"], e["role"]) for e in drafted} == {(flow.admin_id, "administrator")}
    post = one(entries, "PostSubmitted")
    assert (post["actor"], post["role"], post["request_id"]) == (
        flow.author_id,
        "participant",
        "req-post",
    )
    assert post["dialog_id"] == flow.dialog_id
    # What the author wrote is sealed under their key (erasure destroys it): never in clear
    assert set(post["payload"]["body"]) == {"sealed", "person"}
    assert "Children cross the road here" not in json.dumps(entries)
    edit = one(entries, "PostEdited")
    assert (edit["actor"], edit["dialog_id"]) == (flow.author_id, flow.dialog_id)  # the post's
    support = one(entries, "SupportGiven")
    assert (support["actor"], support["dialog_id"]) == (flow.supporter_id, flow.dialog_id)
    ballot = one(entries, "BallotCast")
    assert ballot["actor"] is None  # ballots are anonymous
    assert (ballot["role"], ballot["request_id"], ballot["dialog_id"]) == (
        "participant",
        "req-vote",
        flow.poll_id,
    )
    assert flow.supporter_id not in json.dumps(ballot)
    assert all(e["recorded_at"] and len(e["hash"]) == 64 for e in entries)
    assert [e["prev_hash"] for e in entries[:-1]] == [e["hash"] for e in entries[1:]]
    assert entries[-1]["prev_hash"] == "00" * 32


async def test_filters_by_dialog_actor_kind_and_time_and_pages_with_cursors(
    client: httpx.AsyncClient, flow: Flow
) -> None:
    everything = await listed(client, flow)

    in_dialog = await listed(client, flow, dialog_id=flow.dialog_id)
    by_author = await listed(client, flow, actor=flow.author_id)
    submitted = await listed(client, flow, kind="PostSubmitted")
    identity = await listed(client, flow, kind="identity")
    middle = datetime.fromisoformat(everything[len(everything) // 2]["recorded_at"])
    since = await listed(client, flow, since=middle.isoformat())
    until = await listed(client, flow, until=middle.isoformat())
    paged = await listed(client, flow, limit=3)

    assert {e["event_type"] for e in in_dialog} >= {
        "DialogDrafted",
        "DialogOpened",
        "PostSubmitted",
        "PostEdited",
        "SupportGiven",
    }
    assert all(e["dialog_id"] == flow.dialog_id for e in in_dialog)
    assert "BallotCast" not in {e["event_type"] for e in in_dialog}
    assert {e["event_type"] for e in by_author} == {"PersonJoined", "PostSubmitted", "PostEdited"}
    assert [e["event_type"] for e in submitted] == ["PostSubmitted"]
    assert identity
    assert {e["context"] for e in identity} == {"identity"}
    assert all(datetime.fromisoformat(e["recorded_at"]) >= middle for e in since)
    assert all(datetime.fromisoformat(e["recorded_at"]) < middle for e in until)
    assert sorted(e["seq"] for e in since + until) == sorted(e["seq"] for e in everything)
    assert paged == everything


def chain_hash(prev_hash: bytes, tenant: str, entry: Entry) -> bytes:
    """The documented canonical form, rebuilt from an export with the standard library only."""
    recorded = datetime.fromisoformat(entry["recorded_at"])
    micros = int(recorded.timestamp()) * 1_000_000 + recorded.microsecond
    fields = [tenant, entry["seq"], entry["position"], entry["event_id"], entry["stream_id"]]
    fields += [entry["version"], entry["context"], entry["event_type"], entry["dialog_id"]]
    fields += [entry["actor"], entry["role"], entry["request_id"], micros]
    head = json.dumps(fields, separators=(",", ":"), ensure_ascii=False)[:-1]
    payload = json.dumps(
        entry["payload"], separators=(",", ":"), ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(prev_hash + f"{head},{payload}]".encode()).digest()


async def test_exports_as_csv_and_json_carry_every_entry_oldest_first_and_its_chain(
    client: httpx.AsyncClient, flow: Flow
) -> None:
    everything = list(reversed(await listed(client, flow)))
    headers = flow.town.headers(flow.admin)

    as_json = await client.get("/api/v1/audit/export", params={"format": "json"}, headers=headers)
    as_csv = await client.get("/api/v1/audit/export", params={"format": "csv"}, headers=headers)
    only_votes = await client.get(
        "/api/v1/audit/export", params={"format": "csv", "kind": "BallotCast"}, headers=headers
    )

    assert as_json.status_code == 200, as_json.text
    assert as_json.headers["content-type"] == "application/json"
    assert as_json.headers["content-disposition"].startswith('attachment; filename="audit-')
    assert as_json.headers["content-disposition"].endswith('.json"')
    assert as_json.json() == everything
    prev = bytes(32)
    for entry in as_json.json():
        assert entry["prev_hash"] == prev.hex()
        prev = chain_hash(prev, flow.town.slug, entry)
        assert entry["hash"] == prev.hex()
    assert as_csv.status_code == 200, as_csv.text
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert as_csv.text.splitlines()[0].split(",")[:3] == ["seq", "recorded_at", "event_type"]
    assert [r["event_id"] for r in rows] == [e["event_id"] for e in everything]
    assert [r["hash"] for r in rows] == [e["hash"] for e in everything]
    assert [json.loads(r["payload"]) for r in rows] == [e["payload"] for e in everything]
    assert [r["actor"] for r in rows] == [e["actor"] or "" for e in everything]
    [vote] = list(csv.DictReader(io.StringIO(only_votes.text)))
    assert (vote["event_type"], vote["actor"], vote["request_id"]) == ("BallotCast", "", "req-vote")


async def test_only_administrators_read_the_trail(
    client: httpx.AsyncClient, platform: Platform, flow: Flow
) -> None:
    town = flow.town
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    analyst = await staff_token(platform, town, "analyst@town.example", Role.ANALYST)
    citizen = await device_token(client, town)

    for token in (moderator, analyst, citizen):
        for url in ("/api/v1/audit", "/api/v1/audit/export?format=csv"):
            refused = await client.get(url, headers=town.headers(token))
            assert refused.status_code == 403, refused.text
            assert refused.json()["type"].endswith("/forbidden")
    anonymous = await client.get("/api/v1/audit", headers=town.headers())
    assert anonymous.status_code == 401


# (url, status, field): a filter the listing or the export refuses, naming the field
BAD_FILTERS = [
    ("/api/v1/audit?dialog_id=not-a-uuid", 400, "dialog_id"),
    ("/api/v1/audit?actor=42", 400, "actor"),
    ("/api/v1/audit?since=yesterday", 400, "since"),
    ("/api/v1/audit?until=2025-13-40T00:00:00Z", 400, "until"),
    ("/api/v1/audit?since=2025-03-01T00:00:00", 422, "since"),
    ("/api/v1/audit?since=2025-03-02T00:00:00Z&until=2025-03-01T00:00:00Z", 422, "until"),
    ("/api/v1/audit?kind=SomethingHappened", 422, "kind"),
    ("/api/v1/audit?limit=0", 400, "limit"),
    ("/api/v1/audit?cursor=not-ours", 422, "cursor"),
    ("/api/v1/audit/export?format=xml", 400, "format"),
    ("/api/v1/audit/export", 422, "format"),
    ("/api/v1/audit/export?format=csv&dialog_id=x", 400, "dialog_id"),
    ("/api/v1/audit/export?format=json&since=2025-03-01", 400, "since"),
    ("/api/v1/audit/export?format=json&kind=nothing", 422, "kind"),
]


async def test_bad_filters_are_refused_naming_the_field(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)

    for case in BAD_FILTERS:
        url, status, field = case
        refused = await client.get(url, headers=town.headers(admin))

        assert refused.status_code == status, (case, refused.text)
        assert refused.headers["content-type"] == "application/problem+json", case
        assert refused.json()["field"] == field, (case, refused.text)


async def test_another_tenants_entries_are_never_visible(
    client: httpx.AsyncClient, platform: Platform, flow: Flow
) -> None:
    other = await run_flow(client, platform, "Malmö")

    ours = await listed(client, flow)
    theirs = await listed(client, other)
    their_dialog = await listed(client, flow, dialog_id=other.dialog_id)
    their_actor = await listed(client, flow, actor=other.author_id)
    exported = await client.get(
        "/api/v1/audit/export", params={"format": "json"}, headers=flow.town.headers(flow.admin)
    )
    wrong_host = await client.get("/api/v1/audit", headers=other.town.headers(flow.admin))
    foreign_cursor = await client.get(
        "/api/v1/audit",
        params={"limit": 1},
        headers=other.town.headers(other.admin),
    )
    crossed = await client.get(
        "/api/v1/audit",
        params={"cursor": foreign_cursor.json()["next_cursor"]},
        headers=flow.town.headers(flow.admin),
    )

    assert not {e["event_id"] for e in ours} & {e["event_id"] for e in theirs}
    assert their_dialog == []
    assert their_actor == []
    assert {e["event_id"] for e in exported.json()} == {e["event_id"] for e in ours}
    assert wrong_host.status_code == 401
    assert crossed.status_code == 200
    assert crossed.json()["items"] == []
    async with platform.app_pool.acquire() as conn:
        unset = await conn.fetchval("SELECT count(*) FROM audit_entries")
        heads = await conn.fetchval("SELECT count(*) FROM audit_heads")
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", flow.town.slug)
            tenants = await conn.fetch("SELECT DISTINCT tenant_id FROM audit_entries")
    assert (unset, heads) == (0, 0)
    assert [r["tenant_id"] for r in tenants] == [flow.town.slug]


async def test_the_openapi_document_describes_both_operations(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()

    listing = document["paths"]["/api/v1/audit"]["get"]
    export = document["paths"]["/api/v1/audit/export"]["get"]

    assert (listing["operationId"], export["operationId"]) == (
        "listAuditEntries",
        "exportAuditEntries",
    )
    assert {p["name"] for p in export["parameters"]} >= {"format", "dialog_id", "kind", "since"}
    assert "403" in listing["responses"]


async def test_a_csv_cell_that_a_spreadsheet_would_run_is_quoted(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@town.example", Role.ADMINISTRATOR)
    drafted = await client.post(
        "/api/v1/dialogs",
        json=dialog_body(),
        headers={**town.headers(admin), "x-request-id": "=HYPERLINK(1)"},
    )
    assert drafted.status_code == 201, drafted.text
    await platform.catch_up_projections()
    params = {"kind": "DialogDrafted"}

    as_csv = await client.get(
        "/api/v1/audit/export", params={**params, "format": "csv"}, headers=town.headers(admin)
    )
    as_json = await client.get(
        "/api/v1/audit/export", params={**params, "format": "json"}, headers=town.headers(admin)
    )

    [row] = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert row["request_id"] == "'=HYPERLINK(1)"
    assert [e["request_id"] for e in as_json.json()] == ["=HYPERLINK(1)"]
