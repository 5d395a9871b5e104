"""Work done again and again, a while apart, until the process stops."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress


async def every(
    interval: float, step: Callable[[], Awaitable[object]], stop: asyncio.Event
) -> None:
    """Run ``step`` now and then every ``interval`` seconds until ``stop`` is set; a stop ends
    the wait between two steps at once (never a step under way)."""
    while not stop.is_set():
        await step()
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
