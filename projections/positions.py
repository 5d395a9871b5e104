"""Read-your-writes, the read side: whether the read models have applied a tenant's events up
to a log position, and a bounded wait until they have.

A read model has applied the tenant's events up to ``P`` when each event of the tenant at or
before ``P`` that it takes is behind it. Every read model records, in the same transaction as
its rows, the position of the tenant's last event it has seen (``projection_positions``, per
tenant) and how far the whole store is done for it (the ``'*'`` row). A live worker is only
sent the event types its read models take, and a read model that takes none of a batch records
its store position only now and then, so neither row alone says it is done: the check asks the
log whether any event it takes lies between where it is and ``P``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import asyncpg

from events.db import tenant_transaction
from events.projection import Projection
from projections.runtime import STORE_CURSOR

FIRST_PAUSE = 0.005  # seconds between looks while waiting, doubling up to LAST_PAUSE
LAST_PAUSE = 0.05
LOOK_TIMEOUT_MS = 500  # one look at the log, at most

# The read models behind ``$3`` in tenant ``$1``: those that may still lack an event up to ``$2``.
_BEHIND = """
WITH models AS (
    SELECT m.name, greatest(coalesce(t.position, 0), coalesce(s.position, 0)) AS reached
    FROM unnest($4::text[]) AS m(name)
    LEFT JOIN projection_positions t ON t.projection = m.name AND t.tenant_id = $1
    LEFT JOIN projection_positions s ON s.projection = m.name AND s.tenant_id = $3
),
takes AS (SELECT * FROM unnest($5::text[], $6::text[]) AS k(name, event_type))
SELECT m.name FROM models m
WHERE m.reached < $2 AND EXISTS (
    SELECT 1 FROM events e JOIN takes k ON k.event_type = e.event_type AND k.name = m.name
    WHERE e.position > m.reached AND e.position <= $2 AND e.tenant_id = $1
)
"""


class ReadModelPositions:
    """Where the read models ``models`` (every one a projection worker feeds) stand."""

    def __init__(self, pool: asyncpg.Pool, models: Iterable[Projection]) -> None:
        self.pool = pool
        taken = sorted({(m.name, t) for m in models for t in m.event_types})
        self.names = sorted({name for name, _ in taken})
        self._takers = [name for name, _ in taken]
        self._types = [event_type for _, event_type in taken]

    async def behind(self, tenant_id: str, position: int) -> list[str]:
        """The read models that have not yet applied some event of the tenant, at or before
        ``position``, that they take."""
        try:
            async with tenant_transaction(self.pool, tenant_id) as conn:
                # a read model far behind may leave much of the log to look through: a look
                # that takes longer counts as behind, and the wait looks again
                await conn.execute(f"SET LOCAL statement_timeout = {LOOK_TIMEOUT_MS}")
                rows = await conn.fetch(
                    _BEHIND,
                    tenant_id,
                    position,
                    STORE_CURSOR,
                    self.names,
                    self._takers,
                    self._types,
                )
        except asyncpg.QueryCanceledError:
            return list(self.names)
        return [r["name"] for r in rows]

    async def wait(self, tenant_id: str, position: int, patience: float) -> bool:
        """Wait up to ``patience`` seconds for every read model to have applied the tenant's
        events up to ``position``; whether they have."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        pause = FIRST_PAUSE
        while True:
            if not await self.behind(tenant_id, position):
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, LAST_PAUSE)
