"""Read-your-writes, the read side: how far the read models have applied a tenant's events,
and a bounded wait until they reach a position.

Every read model records, per tenant, the log position of the last of that tenant's events
it has seen (``projection_positions``, written in the same transaction as the read model).
Events reach every read model in log order, so once each has recorded at least ``P`` for a
tenant, each shows every one of the tenant's events up to ``P``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

import asyncpg

FIRST_PAUSE = 0.005  # seconds between looks while waiting, doubling up to LAST_PAUSE
LAST_PAUSE = 0.05


class ReadModelPositions:
    """The positions of the read models named ``names`` (every one a projection worker runs)."""

    def __init__(self, pool: asyncpg.Pool, names: Iterable[str]) -> None:
        self.pool = pool
        self.names = sorted(set(names))

    async def reached(self, tenant_id: str) -> int:
        """The position every read model has applied the tenant's events up to (0: some read
        model has seen none of them yet)."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT count(*) AS models, min(position) AS reached FROM projection_positions"
                " WHERE tenant_id = $1 AND projection = ANY($2::text[])",
                tenant_id,
                self.names,
            )
        if row is None or row["models"] < len(self.names):
            return 0
        return int(row["reached"])

    async def wait(self, tenant_id: str, position: int, patience: float) -> bool:
        """Wait up to ``patience`` seconds for every read model to reach ``position`` in the
        tenant; whether they did."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        pause = FIRST_PAUSE
        while True:
            if await self.reached(tenant_id) >= position:
                return True
            left = deadline - loop.time()
            if left <= 0:
                return False
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, LAST_PAUSE)
