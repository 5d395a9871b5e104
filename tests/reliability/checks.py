"""The proofs after the faults: accepted writes in the store, the store in JetStream exactly once,
the relay and read models caught up, and the counts people see over HTTP equal what was
accepted. Queries run as the owner role, which row-level security does not restrict."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from events import envelope
from tests.reliability.load import TenantLoad, Write


async def lost_writes(conn: asyncpg.Connection, writes: Sequence[Write]) -> list[Write]:
    """The accepted writes whose event is not in the store."""
    rows = await conn.fetch(
        "SELECT w.i FROM unnest($1::text[], $2::uuid[], $3::text[])"
        " WITH ORDINALITY AS w(tenant_id, stream_id, event_type, i)"
        " WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.tenant_id = w.tenant_id"
        " AND e.stream_id = w.stream_id AND e.event_type = w.event_type)",
        [w.tenant_id for w in writes],
        [w.stream_id for w in writes],
        [w.event_type for w in writes],
    )
    return [writes[int(r["i"]) - 1] for r in rows]


async def behind(conn: asyncpg.Connection, target: int, projections: Sequence[str]) -> list[str]:
    """What has not yet reached ``target``: the relay, and each read model that has not
    applied every tenant's events up to it."""
    late: list[str] = []
    relayed = await conn.fetchval("SELECT position FROM relay_positions WHERE name = 'main'")
    if int(relayed or 0) < target:
        late.append("relay")
    rows = await conn.fetch(
        "WITH e AS (SELECT tenant_id, max(position) AS last FROM events"
        " WHERE position <= $1 GROUP BY tenant_id)"
        " SELECT DISTINCT n.name FROM unnest($2::text[]) AS n(name) CROSS JOIN e"
        " LEFT JOIN projection_positions p"
        " ON p.projection = n.name AND p.tenant_id = e.tenant_id"
        " WHERE coalesce(p.position, 0) < e.last ORDER BY n.name",
        target,
        list(projections),
    )
    late.extend(r["name"] for r in rows)
    return late


async def head(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM events"))


async def wait_caught_up(
    pool: asyncpg.Pool, target: int, projections: Sequence[str], patience: float
) -> tuple[float | None, list[str]]:
    """Seconds until the relay and every read model reached ``target`` (None: not within
    ``patience`` seconds), and what was still behind at the end."""
    began = time.monotonic()
    late: list[str] = ["not checked"]
    while time.monotonic() - began < patience:
        try:
            async with pool.acquire() as conn:
                late = await behind(conn, target, projections)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            late = [f"database: {type(error).__name__}"]
        if not late:
            return time.monotonic() - began, []
        await asyncio.sleep(0.1)
    return None, late


@dataclass
class StreamCheck:
    """The JetStream stream against the store."""

    messages: int = 0
    events: int = 0
    duplicates: int = 0  # stored events that are in the stream more than once
    missing: list[UUID] = field(default_factory=list)  # in the store, not in the stream
    extra: list[UUID] = field(default_factory=list)  # in the stream, not in the store
    mismatched_ids: int = 0  # a message whose Nats-Msg-Id is not its event's id

    @property
    def exact(self) -> bool:
        return (
            not self.duplicates
            and not self.missing
            and not self.extra
            and not self.mismatched_ids
            and self.messages == self.events
        )


async def check_stream(
    conn: asyncpg.Connection, nats_url: str, stream: str = "TINGET"
) -> StreamCheck:
    stored = {r["event_id"] for r in await conn.fetch("SELECT event_id FROM events")}
    nc = await nats.connect(nats_url, connect_timeout=5)
    try:
        js = nc.jetstream()
        info = await js.stream_info(stream)
        total = int(info.state.messages)
        durable = "reliability-check"
        subscription = await js.pull_subscribe(
            ">",
            durable=durable,
            stream=stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, max_waiting=1
            ),
        )
        seen: Counter[UUID] = Counter()
        mismatched = 0
        received = 0
        while received < total:
            try:
                msgs = await subscription.fetch(1000, timeout=3)
            except TimeoutError:
                break
            for msg in msgs:
                received += 1
                event_id = envelope.decode(msg.data).event_id
                if (msg.headers or {}).get("Nats-Msg-Id") != str(event_id):
                    mismatched += 1
                seen[event_id] += 1
        await subscription.unsubscribe()
        await js.delete_consumer(stream, durable)
    finally:
        await nc.close()
    return StreamCheck(
        messages=total,
        events=len(stored),
        duplicates=sum(1 for n in seen.values() if n > 1),
        missing=sorted(stored - set(seen)),
        extra=sorted(set(seen) - stored),
        mismatched_ids=mismatched + (total - received),
    )


def _within(what: str, seen: int, accepted: int, unanswered: int) -> str | None:
    """Seen must equal accepted; writes whose outcome is unknown (no answer, or refused while
    in flight at a database crash) may or may not be in."""
    if accepted <= seen <= accepted + unanswered:
        return None
    return f"{what}: {seen} over HTTP, {accepted} accepted"


async def http_mismatches(
    base_url: str, tenants: Sequence[TenantLoad], writes: Sequence[Write], unanswered: int
) -> tuple[list[str], int]:
    """Counts read over HTTP (dialog post counts, poll tallies, supports and comments per
    post) against the accepted writes; and how many counts were compared."""
    wrong: list[str] = []
    compared = 0
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for tenant in tenants:
            mine = [w for w in writes if w.tenant_id == tenant.town.slug]
            headers = tenant.town.headers(tenant.moderator)

            dialog = await client.get(f"/api/v1/dialogs/{tenant.proposals}", headers=headers)
            dialog.raise_for_status()
            accepted_posts = {w.stream_id for w in mine if w.kind == "post"}
            compared += 1
            # posts and comments are sent until answered, with an Idempotency-Key: exact counts
            problem = _within(
                f"{tenant.town.slug} posts", dialog.json()["posts"], len(accepted_posts), 0
            )
            if problem:
                wrong.append(problem)

            for poll in tenant.polls:
                tally = await client.get(f"/api/v1/dialogs/{poll.dialog_id}/tally", headers=headers)
                tally.raise_for_status()
                body = tally.json()
                votes = [w for w in mine if w.kind == "vote" and w.target == poll.dialog_id]
                per_choice = Counter(w.choice for w in votes)
                compared += 1 + len(body["results"])
                for problem_or_none in (
                    _within(
                        f"poll {poll.dialog_id} ballots", body["ballots"], len(votes), unanswered
                    ),
                    *(
                        _within(
                            f"poll {poll.dialog_id} {r['choice']!r}",
                            r["votes"],
                            per_choice[r["choice"]],
                            unanswered,
                        )
                        for r in body["results"]
                    ),
                ):
                    if problem_or_none:
                        wrong.append(problem_or_none)

            listed = await _all_posts(client, tenant, headers)
            if set(listed) != accepted_posts:
                wrong.append(
                    f"{tenant.town.slug}: {len(listed)} posts listed, {len(accepted_posts)}"
                    f" accepted ({len(accepted_posts - set(listed))} not listed)"
                )
            supports = Counter(w.target for w in mine if w.kind == "support")
            comments = Counter(w.target for w in mine if w.kind == "comment")
            for post_id, item in listed.items():
                compared += 2
                for what, seen, accepted in (
                    ("supports", item["supports"], supports[post_id]),
                    ("comments", item["comments"], comments[post_id]),
                ):
                    slack = 0 if what == "comments" else unanswered
                    problem = _within(f"post {post_id} {what}", seen, accepted, slack)
                    if problem:
                        wrong.append(problem)
    return wrong, compared


async def _all_posts(
    client: httpx.AsyncClient, tenant: TenantLoad, headers: dict[str, str]
) -> dict[UUID, dict[str, Any]]:
    found: dict[UUID, dict[str, Any]] = {}
    cursor: str | None = None
    while True:
        params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
        page = await client.get(
            f"/api/v1/dialogs/{tenant.proposals}/posts", params=params, headers=headers
        )
        page.raise_for_status()
        body = page.json()
        for item in body["items"]:
            found[UUID(item["id"])] = item
        cursor = body.get("next_cursor")
        if not cursor:
            return found
