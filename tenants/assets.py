"""Tenant assets (the logo): content-addressed bytes, stored under the tenant's row security."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Protocol

import asyncpg


class CleanLogo(Protocol):
    """A logo as stored: re-encoded bytes and their type."""

    @property
    def content(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


# Checks and re-encodes an uploaded logo (services.media.logos.clean_logo, given by the
# composition root): invalid input is refused naming the field.
LogoCleaner = Callable[[bytes], Awaitable[CleanLogo]]


class AssetStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def put(self, tenant_id: str, content: bytes, content_type: str) -> str:
        digest = hashlib.sha256(content).hexdigest()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
            await conn.execute(
                "INSERT INTO tenant_assets (tenant_id, sha256, content_type, content)"
                " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                tenant_id,
                digest,
                content_type,
                content,
            )
        return digest

    async def get(self, tenant_id: str, sha256: str) -> tuple[str, bytes] | None:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
            row = await conn.fetchrow(
                "SELECT content_type, content FROM tenant_assets WHERE tenant_id = $1"
                " AND sha256 = $2",
                tenant_id,
                sha256,
            )
        return None if row is None else (row["content_type"], row["content"])
