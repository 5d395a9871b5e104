"""Tokens that can be taken back, checked on every request without a database round trip.

A token is signed and carries the generation of its person's tokens when it was issued
(``gen``). A role change, a block, an erasure or a sign-out raises the person's generation
(``token_generations``), and a token of an older generation is refused from then on.

Every request with a token is checked, the vote among them, so the check is made from memory:
each process keeps each tenant's raised generations (only people whose tokens were ever taken
back have one), loaded when first needed and again when the copy is older than ``ttl`` (one
second), as the block list is. The process that revokes updates its copy at once; every other
process refuses the old tokens within ``ttl``.

A token must also name a person who exists in its municipality: a person's stream is looked
up once per process and remembered (people are never deleted, and an erased person's tokens
are revoked), so only the first request of a person in a process costs a query.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from services.errors import Unauthenticated
from services.identity.access import Caller, SignIn
from tinget.db import tenant_transaction

TTL = 1.0  # seconds a tenant's copy of raised generations is used before it is loaded again
KNOWN_PEOPLE = 1_000_000  # people remembered as existing, per process (least recently seen go)


@dataclass
class _Copy:
    expires: float
    generations: dict[UUID, int]


@dataclass
class Sessions:
    """Token generations and known people, per process (see the module's docstring)."""

    pool: asyncpg.Pool
    ttl: float = TTL
    clock: Callable[[], float] = time.monotonic
    _copies: dict[str, _Copy] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    _local: dict[tuple[str, UUID], int] = field(default_factory=dict)
    _known: OrderedDict[tuple[str, UUID], None] = field(default_factory=OrderedDict)

    async def check(self, caller: Caller, generation: int) -> None:
        """Refuse a token (``Unauthenticated``) that was taken back or names nobody here."""
        if caller.sign_in is SignIn.PLATFORM:
            return  # Tinget's own staff: short-lived tokens, not people of a municipality
        if generation < await self.generation(caller.tenant_id, caller.person_id):
            raise Unauthenticated("the access token was revoked; sign in again")
        if not await self.exists(caller.tenant_id, caller.person_id):
            raise Unauthenticated("the access token names no person of this municipality")

    async def generation(self, tenant_id: str, person_id: UUID) -> int:
        """The person's current token generation (0 until a token of theirs is revoked)."""
        copy = self._copies.get(tenant_id)
        if copy is None or copy.expires <= self.clock():
            copy = await self._refresh(tenant_id)
        return max(copy.generations.get(person_id, 0), self._local.get((tenant_id, person_id), 0))

    async def revoke(self, tenant_id: str, person_id: UUID) -> int:
        """Take back every token the person holds; returns the new generation. Done before the
        change it goes with is saved: if that fails, the person signs in again, nothing worse."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            generation: int = await conn.fetchval(
                "INSERT INTO token_generations (tenant_id, person_id, generation)"
                " VALUES ($1, $2, 1) ON CONFLICT (tenant_id, person_id) DO UPDATE"
                " SET generation = token_generations.generation + 1, revoked_at = now()"
                " RETURNING generation",
                tenant_id,
                person_id,
            )
        self._local[(tenant_id, person_id)] = generation
        return generation

    def known(self, tenant_id: str, person_id: UUID) -> None:
        """This process saved the person (a sign-in, a device session): no need to look."""
        key = (tenant_id, person_id)
        self._known[key] = None
        self._known.move_to_end(key)
        if len(self._known) > KNOWN_PEOPLE:
            self._known.popitem(last=False)

    async def exists(self, tenant_id: str, person_id: UUID) -> bool:
        key = (tenant_id, person_id)
        if key in self._known:
            self._known.move_to_end(key)
            return True
        async with tenant_transaction(self.pool, tenant_id) as conn:
            found = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM events WHERE tenant_id = $1 AND stream_id = $2"
                " AND event_type = 'PersonJoined')",
                tenant_id,
                person_id,
            )
        if found:
            self.known(tenant_id, person_id)
        return bool(found)

    async def _refresh(self, tenant_id: str) -> _Copy:
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            copy = self._copies.get(tenant_id)
            if copy is not None and copy.expires > self.clock():
                return copy  # another request loaded it meanwhile
            async with tenant_transaction(self.pool, tenant_id) as conn:
                rows = await conn.fetch(
                    "SELECT person_id, generation FROM token_generations WHERE tenant_id = $1",
                    tenant_id,
                )
            copy = _Copy(
                expires=self.clock() + self.ttl,
                generations={r["person_id"]: r["generation"] for r in rows},
            )
            for key, generation in list(self._local.items()):
                if key[0] == tenant_id and copy.generations.get(key[1], 0) >= generation:
                    del self._local[key]  # the table shows it to every process now
            self._copies[tenant_id] = copy
            return copy
