"""A tenant's rows in every tenant-owned table, and its stored images: before and after."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import asyncpg

Snapshot = dict[str, list[str]]


async def tenant_tables(conn: asyncpg.Connection) -> list[str]:
    rows = await conn.fetch(
        "SELECT c.table_name FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_schema, table_name)"
        " WHERE c.table_schema = 'public' AND c.column_name = 'tenant_id'"
        " AND t.table_type = 'BASE TABLE' ORDER BY 1"
    )
    return [r["table_name"] for r in rows]


async def snapshot(database_url: str, tenant_id: str, images: Path | None = None) -> Snapshot:
    """Every row of ``tenant_id`` (read as the owner, past row-level security), sorted, as
    JSON text; and the name and hash of every image file under ``images``."""
    conn = await asyncpg.connect(database_url)
    try:
        taken: Snapshot = {}
        for table in await tenant_tables(conn):
            rows = await conn.fetch(
                f'SELECT to_jsonb(t)::text AS row FROM "{table}" t WHERE t.tenant_id = $1',
                tenant_id,
            )
            taken[table] = sorted(r["row"] for r in rows)
    finally:
        await conn.close()
    if images is not None:
        taken["image files"] = await asyncio.to_thread(_image_files, images, tenant_id)
    return taken


def _image_files(images: Path, tenant_id: str) -> list[str]:
    folder = images / tenant_id
    if not folder.exists():
        return []
    return sorted(
        f"{p.relative_to(folder)} {hashlib.sha256(p.read_bytes()).hexdigest()}"
        for p in folder.rglob("*")
        if p.is_file()
    )


def differences(before: Snapshot, after: Snapshot) -> dict[str, tuple[list[str], list[str]]]:
    """Per table: the rows gone and the rows new."""
    changed: dict[str, tuple[list[str], list[str]]] = {}
    for table in sorted(set(before) | set(after)):
        old, new = set(before.get(table, [])), set(after.get(table, []))
        if old != new:
            changed[table] = (sorted(old - new), sorted(new - old))
    return changed
