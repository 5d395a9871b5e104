"""Server-sent events from a live hub (events/live.py): poll results, opinion maps.

Each watcher gets an event now and one each time the value read from the hub answers
differently, and a comment every ``KEEPALIVE_SECONDS`` without one, so proxies keep the
connection and a client that went away is noticed at the next write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TypeVar
from uuid import UUID

import msgspec
from litestar.response import ServerSentEvent, ServerSentEventMessage

from events.live import TallyHub

KEEPALIVE_SECONDS = 15.0

T = TypeVar("T")


def live_events(
    hub: TallyHub[T],
    tenant_id: str,
    dialog_id: UUID,
    event: str,
    answer: Callable[[T], object],
) -> ServerSentEvent:
    """The dialog's values from ``hub`` as server-sent events named ``event``, each the JSON
    of ``answer(value)``; an answer the same as the last one sent is not sent again."""

    async def events() -> AsyncIterator[ServerSentEventMessage]:
        last: bytes | None = None
        async with hub.watch(tenant_id, dialog_id) as subscription:
            while True:
                value = await subscription.next(KEEPALIVE_SECONDS)
                body = None if value is None else msgspec.json.encode(answer(value))
                if body is not None and body != last:
                    last = body
                    yield ServerSentEventMessage(data=body.decode(), event=event)
                else:
                    # a comment alone: with a data line a browser would fire an empty event
                    yield ServerSentEventMessage(comment="keep-alive", data=None)

    return ServerSentEvent(events())
