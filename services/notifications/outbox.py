"""The delivery outbox in PostgreSQL: claiming due rows, what sending them needs, recording
how it went, and what operators see.

Claims are short transactions (``FOR UPDATE SKIP LOCKED``, then the row's next attempt moves a
lease ahead), so several senders share the work, nobody holds a transaction open while talking
to an SMTP server, and a sender that dies mid-send leaves its rows to be claimed again when the
lease runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.texts import choose_language
from services.identity.languages import languages_of
from services.notifications.template_service import custom_templates
from tenants.values import default_public_url

_RETURNING = (
    "RETURNING d.tenant_id, d.delivery_id, d.person_id, d.kind, d.channel, d.details::text,"
    " d.attempts, d.digest, d.created_at"
)
_CLAIM = (
    "WITH due AS (SELECT tenant_id, delivery_id FROM notification_deliveries"
    " WHERE status = 'pending' AND NOT digest AND next_attempt_at <= $1"
    " ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
    " UPDATE notification_deliveries d SET next_attempt_at = $1 + $3::interval FROM due"
    " WHERE d.tenant_id = due.tenant_id AND d.delivery_id = due.delivery_id " + _RETURNING
)
# A digest takes all of a person's due rows at once, so it goes out as one e-mail.
_CLAIM_DIGESTS = (
    "WITH who AS (SELECT DISTINCT tenant_id, person_id FROM notification_deliveries"
    " WHERE status = 'pending' AND digest AND next_attempt_at <= $1 LIMIT $2),"
    " due AS (SELECT d.tenant_id, d.delivery_id FROM notification_deliveries d"
    " JOIN who USING (tenant_id, person_id)"
    " WHERE d.status = 'pending' AND d.digest AND d.next_attempt_at <= $1"
    " FOR UPDATE OF d SKIP LOCKED)"
    " UPDATE notification_deliveries d SET next_attempt_at = $1 + $3::interval FROM due"
    " WHERE d.tenant_id = due.tenant_id AND d.delivery_id = due.delivery_id " + _RETURNING
)

_details = msgspec.json.Decoder(dict[str, str])
_templates = msgspec.json.Decoder(dict[str, str])


@dataclass(frozen=True)
class Delivery:
    tenant_id: str
    delivery_id: UUID
    person_id: UUID
    kind: str
    channel: str
    details: dict[str, str]
    attempts: int
    digest: bool
    created_at: datetime


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: the row's next state."""

    delivery: Delivery
    status: str  # pending (again, later), sent, failed, skipped
    attempts: int
    next_attempt_at: datetime | None = None
    error: str | None = None
    digest: bool = False


@dataclass(frozen=True)
class TenantInfo:
    name: str
    language: str  # the default language
    link_base: str | None  # the tenant's public URL: where every link in its messages points
    languages: tuple[str, ...] = ()  # the languages it offers (none known: only the default)
    link_templates: dict[str, str] = field(default_factory=dict)  # kind -> URL template


@dataclass(frozen=True)
class Preference:
    email: bool = True
    push: bool = True
    in_app: bool = True
    digest: str = "immediate"


@dataclass(frozen=True)
class Subscription:
    subscription_id: UUID
    endpoint: str
    p256dh: str
    auth: str


@dataclass
class Context:
    """Everything sending a set of deliveries needs, read in a few queries."""

    tenants: dict[str, TenantInfo]
    addresses: dict[tuple[str, UUID], str]
    preferences: dict[tuple[str, UUID, str], Preference]
    custom: dict[str, dict[tuple[str, str], tuple[str, str]]]
    subscriptions: dict[tuple[str, UUID], list[Subscription]] = field(default_factory=dict)
    languages: dict[tuple[str, UUID], str] = field(default_factory=dict)

    def preference(self, d: Delivery) -> Preference:
        return self.preferences.get((d.tenant_id, d.person_id, d.kind), Preference())

    def language(self, d: Delivery, tenant: TenantInfo) -> str:
        """The language to write to the delivery's person in: their own, when the tenant
        offers it, else the tenant's default (an e-mail has no Accept-Language)."""
        offered = tenant.languages or (tenant.language,)
        return choose_language(
            self.languages.get((d.tenant_id, d.person_id)), None, offered, tenant.language
        )


def _delivery(row: Any) -> Delivery:
    return Delivery(
        tenant_id=row["tenant_id"],
        delivery_id=row["delivery_id"],
        person_id=row["person_id"],
        kind=row["kind"],
        channel=row["channel"],
        details=_details.decode(row["details"]),
        attempts=row["attempts"],
        digest=row["digest"],
        created_at=row["created_at"],
    )


async def claim(
    pool: asyncpg.Pool, now: datetime, limit: int, lease: timedelta, *, digests: bool = False
) -> list[Delivery]:
    """Due deliveries (or, with ``digests``, every due digest row of up to ``limit`` people)."""
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(_CLAIM_DIGESTS if digests else _CLAIM, now, limit, lease)
    return sorted((_delivery(r) for r in rows), key=lambda d: (d.created_at, d.delivery_id))


async def context(pool: asyncpg.Pool, deliveries: list[Delivery]) -> Context:
    tenants = sorted({d.tenant_id for d in deliveries})
    people = sorted({(d.tenant_id, d.person_id) for d in deliveries})
    who = ([p[0] for p in people], [p[1] for p in people])
    pairs = (
        "JOIN unnest($1::text[], $2::uuid[]) AS k(t, p) ON x.tenant_id = k.t AND x.person_id = k.p"
    )
    async with pool.acquire() as conn:
        tenant_rows = await conn.fetch(
            "SELECT tenant_id, name, default_language, hosts, public_url, languages,"
            " link_templates::text FROM tenant_directory"
            " WHERE tenant_id = ANY($1::text[])",
            tenants,
        )
        address_rows = await conn.fetch(
            f"SELECT x.tenant_id, x.person_id, x.email FROM people x {pairs}"
            " WHERE x.email IS NOT NULL AND x.erased_at IS NULL",
            *who,
        )
        preference_rows = await conn.fetch(
            f"SELECT x.* FROM notification_preferences x {pairs}", *who
        )
        subscription_rows = await conn.fetch(f"SELECT x.* FROM push_subscriptions x {pairs}", *who)
        custom = await custom_templates(conn, tenants)
        languages = await languages_of(conn, people)
    found = Context(
        tenants={
            r["tenant_id"]: TenantInfo(
                r["name"],
                r["default_language"],
                r["public_url"] or default_public_url(list(r["hosts"])),
                tuple(r["languages"]),
                _templates.decode(r["link_templates"]),
            )
            for r in tenant_rows
        },
        addresses={(r["tenant_id"], r["person_id"]): r["email"] for r in address_rows},
        preferences={
            (r["tenant_id"], r["person_id"], r["kind"]): Preference(
                r["email"], r["push"], r["in_app"], r["digest"]
            )
            for r in preference_rows
        },
        custom=custom,
        languages=languages,
    )
    for r in subscription_rows:
        found.subscriptions.setdefault((r["tenant_id"], r["person_id"]), []).append(
            Subscription(r["subscription_id"], r["endpoint"], r["p256dh"], r["auth"])
        )
    return found


async def finish(pool: asyncpg.Pool, outcomes: list[Outcome], now: datetime) -> None:
    """Record each attempt's outcome; a row that is no longer pending is finished ``now``."""
    if not outcomes:
        return
    async with pool.acquire() as conn:
        await conn.execute(
            "UPDATE notification_deliveries d SET status = u.status, attempts = u.attempts,"
            " next_attempt_at = coalesce(u.next, d.next_attempt_at), last_error = u.error,"
            " digest = u.digest,"
            " finished_at = CASE WHEN u.status = 'pending' THEN NULL ELSE $8::timestamptz END"
            " FROM unnest($1::text[], $2::uuid[], $3::text[], $4::int[], $5::timestamptz[],"
            " $6::text[], $7::bool[]) AS u(tenant_id, delivery_id, status, attempts, next, error,"
            " digest)"
            " WHERE d.tenant_id = u.tenant_id AND d.delivery_id = u.delivery_id",
            [o.delivery.tenant_id for o in outcomes],
            [o.delivery.delivery_id for o in outcomes],
            [o.status for o in outcomes],
            [o.attempts for o in outcomes],
            [o.next_attempt_at for o in outcomes],
            [o.error for o in outcomes],
            [o.digest for o in outcomes],
            now,
        )


async def forget_subscriptions(pool: asyncpg.Pool, tenant_id: str, ids: list[UUID]) -> None:
    """Remove subscriptions their push service no longer knows (it answered 404 or 410)."""
    async with pool.acquire() as conn:
        await conn.execute(
            "DELETE FROM push_subscriptions WHERE tenant_id = $1"
            " AND subscription_id = ANY($2::uuid[])",
            tenant_id,
            ids,
        )


async def prune(pool: asyncpg.Pool, before: datetime) -> int:
    """Forget sent and skipped deliveries finished before ``before``. Safe against rebuilds:
    the notifier creates deliveries only for events seen while fresh (``policy.FRESH_FOR``)."""
    async with pool.acquire() as conn:
        done = await conn.execute(
            "DELETE FROM notification_deliveries WHERE status IN ('sent', 'skipped')"
            " AND finished_at < $1 AND created_at < $1",
            before,
        )
    return int(done.split()[-1])


async def counts(pool: asyncpg.Pool) -> dict[str, int]:
    """Deliveries by status, for ``tinget status``."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT status, count(*) AS n FROM notification_deliveries GROUP BY status"
        )
    found = {"pending": 0, "sent": 0, "skipped": 0, "failed": 0}
    found.update({r["status"]: int(r["n"]) for r in rows})
    return found


async def failed(pool: asyncpg.Pool, tenant_id: str | None, limit: int) -> list[dict[str, Any]]:
    """The most recent deliveries that were given up, with why (never an address)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT tenant_id, delivery_id, person_id, kind, channel, attempts, last_error,"
            " created_at, finished_at FROM notification_deliveries"
            " WHERE status = 'failed' AND ($1::text IS NULL OR tenant_id = $1)"
            " ORDER BY finished_at DESC LIMIT $2",
            tenant_id,
            limit,
        )
    return [dict(r) for r in rows]
