"""Person records, one-time sign-in codes and rate limits: tables outside the event log.

Personal data (e-mail address, name) is kept only in ``people`` so it can be erased; the codes
table keeps keyed hashes of codes, never the codes themselves. A sign-in link asked for an
address nobody holds records no person: the address waits in the code's row, sealed with a key
derived from the code (so only the e-mail's reader can open it), until the link is redeemed.
Expired codes are pruned whenever a new code is made for the tenant.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple
from uuid import UUID

import asyncpg
import msgspec
import structlog
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.db import tenant_transaction
from events.errors import TooManyRequests, Unauthenticated
from events.personal import PersonKeys
from events.timing import every
from services.identity.keys import Keys

# PINs use Crockford's base32 (no I, L, O, U): 10 characters, 50 bits, read aloud or typed
# from a letter without confusion.
_PIN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PIN_LENGTH = 10

log = structlog.get_logger(__name__)


class PersonRecord(msgspec.Struct, frozen=True, kw_only=True):
    person_id: UUID
    email: str | None
    display_name: str | None


Eraser = Callable[[asyncpg.Connection, str, UUID], Awaitable[None]]
"""Forgets what another context keeps about a person outside the events (tenant, person), in
the erasure's transaction."""


class People:
    def __init__(self, pool: asyncpg.Pool, erasers: Sequence[Eraser] = ()) -> None:
        self.pool = pool
        self.erasers = tuple(erasers)

    async def by_email(self, tenant_id: str, email: str) -> UUID:
        """The person with this e-mail address, recorded now if new."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            return await record_email(conn, tenant_id, email)

    async def find_email(self, tenant_id: str, email: str) -> UUID | None:
        """The person holding this e-mail address, if anyone does; records nothing."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            person_id: UUID | None = await conn.fetchval(
                "SELECT person_id FROM people WHERE tenant_id = $1 AND email = $2",
                tenant_id,
                email,
            )
        return person_id

    async def add(
        self, tenant_id: str, email: str | None = None, display_name: str | None = None
    ) -> UUID:
        if email is not None:
            person_id = await self.by_email(tenant_id, email)
            if display_name is not None:
                async with tenant_transaction(self.pool, tenant_id) as conn:
                    await conn.execute(
                        "UPDATE people SET display_name = $3 WHERE tenant_id = $1"
                        " AND person_id = $2",
                        tenant_id,
                        person_id,
                        display_name,
                    )
            return person_id
        person_id = uuid.uuid4()
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await conn.execute(
                "INSERT INTO people (tenant_id, person_id, display_name) VALUES ($1, $2, $3)",
                tenant_id,
                person_id,
                display_name,
            )
        return person_id

    async def erase(
        self, tenant_id: str, person_id: UUID, keys: PersonKeys | None
    ) -> tuple[datetime, bool]:
        """Forget the person's e-mail address and name, destroy their data key and run the
        ``erasers`` (personal data other contexts keep outside the events), in one
        transaction. Returns when they were erased and whether that was now (not before)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            before: datetime | None = await conn.fetchval(
                "SELECT erased_at FROM people WHERE tenant_id = $1 AND person_id = $2 FOR UPDATE",
                tenant_id,
                person_id,
            )
            erased_at: datetime = await conn.fetchval(
                "INSERT INTO people (tenant_id, person_id, erased_at) VALUES ($1, $2, now())"
                " ON CONFLICT (tenant_id, person_id) DO UPDATE SET email = NULL,"
                " display_name = NULL, erased_at = coalesce(people.erased_at, now())"
                " RETURNING erased_at",
                tenant_id,
                person_id,
            )
            if keys is not None:
                await keys.delete(conn, tenant_id, person_id)
            for eraser in self.erasers:
                await eraser(conn, tenant_id, person_id)
        return erased_at, before is None

    async def recorded(self, tenant_id: str, person_id: UUID) -> bool:
        """Whether the person has a record (erased or not)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            found = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM people WHERE tenant_id = $1 AND person_id = $2)",
                tenant_id,
                person_id,
            )
        return bool(found)

    async def get(self, tenant_id: str, person_id: UUID) -> PersonRecord | None:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                "SELECT person_id, email, display_name FROM people"
                " WHERE tenant_id = $1 AND person_id = $2 AND erased_at IS NULL",
                tenant_id,
                person_id,
            )
        return None if row is None else msgspec.convert(dict(row), PersonRecord)


async def record_email(conn: asyncpg.Connection, tenant_id: str, email: str) -> UUID:
    """The person with this e-mail address, recorded now if new (in the caller's transaction)."""
    person_id: UUID = await conn.fetchval(
        "INSERT INTO people (tenant_id, person_id, email) VALUES ($1, $2, $3)"
        " ON CONFLICT (tenant_id, email) WHERE email IS NOT NULL"
        " DO UPDATE SET email = excluded.email RETURNING person_id",
        tenant_id,
        uuid.uuid4(),
        email,
    )
    return person_id


def new_pin() -> str:
    raw = "".join(secrets.choice(_PIN_ALPHABET) for _ in range(_PIN_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_pin(value: str) -> str:
    """The PIN as issued, from what a person typed: case, spaces, hyphens and look-alikes."""
    cleaned = value.upper().replace(" ", "").replace("-", "")
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
    if len(cleaned) != _PIN_LENGTH or any(c not in _PIN_ALPHABET for c in cleaned):
        return ""
    return f"{cleaned[:4]}-{cleaned[4:8]}-{cleaned[8:]}"


class Redeemed(msgspec.Struct, frozen=True):
    person_id: UUID
    dialog_id: UUID | None


class SignInCodes:
    def __init__(self, pool: asyncpg.Pool, keys: Keys) -> None:
        self.pool = pool
        self.keys = keys

    async def create(
        self,
        tenant_id: str,
        purpose: str,
        person_id: UUID | None,
        lifetime: timedelta,
        dialog_id: UUID | None = None,
        *,
        email: str | None = None,
    ) -> str:
        """A new code for a person, or (``person_id`` None) for an address nobody holds yet,
        kept sealed in the code's row until the code is redeemed. Prunes expired codes."""
        if (person_id is None) == (email is None):
            raise ValueError("a code is for a person or for an address, not both")
        code = new_pin() if purpose == "pin" else secrets.token_urlsafe(32)
        sealed = None if email is None else self._seal(tenant_id, code, email)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await _prune(conn, tenant_id)
            await conn.execute(
                "INSERT INTO sign_in_codes (tenant_id, code_hash, purpose, person_id, dialog_id,"
                " expires_at, email_sealed) VALUES ($1, $2, $3, $4, $5, now() + $6::interval, $7)",
                tenant_id,
                self.keys.code_hash(tenant_id, code),
                purpose,
                person_id,
                dialog_id,
                lifetime,
                sealed,
            )
        return code

    async def prune(self, tenant_id: str) -> int:
        """Delete the tenant's expired codes; returns how many went."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            return await _prune(conn, tenant_id)

    def _seal(self, tenant_id: str, code: str, email: str) -> bytes:
        nonce = secrets.token_bytes(12)
        sealed: bytes = AESGCM(self.keys.code_seal_key(tenant_id, code)).encrypt(
            nonce, email.encode(), tenant_id.encode()
        )
        return nonce + sealed

    def _open(self, tenant_id: str, code: str, sealed: bytes) -> str:
        try:
            plain: bytes = AESGCM(self.keys.code_seal_key(tenant_id, code)).decrypt(
                sealed[:12], sealed[12:], tenant_id.encode()
            )
        except InvalidTag:
            raise Unauthenticated("the sign-in link is not known") from None
        return plain.decode()

    async def holder(self, tenant_id: str, purpose: str, code: str) -> UUID | None:
        """Whom an unused, unexpired code is for, without using it (None: nobody known yet,
        or no such code)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            person_id: UUID | None = await conn.fetchval(
                "SELECT person_id FROM sign_in_codes WHERE tenant_id = $1 AND code_hash = $2"
                " AND purpose = $3 AND used_at IS NULL AND expires_at > now()",
                tenant_id,
                self.keys.code_hash(tenant_id, code),
                purpose,
            )
        return person_id

    async def redeem(self, tenant_id: str, purpose: str, code: str) -> Redeemed:
        """Use a code: it works once, before it expires. One UPDATE decides, so two racing
        redemptions of one code cannot both succeed."""
        code_hash = self.keys.code_hash(tenant_id, code)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(
                "UPDATE sign_in_codes SET used_at = now()"
                " WHERE tenant_id = $1 AND code_hash = $2 AND purpose = $3"
                " AND used_at IS NULL AND expires_at > now()"
                " RETURNING person_id, dialog_id, email_sealed",
                tenant_id,
                code_hash,
                purpose,
            )
            if row is not None:
                person_id: UUID | None = row["person_id"]
                if person_id is None:  # an address nobody held: its person starts now
                    email = self._open(tenant_id, code, bytes(row["email_sealed"]))
                    person_id = await record_email(conn, tenant_id, email)
                    await conn.execute(
                        "UPDATE sign_in_codes SET person_id = $3, email_sealed = NULL"
                        " WHERE tenant_id = $1 AND code_hash = $2",
                        tenant_id,
                        code_hash,
                        person_id,
                    )
                return Redeemed(person_id, row["dialog_id"])
            known = await conn.fetchrow(
                "SELECT used_at IS NOT NULL AS used FROM sign_in_codes"
                " WHERE tenant_id = $1 AND code_hash = $2 AND purpose = $3",
                tenant_id,
                code_hash,
                purpose,
            )
        what = "PIN code" if purpose == "pin" else "sign-in link"
        if known is None:
            raise Unauthenticated(f"the {what} is not known")
        if known["used"]:
            raise Unauthenticated(f"the {what} has been used already; each works once")
        raise Unauthenticated(f"the {what} has expired; ask for a new one")


async def _prune(conn: asyncpg.Connection, tenant_id: str) -> int:
    status: str = await conn.execute(
        "DELETE FROM sign_in_codes WHERE tenant_id = $1 AND expires_at <= now()", tenant_id
    )
    return int(status.split()[-1])


class Rule(NamedTuple):
    """One rate-limit counter: its kind (kept readable), what it counts (kept only as a keyed
    hash: an address, an e-mail, a PIN, a person), and at most ``limit`` hits a window."""

    kind: str
    subject: str
    limit: int
    window_seconds: int


class RateLimiter:
    """Fixed-window counters in PostgreSQL, so every gateway replica counts together.

    A counter's key is ``<kind>:<keyed hash of kind and subject>`` (``Keys.rate_limit_hash``):
    the table never holds a client address or an e-mail address, in clear or as a bare hash
    that a list of addresses could be matched against. Each row expires with its window;
    ``prune_rate_limits`` deletes the expired ones.
    """

    def __init__(self, pool: asyncpg.Pool, keys: Keys) -> None:
        self.pool = pool
        self.keys = keys

    async def hit(self, tenant_id: str, key: str, limit: int, window_seconds: int) -> None:
        """Count one hit on ``<kind>:<subject>``; 429 beyond ``limit`` in the window."""
        kind, _, subject = key.partition(":")
        await self.check(tenant_id, Rule(kind, subject, limit, window_seconds))

    async def check(self, tenant_id: str, *rules: Rule) -> None:
        """Count a hit on each rule in order, in one transaction, stopping at the first that
        is over its limit (429): a hit refused by a narrow counter (one address) does not use
        up a wide one (the whole tenant), so one client hammering cannot lock out the rest."""
        refused: tuple[Rule, int] | None = None
        async with tenant_transaction(self.pool, tenant_id) as conn:
            for rule in rules:
                digest = self.keys.rate_limit_hash(tenant_id, f"{rule.kind}:{rule.subject}")
                row = await conn.fetchrow(
                    "INSERT INTO rate_limits AS r (tenant_id, key, window_start, hits, expires_at)"
                    " SELECT $1, $2, w, 1, w + make_interval(secs => $3)"
                    " FROM to_timestamp(floor(extract(epoch FROM now()) / $3) * $3) AS w"
                    " ON CONFLICT (tenant_id, key) DO UPDATE SET"
                    "  hits = CASE WHEN r.window_start = excluded.window_start"
                    "              THEN r.hits + 1 ELSE 1 END,"
                    "  window_start = excluded.window_start,"
                    "  expires_at = excluded.expires_at"
                    " RETURNING hits,"
                    "  ceil(extract(epoch FROM expires_at - now()))::int AS retry_after",
                    tenant_id,
                    f"{rule.kind}:{digest}",
                    rule.window_seconds,
                )
                assert row is not None
                if row["hits"] > rule.limit:
                    refused = (rule, int(row["retry_after"]))
                    break
        if refused is not None:
            rule, retry_after = refused
            raise TooManyRequests(
                f"too many attempts; at most {rule.limit} in {rule.window_seconds} seconds",
                retry_after=max(1, retry_after),
            )


async def prune_rate_limits(pool: asyncpg.Pool) -> int:
    """Delete the counters whose window has passed, in every tenant (the worker role)."""
    async with pool.acquire() as conn:
        done = await conn.execute("DELETE FROM rate_limits WHERE expires_at < now()")
    return int(done.split()[-1])


async def run_rate_limit_pruner(
    pool: asyncpg.Pool, stop: asyncio.Event, interval: float = 300.0
) -> None:
    """Prune expired counters every ``interval`` seconds until ``stop`` (projection worker)."""

    async def prune() -> None:
        pruned = await prune_rate_limits(pool)
        if pruned:
            log.info("expired rate-limit counters deleted", count=pruned)

    await every(interval, prune, stop)
