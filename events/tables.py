"""Loading and writing read-model rows in bulk, shared by the projections.

A projection loads the rows a batch touches, folds the batch over them in memory and writes
each touched row once: one read and one write per batch, whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import asyncpg

Row = dict[str, Any]
Key = tuple[str, UUID]


async def load(
    conn: asyncpg.Connection, table: str, id_column: str, keys: Iterable[Key]
) -> dict[Key, Row]:
    """Rows of ``table`` by (tenant_id, id) for the given keys."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = await conn.fetch(
        f"SELECT t.* FROM {table} t"
        f" JOIN unnest($1::text[], $2::uuid[]) AS k(tenant_id, id)"
        f" ON t.tenant_id = k.tenant_id AND t.{id_column} = k.id",
        [k[0] for k in wanted],
        [k[1] for k in wanted],
    )
    return {(r["tenant_id"], r[id_column]): dict(r) for r in rows}


async def upsert(
    conn: asyncpg.Connection, table: str, key_columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """Insert or replace whole rows (every row has the same columns)."""
    if not rows:
        return
    columns = list(rows[0])
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key_columns)
    await conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"
        f" ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}",
        [tuple(row[c] for c in columns) for row in rows],
    )
