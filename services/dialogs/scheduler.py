"""Opens and closes dialogs on time, without anyone acting.

Every second it asks the dialog listing which dialogs are due and records their opening or
closing. Running it in several workers is harmless: the dialog's version check lets one win.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

import asyncpg
import structlog

from events.errors import DomainError
from services.dialogs.service import DialogService

log = structlog.get_logger(__name__)


async def advance_due(pool: asyncpg.Pool, dialogs: DialogService, limit: int = 500) -> int:
    """Open or close every dialog whose time has come; return how many moved."""
    async with pool.acquire() as conn:
        due = await conn.fetch(
            "SELECT tenant_id, dialog_id FROM dialogs"
            " WHERE (status = 'scheduled' AND opens_at <= now())"
            "    OR (status IN ('scheduled', 'open') AND closes_at <= now())"
            " ORDER BY least(opens_at, closes_at) LIMIT $1",
            limit,
        )
    moved = 0
    for row in due:
        try:
            moved += await dialogs.advance(row["tenant_id"], row["dialog_id"])
        except DomainError as error:
            log.warning("dialog not advanced", dialog_id=str(row["dialog_id"]), error=str(error))
    return moved


async def run_scheduler(
    pool: asyncpg.Pool, dialogs: DialogService, stop: asyncio.Event, interval: float = 1.0
) -> None:
    while not stop.is_set():
        moved = await advance_due(pool, dialogs)
        if moved:
            log.info("dialogs advanced", count=moved)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
