"""Who is blocked, per tenant, from memory: the check on every participant's write.

Votes arrive by the thousand per second, so the check must not cost a database round trip.
Each process keeps every tenant's blocked people in memory, loaded from the ``blocked_people``
read model when first needed and again when the copy is older than ``ttl`` (one second): one
query per tenant per second at most, however many writes. The process that records a block or
an unblock updates its copy at once.

The window: another process refuses a blocked person's writes at most ``ttl`` after the
``blocked_people`` projection has recorded the block (its lag is normally tens of
milliseconds), so within about a second everywhere. A block recorded here is kept as a local
override until the read model has caught up with it (by the block stream's version), so a
refresh from a lagging read model never undoes it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

import asyncpg

from events.db import tenant_transaction

TTL = 1.0  # seconds a tenant's copy is used before it is loaded again


@dataclass
class _Copy:
    expires: float
    reasons: dict[UUID, str]  # blocked person -> reason
    versions: dict[UUID, int]  # every person with a block record -> its version


@dataclass
class BlockedPeople:
    """A per-process cache of blocked people, per tenant (see the module's docstring)."""

    pool: asyncpg.Pool
    ttl: float = TTL
    clock: Callable[[], float] = time.monotonic
    _copies: dict[str, _Copy] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # person -> (version, reason if blocked else None), recorded by this process
    _local: dict[str, dict[UUID, tuple[int, str | None]]] = field(default_factory=dict)

    async def reason(self, tenant_id: str, person_id: UUID) -> str | None:
        """Why the person is blocked, or None if they may take part."""
        copy = self._copies.get(tenant_id)
        if copy is None or copy.expires <= self.clock():
            copy = await self._refresh(tenant_id)
        return copy.reasons.get(person_id)

    def record(self, tenant_id: str, person_id: UUID, version: int, reason: str | None) -> None:
        """This process blocked (``reason``) or unblocked (None) a person: effective at once."""
        self._local.setdefault(tenant_id, {})[person_id] = (version, reason)
        copy = self._copies.get(tenant_id)
        if copy is not None:
            self._apply(copy, person_id, version, reason)

    async def _refresh(self, tenant_id: str) -> _Copy:
        lock = self._locks.setdefault(tenant_id, asyncio.Lock())
        async with lock:
            copy = self._copies.get(tenant_id)
            if copy is not None and copy.expires > self.clock():
                return copy  # another request loaded it meanwhile
            async with tenant_transaction(self.pool, tenant_id) as conn:
                rows = await conn.fetch(
                    "SELECT person_id, blocked, reason, version FROM blocked_people"
                    " WHERE tenant_id = $1",
                    tenant_id,
                )
            copy = _Copy(
                expires=self.clock() + self.ttl,
                reasons={r["person_id"]: r["reason"] for r in rows if r["blocked"]},
                versions={r["person_id"]: r["version"] for r in rows},
            )
            local = self._local.get(tenant_id, {})
            for person_id, (version, reason) in list(local.items()):
                if copy.versions.get(person_id, 0) >= version:
                    del local[person_id]  # the read model has caught up
                else:
                    self._apply(copy, person_id, version, reason)
            self._copies[tenant_id] = copy
            return copy

    @staticmethod
    def _apply(copy: _Copy, person_id: UUID, version: int, reason: str | None) -> None:
        if copy.versions.get(person_id, 0) >= version:
            return
        copy.versions[person_id] = version
        if reason is None:
            copy.reasons.pop(person_id, None)
        else:
            copy.reasons[person_id] = reason
