"""A municipality's health as the platform's staff see it: how busy it is and whether the read
models keep up with it. Figures only, nothing about anyone.

- events today: the audit trail's entries since midnight UTC (it holds every event of the
  tenant, one entry each, indexed by time), so counting them reads an index, not the log;
- open dialogs: from the dialog listing;
- last activity: when the tenant's latest audited event was recorded;
- the read models behind: those that have not yet applied some event of the tenant up to the
  log's horizon (the read-your-writes check, ``projections.positions``), and when the tenant's
  read models last wrote.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import msgspec

from events.db import tenant_transaction

Behind = Callable[[str, int], Awaitable[list[str]]]
"""(tenant, log position) to the read models that have not applied the tenant's events up to
it (``ReadModelPositions.behind``, given by the composition root)."""

_FIGURES = """
SELECT
    (SELECT count(*) FROM audit_entries WHERE tenant_id = $1 AND recorded_at >= $2)
        AS events_today,
    (SELECT count(*) FROM dialogs WHERE tenant_id = $1 AND status = 'open') AS open_dialogs,
    (SELECT max(recorded_at) FROM audit_entries WHERE tenant_id = $1) AS last_activity,
    (SELECT max(updated_at) FROM projection_positions WHERE tenant_id = $1) AS last_applied_at,
    tinget_log_horizon() AS horizon
"""


class TenantHealth(msgspec.Struct, kw_only=True):
    """How a municipality is doing: activity and read model lag."""

    events_today: int
    open_dialogs: int
    last_activity: datetime | None
    read_models_behind: list[str]  # empty: every read model has applied all its events
    last_applied_at: datetime | None  # when a read model last applied an event of the tenant


class HealthQueries:
    """Each municipality's health, on the request role's pool, under its row-level security."""

    def __init__(self, pool: asyncpg.Pool, behind: Behind) -> None:
        self.pool = pool
        self.behind = behind

    async def of(self, tenant_id: str) -> TenantHealth:
        midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            row = await conn.fetchrow(_FIGURES, tenant_id, midnight)
        assert row is not None  # one row, always
        behind = await self.behind(tenant_id, int(row["horizon"]) - 1)
        return TenantHealth(
            events_today=int(row["events_today"]),
            open_dialogs=int(row["open_dialogs"]),
            last_activity=row["last_activity"],
            read_models_behind=sorted(behind),
            last_applied_at=row["last_applied_at"],
        )
