"""Read models as comparable values: every projection's tables, row by row, in a stable order.

A live read model and one rebuilt from PostgreSQL alone must give the same snapshot.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tinget.bootstrap import Platform

Snapshot = dict[str, list[list[Any]]]


async def snapshot(platform: Platform) -> Snapshot:
    """Each projection table's rows (as reprs of their values), sorted."""
    tables: Snapshot = {}
    async with platform.worker_pool.acquire() as conn:
        for runner in platform.projections:
            for table in runner.projection.tables:
                rows = await conn.fetch(f'SELECT * FROM "{table}"')
                tables[table] = sorted([repr(v) for v in row.values()] for row in rows)
    return tables


async def rebuild_all(platform: Platform) -> None:
    """Rebuild every read model from the store, in the platform's order."""
    for runner in platform.projections:
        await runner.rebuild(platform.reader)


def differences(live: Snapshot, rebuilt: Snapshot, *, shown: int = 3) -> dict[str, str]:
    """For each table that differs: what only the live model has and what only the rebuild has."""
    found: dict[str, str] = {}
    for table in sorted(set(live) | set(rebuilt)):
        here, there = live.get(table, []), rebuilt.get(table, [])
        if here == there:
            continue
        live_rows = Counter(tuple(r) for r in here)
        rebuilt_rows = Counter(tuple(r) for r in there)
        only_live = list((live_rows - rebuilt_rows).elements())
        only_rebuilt = list((rebuilt_rows - live_rows).elements())
        found[table] = (
            f"{len(here)} live rows, {len(there)} rebuilt;"
            f" only live: {only_live[:shown]}; only rebuilt: {only_rebuilt[:shown]}"
        )
    return found
