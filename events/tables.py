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
    """Insert or replace whole rows (every row has the same columns, no two the same key).

    One statement takes each column as one array, whatever the number of rows; a table with
    an array column (which an array of arrays cannot carry) takes them one statement a row."""
    if not rows:
        return
    columns = list(rows[0])
    types = await column_types(conn, table)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key_columns)
    conflict = f" ON CONFLICT ({', '.join(key_columns)}) DO UPDATE SET {updates}"
    if any(types[c].endswith("]") for c in columns):
        placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        await conn.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}){conflict}",
            [tuple(row[c] for c in columns) for row in rows],
        )
        return
    arrays = ", ".join(f"${i}::{types[c]}[]" for i, c in enumerate(columns, start=1))
    await conn.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM unnest({arrays}){conflict}",
        *[[row[c] for row in rows] for c in columns],
    )


_types: dict[str, dict[str, str]] = {}


async def column_types(conn: asyncpg.Connection, table: str) -> dict[str, str]:
    """Each column of ``table`` and its SQL type, read from the catalogue once per process."""
    known = _types.get(table)
    if known is None:
        rows = await conn.fetch(
            "SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute"
            " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
            table,
        )
        known = _types[table] = {r["attname"]: r["type"] for r in rows}
    return known
