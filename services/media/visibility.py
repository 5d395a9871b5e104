"""Where an image is shown: the dialogs whose posts carry it, and whether they are open."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from events.db import tenant_transaction


class ImageShowings:
    """Reads of the posts an image is shown in, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def dialogs(self, tenant_id: str, image_id: str) -> list[tuple[UUID, str]]:
        """Each dialog with a post showing the image, with its access (``open``, ``invited``)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT DISTINCT p.dialog_id, d.access FROM posts p"
                " JOIN dialogs d ON d.tenant_id = p.tenant_id AND d.dialog_id = p.dialog_id"
                " WHERE p.tenant_id = $1 AND p.image = $2",
                tenant_id,
                image_id,
            )
        return [(r["dialog_id"], r["access"]) for r in rows]
