"""How much one gateway process takes on at once: beyond a cap, a 503 at once, not a pile-up.

Requests in flight and live streams (server-sent events) are counted apart: a stream stays
open for hours and costs a socket and a subscription, not a worker, so a few hundred watchers
of a council webcast must not use up the requests a process serves, nor the other way round.
A route says which it is in its options, ``opt={ADMISSION: STREAM}`` or
``opt={ADMISSION: EXEMPT}`` (health and readiness, which must answer however busy the process
is); every other route is a request.

The counting is done by the app's ``request_context`` middleware, the one every request
passes anyway (two additions and a comparison, no await or lock), and a refusal is written
there directly as a problem document, before litestar does any work for the request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar.types import Send

from gateway.problems import MEDIA_TYPE, RETRY_AFTER_SECONDS, TYPE_BASE

ADMISSION = "tinget_admission"  # the route option naming how a route is counted
STREAM = "stream"  # a long-lived answer (server-sent events): counted against the stream cap
EXEMPT = "exempt"  # never refused (health, readiness)


@dataclass
class Admission:
    """The caps of one process and what they count now."""

    max_requests: int
    max_streams: int
    requests: int = 0
    streams: int = 0


class _Refusal(msgspec.Struct):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    retry_after: int


async def refuse(send: Send, path: str, detail: str) -> None:
    """Answer 503 with Retry-After and a problem document, without reading the request."""
    body = msgspec.json.encode(
        _Refusal(
            type=TYPE_BASE + "unavailable",
            title="Service unavailable",
            status=503,
            detail=detail,
            instance=path,
            retry_after=RETRY_AFTER_SECONDS,
        )
    )
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", MEDIA_TYPE.encode()),
                (b"content-length", b"%d" % len(body)),
                (b"retry-after", b"%d" % RETRY_AFTER_SECONDS),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


EXPORTS_AT_ONCE = 2  # each export holds a pooled connection for as long as its download takes


def export_slots(state: Any, kind: str) -> asyncio.Semaphore:
    """The slots of one kind of export in this process (the app's ``state``), made on first
    use: a request that finds them all taken is refused rather than queued."""
    key = f"{kind}_export_slots"
    slots: asyncio.Semaphore | None = state.get(key)
    if slots is None:
        slots = asyncio.Semaphore(EXPORTS_AT_ONCE)
        state[key] = slots
    return slots
