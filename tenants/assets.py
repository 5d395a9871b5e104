"""Tenant assets (the logo): content-addressed bytes, stored under the tenant's row security."""

from __future__ import annotations

import hashlib

import asyncpg

from services.media import images as media_images
from services.media.clean import CleanImage, clean_image

MAX_LOGO_BYTES = 512 * 1024


def sniff_image(content: bytes, field: str = "logo") -> str:
    """The logo's image type, read from its bytes; logos are held to a smaller size."""
    return media_images.sniff_image(content, field, max_bytes=MAX_LOGO_BYTES)


async def clean_logo(content: bytes, field: str = "logo") -> CleanImage:
    """The logo decoded and re-encoded without metadata, as participants' images are (see
    `services.media.clean`), held to the smaller logo size."""
    return await clean_image(content, field, max_bytes=MAX_LOGO_BYTES)


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
