"""Tenant assets (the logo): content-addressed bytes, stored under the tenant's row security."""

from __future__ import annotations

import hashlib

import asyncpg

from services.errors import InvalidInput

MAX_LOGO_BYTES = 512 * 1024

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"WEBP", 8, "image/webp"),
)


def sniff_image(content: bytes, field: str = "logo") -> str:
    """The image type read from the bytes themselves (never from a name or a header)."""
    if not content:
        raise InvalidInput(field, "is empty")
    if len(content) > MAX_LOGO_BYTES:
        raise InvalidInput(field, f"is {len(content)} bytes; at most {MAX_LOGO_BYTES}")
    for signature, offset, content_type in _SIGNATURES:
        if content[offset : offset + len(signature)] == signature and (
            content_type != "image/webp" or content[:4] == b"RIFF"
        ):
            return content_type
    raise InvalidInput(field, "must be a PNG, JPEG or WebP image")


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
