"""Tokens that can be taken back, checked on every request without a database round trip.

A token is signed and carries the generation of its person's tokens when it was issued
(``gen``). A role change, a block, an erasure or a sign-out raises the person's generation
(``token_generations``), and a token of an older generation is refused from then on.

Every request with a token is checked, the vote among them, so the check is made from memory:
each process keeps each tenant's raised generations (only people whose tokens were ever taken
back have one), loaded when first needed and again when the copy is older than ``ttl`` (one
second), as the block list is. The process that revokes updates its copy at once; every other
process refuses the old tokens within ``ttl``.

A token must also name a person who exists in its municipality. Each process keeps the people
of each tenant it serves in memory (people are never deleted, and an erased person's tokens are
revoked): loaded when first needed, then topped up with those who joined since, at most once a
``ttl``, up to the log's horizon (so one who joins in a transaction that commits late is not
skipped). A person not in the copy (joined within the last second, or through another process)
is looked up in the store, one query for everybody asked about meanwhile.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

import asyncpg
from async_lru import alru_cache

from events.db import tenant_transaction
from events.errors import Unauthenticated
from services.identity.access import Caller, SignIn
from tenants.values import PLATFORM_TENANT

TTL = 1.0  # seconds a tenant's copy of raised generations is used before it is loaded again


class Sessions:
    """Token generations and known people, per process (see the module's docstring)."""

    def __init__(self, pool: asyncpg.Pool, ttl: float = TTL) -> None:
        self.pool = pool
        # When a tenant's copy expires, one query refreshes it for every request waiting on it.
        self._copies = alru_cache(maxsize=100_000, ttl=ttl)(self._read)
        self._local: dict[tuple[str, UUID], int] = {}  # raised here, until the copy shows it
        self._people: dict[str, set[UUID]] = {}  # per tenant: those known to have joined
        self._joined_below: dict[str, int] = {}  # per tenant: the copy holds all joined below
        self._top_up = alru_cache(maxsize=100_000, ttl=ttl)(self._load_people)
        self._asked: dict[str, dict[UUID, asyncio.Future[bool]]] = {}  # awaiting a look-up
        self._looking: asyncio.Task[None] | None = None

    async def check(self, caller: Caller, generation: int) -> None:
        """Refuse a token (``Unauthenticated``) that was taken back or names nobody here."""
        if caller.sign_in is SignIn.PLATFORM:
            # Tinget's own staff are people of the platform, not of the municipality whose
            # host they call: their tokens are taken back there (sign-out, removal).
            if generation < await self.generation(PLATFORM_TENANT, caller.person_id):
                raise Unauthenticated("the platform token was revoked; sign in again")
            return
        if generation < await self.generation(caller.tenant_id, caller.person_id):
            raise Unauthenticated("the access token was revoked; sign in again")
        if not await self.exists(caller.tenant_id, caller.person_id):
            raise Unauthenticated("the access token names no person of this municipality")

    async def generation(self, tenant_id: str, person_id: UUID) -> int:
        """The person's current token generation (0 until a token of theirs is revoked)."""
        stored = (await self._copies(tenant_id)).get(person_id, 0)
        key = (tenant_id, person_id)
        local = self._local.get(key, 0)
        if local and stored >= local:
            del self._local[key]  # every process sees it in the table now
        return max(stored, local)

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
        self._people.setdefault(tenant_id, set()).add(person_id)

    async def exists(self, tenant_id: str, person_id: UUID) -> bool:
        """Whether the person joined this tenant: from memory, else one lookup shared by every
        person asked about meanwhile (see ``_look_up``)."""
        if person_id in self._people.get(tenant_id, ()):
            return True
        if person_id in await self._top_up(tenant_id):
            return True
        waiting = self._asked.setdefault(tenant_id, {})
        answer = waiting.get(person_id)
        if answer is None:
            answer = waiting[person_id] = asyncio.get_running_loop().create_future()
            if self._looking is None:
                self._looking = asyncio.get_running_loop().create_task(self._look_up())
        return await answer

    async def _look_up(self) -> None:
        """Answer every person asked about, one query per tenant for all of them, as the
        store's group commit does for appends: while one query runs, the next requests gather
        for the next one. Under a vote's load this costs a fraction of a query per request."""
        try:
            await asyncio.sleep(0)  # the requests of this turn of the loop join the first query
            while self._asked:
                asked, self._asked = self._asked, {}
                for tenant_id, answers in asked.items():
                    try:
                        found = await self._joined(tenant_id, list(answers))
                    except Exception as error:
                        for answer in answers.values():
                            if not answer.done():
                                answer.set_exception(error)
                        continue
                    for person_id, answer in answers.items():
                        if person_id in found:
                            self.known(tenant_id, person_id)
                        if not answer.done():
                            answer.set_result(person_id in found)
        finally:
            self._looking = None

    async def _load_people(self, tenant_id: str) -> set[UUID]:
        """The tenant's copy of its people, topped up with those who joined since last time."""
        people = self._people.setdefault(tenant_id, set())
        after = self._joined_below.get(tenant_id, 0)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            horizon: int = await conn.fetchval("SELECT tinget_log_horizon()")
            rows = await conn.fetch(
                "SELECT stream_id FROM events WHERE tenant_id = $1"
                " AND event_type = 'PersonJoined' AND position >= $2 AND position < $3",
                tenant_id,
                after,
                horizon,
            )
        people.update(r["stream_id"] for r in rows)
        self._joined_below[tenant_id] = max(after, horizon)
        return people

    async def _joined(self, tenant_id: str, people: list[UUID]) -> set[UUID]:
        """Those of ``people`` who joined the tenant, in one round trip under its row-level
        security (``tinget_people_joined``)."""
        rows = await self.pool.fetch(
            "SELECT p FROM tinget_people_joined($1, $2::uuid[]) AS p", tenant_id, people
        )
        return {r["p"] for r in rows}

    async def _read(self, tenant_id: str) -> dict[UUID, int]:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT person_id, generation FROM token_generations WHERE tenant_id = $1",
                tenant_id,
            )
        return {r["person_id"]: r["generation"] for r in rows}
