"""Moves panel rounds along on time, without anyone acting: sends a round when its survey
opens, records each reminder when due and closes the round when its survey closes.

Every second it asks the rounds' read model (joined to the dialog listing, for the survey's
times) which rounds have something due and lets the round decide (``PanelRoundService.advance``,
which reads the round and the dialog themselves). Running it in several workers is harmless:
the round's version check lets one win.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
import structlog

from events.errors import DomainError
from events.repository import AggregateNotFound
from events.timing import every
from services.surveys.round_service import PanelRoundService

log = structlog.get_logger(__name__)

_DUE = (
    "SELECT r.tenant_id, r.round_id FROM panel_rounds r"
    " JOIN dialogs d ON d.tenant_id = r.tenant_id AND d.dialog_id = r.dialog_id"
    " WHERE r.state <> 'closed' AND (d.closes_at <= $1"
    "    OR d.status IN ('closed', 'results-published')"
    "    OR (r.state = 'waiting' AND d.opens_at <= $1)"
    "    OR (r.state = 'sent' AND r.next_reminder_at <= $1))"
    " ORDER BY r.next_reminder_at NULLS FIRST, r.round_id LIMIT $2"
)


async def advance_rounds(
    pool: asyncpg.Pool,
    rounds: PanelRoundService,
    now: datetime | None = None,
    limit: int = 500,
) -> int:
    """One pass: move every round with something due at ``now``; return how many moved."""
    now = datetime.now(UTC) if now is None else now
    async with pool.acquire() as conn:
        due = await conn.fetch(_DUE, now, limit)
    moved = 0
    for row in due:
        try:
            moved += await rounds.advance(row["tenant_id"], row["round_id"], now)
        except (DomainError, AggregateNotFound) as error:
            log.warning("panel round not advanced", round_id=str(row["round_id"]), error=str(error))
    return moved


async def run_round_scheduler(
    pool: asyncpg.Pool, rounds: PanelRoundService, stop: asyncio.Event, interval: float = 1.0
) -> None:
    async def step() -> None:
        moved = await advance_rounds(pool, rounds)
        if moved:
            log.info("panel rounds advanced", count=moved)

    await every(interval, step, stop)
