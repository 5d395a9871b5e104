"""Verifying audit trails: walk each tenant's chain and name every entry that was tampered with.

The walk reads entries in (tenant, seq) order through a server-side cursor, so a trail of any
length needs memory for one entry at a time. For each entry it checks, in this order:

- ``missing``: its number does not follow the one before (entries removed); the problem names
  the missing numbers, the entries either side and, from the event log, the events that fell
  out. Removing the newest entries leaves no gap, so the walk also compares its end with the
  tenant's head (``audit_heads``) and reports the missing tail the same way;
- ``relinked``: its ``prev_hash`` is not the hash of the entry before (entries reordered, or an
  entry rewritten together with its own hash);
- ``altered``: its hash does not match its content (an entry edited in place).

An altered entry keeps its successors' links intact, so exactly the edited entry is named. A
tenant whose head row is gone while entries remain is reported as ``head``.

The chain proves the trail matches itself; someone who can rewrite the whole database can also
recompute every hash. Keeping a copy of each head elsewhere (an export, a log) closes that gap.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import msgspec

from services.audit.chain import GENESIS, Entry, link

_COLUMNS = (
    "tenant_id, seq, position, event_id, stream_id, version, context, event_type, dialog_id,"
    " actor, role, request_id, recorded_at, convert_to(payload::text, 'UTF8') AS payload,"
    " prev_hash, hash"
)


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    """One break in a tenant's chain."""

    tenant_id: str
    problem: str  # missing | relinked | altered | head
    seq: int | None = None  # the entry named (the one after a gap, for ``missing``)
    event_id: str | None = None
    missing_seqs: list[int] | None = None  # [first, last] of the numbers that are gone
    missing_event_ids: list[str] | None = None  # the events the log holds in the gap
    after_event_id: str | None = None
    detail: str = ""


class TenantReport(msgspec.Struct, kw_only=True):
    tenant_id: str
    entries: int
    head_seq: int
    intact: bool


class Report(msgspec.Struct, kw_only=True):
    intact: bool
    tenants: list[TenantReport]
    problems: list[Problem]


class _Walk:
    """The state of one tenant's walk."""

    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.seq = 0
        self.position = 0
        self.hash = GENESIS
        self.event_id: str | None = None
        self.entries = 0
        self.problems: list[Problem] = []


async def verify_trails(pool: asyncpg.Pool, tenant_id: str | None = None) -> Report:
    """Verify one tenant's chain, or every tenant's; needs a role that reads all tenants."""
    async with pool.acquire() as conn:
        heads = {
            r["tenant_id"]: (int(r["seq"]), int(r["position"]), bytes(r["hash"]))
            for r in await conn.fetch(
                "SELECT tenant_id, seq, position, hash FROM audit_heads"
                " WHERE $1::text IS NULL OR tenant_id = $1",
                tenant_id,
            )
        }
        walks: list[_Walk] = []
        async with conn.transaction(readonly=True):
            walk: _Walk | None = None
            async for row in conn.cursor(
                f"SELECT {_COLUMNS} FROM audit_entries"
                " WHERE $1::text IS NULL OR tenant_id = $1 ORDER BY tenant_id, seq",
                tenant_id,
                prefetch=1000,
            ):
                if walk is None or walk.tenant_id != row["tenant_id"]:
                    walk = _Walk(row["tenant_id"])
                    walks.append(walk)
                await _check(conn, walk, row)
        seen = {w.tenant_id for w in walks}
        walks.extend(_Walk(t) for t in heads if t not in seen)  # every entry of theirs is gone
        walks.sort(key=lambda w: w.tenant_id)
        for walk in walks:
            await _check_head(conn, walk, heads.get(walk.tenant_id))
    problems = [p for w in walks for p in w.problems]
    return Report(
        intact=not problems,
        tenants=[
            TenantReport(
                tenant_id=w.tenant_id,
                entries=w.entries,
                head_seq=heads.get(w.tenant_id, (w.seq, 0, b""))[0],
                intact=not w.problems,
            )
            for w in walks
        ],
        problems=problems,
    )


async def _check(conn: asyncpg.Connection, walk: _Walk, row: asyncpg.Record) -> None:
    seq = int(row["seq"])
    event_id = str(row["event_id"])
    prev_hash, stored = bytes(row["prev_hash"]), bytes(row["hash"])
    if seq != walk.seq + 1:
        walk.problems.append(
            await _gap(conn, walk, seq - 1, int(row["position"]), seq=seq, event_id=event_id)
        )
    elif prev_hash != walk.hash:
        walk.problems.append(
            Problem(
                tenant_id=walk.tenant_id,
                problem="relinked",
                seq=seq,
                event_id=event_id,
                after_event_id=walk.event_id,
                detail=f"prev_hash is not the hash of entry {walk.seq}",
            )
        )
    entry = Entry(**{f: row[f] for f in Entry.__struct_fields__})
    if link(prev_hash, entry) != stored:
        walk.problems.append(
            Problem(
                tenant_id=walk.tenant_id,
                problem="altered",
                seq=seq,
                event_id=event_id,
                detail="the hash does not match the entry's content",
            )
        )
    walk.seq, walk.position, walk.hash, walk.event_id = seq, int(row["position"]), stored, event_id
    walk.entries += 1


async def _check_head(
    conn: asyncpg.Connection, walk: _Walk, head: tuple[int, int, bytes] | None
) -> None:
    """Entries removed from the end leave no gap: the head still names the last one."""
    if head is None:
        if walk.entries:
            walk.problems.append(
                Problem(
                    tenant_id=walk.tenant_id,
                    problem="head",
                    detail="the tenant has entries but its head is gone",
                )
            )
        return
    seq, position, digest = head
    if seq > walk.seq:
        walk.problems.append(await _gap(conn, walk, seq, position + 1))
    elif seq != walk.seq or digest != walk.hash:
        walk.problems.append(
            Problem(
                tenant_id=walk.tenant_id,
                problem="relinked",
                seq=walk.seq,
                event_id=walk.event_id,
                detail=f"the head names entry {seq}, not the last entry's hash",
            )
        )


async def _gap(
    conn: asyncpg.Connection,
    walk: _Walk,
    last_missing: int,
    before_position: int,
    **named: Any,
) -> Problem:
    """A run of missing entries, with the events the log holds between its neighbours."""
    rows = await conn.fetch(
        "SELECT event_id FROM events WHERE tenant_id = $1 AND position > $2 AND position < $3"
        " ORDER BY position LIMIT 100",
        walk.tenant_id,
        walk.position,
        before_position,
    )
    first = walk.seq + 1
    return Problem(
        tenant_id=walk.tenant_id,
        problem="missing",
        missing_seqs=[first, last_missing],
        missing_event_ids=[str(r["event_id"]) for r in rows],
        after_event_id=walk.event_id,
        detail=f"entries {first} to {last_missing} are gone",
        **named,
    )


def to_json(report: Report) -> Any:
    """The report as plain JSON values, for the CLI."""
    return msgspec.to_builtins(report)
