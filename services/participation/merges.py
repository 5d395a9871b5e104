"""The merge policy: a near-duplicate's supports are carried to the post it was merged into.

When a post is merged into another (``PostMergedInto``), every person who supports it is
recorded as supporting the other one too (``SupportCarriedOver`` on the stream of their support
of that post, so someone who supported both counts once). A support that reaches the duplicate
after its merge (the supporter's request was checked just before it) is carried over as well,
and so is a support carried to a post that was itself merged on later. The policy keeps who
supports each post and which posts were merged where in its own tables, in log order, so it is
rebuildable; the command it gives is idempotent (a support carried before is found present),
and runs before the batch's transaction commits, so a failure redelivers the batch rather than
losing a support.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any
from uuid import UUID

import asyncpg

from events.codec import Codec
from events.model import RecordedEvent

CarrySupports = Callable[[str, UUID, UUID, Sequence[UUID]], Awaitable[int]]
SUPPORTS = frozenset({"SupportGiven", "SupportCarriedOver"})


class MergePolicy:
    name = "merge_policy"
    event_types = frozenset({*SUPPORTS, "PostMergedInto"})
    tables: tuple[str, ...] = ("post_supporters", "post_merges")

    def __init__(self, codec: Codec, carry: CarrySupports) -> None:
        self.codec = codec
        self.carry = carry

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decoded: list[tuple[RecordedEvent, Any]] = [
            (r, self.codec.decode(r.event_type, r.data, r.stream_id, r.version)) for r in events
        ]
        posts = {
            (r.tenant_id, e.post_id if r.event_type in SUPPORTS else r.stream_id)
            for r, e in decoded
        }
        merges = await _merges(conn, posts)
        supporters: list[tuple[str, UUID, UUID]] = []
        new_merges: list[tuple[str, UUID, UUID]] = []
        carry: dict[tuple[str, UUID, UUID], set[UUID]] = {}
        for recorded, event in decoded:  # in log order
            t = recorded.tenant_id
            if recorded.event_type in SUPPORTS:
                supporters.append((t, event.post_id, event.person_id))
                into = merges.get((t, event.post_id))
                if into is not None:
                    carry.setdefault((t, event.post_id, into), set()).add(event.person_id)
                continue
            duplicate, into = recorded.stream_id, event.into_post_id
            if (t, duplicate) in merges:
                continue  # recorded already (a post is merged once)
            merges[(t, duplicate)] = into
            new_merges.append((t, duplicate, into))
            known = await _supporters(conn, t, duplicate)
            known |= {p for st, post, p in supporters if (st, post) == (t, duplicate)}
            if known:
                carry.setdefault((t, duplicate, into), set()).update(known)
        await _save(conn, supporters, new_merges)
        for (tenant_id, duplicate, into), people in sorted(carry.items()):
            await self.carry(tenant_id, duplicate, into, sorted(people))


async def _merges(
    conn: asyncpg.Connection, posts: set[tuple[str, UUID]]
) -> dict[tuple[str, UUID], UUID]:
    keys = sorted(posts)
    rows = await conn.fetch(
        "SELECT m.tenant_id, m.post_id, m.into_post_id FROM post_merges m"
        " JOIN unnest($1::text[], $2::uuid[]) AS k(t, p)"
        " ON m.tenant_id = k.t AND m.post_id = k.p",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["tenant_id"], r["post_id"]): r["into_post_id"] for r in rows}


async def _supporters(conn: asyncpg.Connection, tenant_id: str, post_id: UUID) -> set[UUID]:
    rows = await conn.fetch(
        "SELECT person_id FROM post_supporters WHERE tenant_id = $1 AND post_id = $2",
        tenant_id,
        post_id,
    )
    return {r["person_id"] for r in rows}


async def _save(
    conn: asyncpg.Connection,
    supporters: list[tuple[str, UUID, UUID]],
    merges: list[tuple[str, UUID, UUID]],
) -> None:
    if supporters:
        await conn.execute(
            "INSERT INTO post_supporters (tenant_id, post_id, person_id)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING",
            [s[0] for s in supporters],
            [s[1] for s in supporters],
            [s[2] for s in supporters],
        )
    if merges:
        await conn.execute(
            "INSERT INTO post_merges (tenant_id, post_id, into_post_id)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING",
            [m[0] for m in merges],
            [m[1] for m in merges],
            [m[2] for m in merges],
        )
