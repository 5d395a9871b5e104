"""Opens and closes dialogs on time, and warns of a report-back date, without anyone acting.

Every second it asks the dialog listing which dialogs are due and records their opening or
closing, and, once per report-back date, that a dialog's report-back is near (or past) with no
results published (``ReportBackReminderDue``, which the notifier tells the administrators of).
Running it in several workers is harmless: the dialog's version check lets one win.
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from events.errors import DomainError
from events.timing import every
from services.dialogs.domain import REPORT_BACK_AFTER, REPORT_BACK_WARNING
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


# The listing's report-back date: the one set, or REPORT_BACK_AFTER after closing.
REPORT_BACK_BY = f"coalesce(report_back_by, closes_at + interval '{REPORT_BACK_AFTER.days} days')"


async def remind_report_backs(pool: asyncpg.Pool, dialogs: DialogService, limit: int = 500) -> int:
    """Record a warning for each dialog whose report-back date is near or past, not reported
    back and not warned of for that date; return how many were recorded."""
    async with pool.acquire() as conn:
        due = await conn.fetch(
            "SELECT tenant_id, dialog_id FROM dialogs"
            " WHERE status IN ('scheduled', 'open', 'closed')"
            f" AND {REPORT_BACK_BY} - $2::interval <= now()"
            f" AND report_back_reminded_for IS DISTINCT FROM {REPORT_BACK_BY}"
            f" ORDER BY {REPORT_BACK_BY} LIMIT $1",
            limit,
            REPORT_BACK_WARNING,
        )
    reminded = 0
    for row in due:
        try:
            reminded += await dialogs.remind_report_back(row["tenant_id"], row["dialog_id"])
        except DomainError as error:
            log.warning(
                "report-back not reminded", dialog_id=str(row["dialog_id"]), error=str(error)
            )
    return reminded


async def run_scheduler(
    pool: asyncpg.Pool, dialogs: DialogService, stop: asyncio.Event, interval: float = 1.0
) -> None:
    async def step() -> None:
        moved = await advance_due(pool, dialogs)
        if moved:
            log.info("dialogs advanced", count=moved)
        reminded = await remind_report_backs(pool, dialogs)
        if reminded:
            log.info("report-backs reminded", count=reminded)

    await every(interval, step, stop)
