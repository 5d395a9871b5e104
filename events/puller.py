"""Fetching batches from a JetStream pull consumer, lean enough for a projection's rate.

nats-py's ``fetch`` waits for each message with a task and a timer of its own; a projection
takes thousands of messages a second, so it uses this instead: one inbox subscription collects
deliveries, and each fetch is one pull request that the server ends after ``batch`` messages
or ``wait`` seconds (with a 408 status), whichever comes first. That wait is also what batches
a trickle of events into one transaction.

The server's 408 does not always come: under load, nats-server 2.9 left about one request in
ten ended without it, and the worker then stood still until its own timer ran out. So a fetch
also ends on its own timer, shortly after the request's expiry, and each request has a reply
subject of its own, so that a late status of an earlier request is not taken for the current
one's. Messages that arrive after their fetch ended are kept for the next one.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

import msgspec
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

_STATUS = "Status"
_encode = msgspec.json.Encoder().encode


class PullRequest(msgspec.Struct, omit_defaults=True):
    batch: int
    expires: int  # nanoseconds


def _margin(wait: float) -> float:
    """How long after a request's expiry a fetch waits for the server's word that it ended."""
    return min(1.0, max(0.02, wait))


class Puller:
    def __init__(self, nc: NatsClient, stream: str, durable: str) -> None:
        self._nc = nc
        self._subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{durable}"
        self._inbox = ""
        self._requests = 0
        self._reply = ""  # the reply subject of the current request
        self._received: list[Msg] = []
        self._wanted = 0
        self._done = asyncio.Event()
        self._subscription: Subscription | None = None

    async def _on_message(self, msg: Msg) -> None:
        if msg.headers and _STATUS in msg.headers:  # 408 expired, 409 and the like: request over
            if msg.subject == self._reply:
                self._done.set()
            return
        self._received.append(msg)
        if len(self._received) >= self._wanted:
            self._done.set()

    async def fetch(self, batch: int, wait: float) -> list[Msg]:
        """Up to ``batch`` messages, returning when that many came or ``wait`` has passed."""
        if self._subscription is None:
            self._inbox = self._nc.new_inbox()
            self._subscription = await self._nc.subscribe(f"{self._inbox}.*", cb=self._on_message)
        if not self._received:
            self._wanted = batch
            self._done.clear()
            self._requests += 1
            self._reply = f"{self._inbox}.{self._requests}"
            request = PullRequest(batch=batch, expires=int(wait * 1e9))
            await self._nc.publish(self._subject, _encode(request), reply=self._reply)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._done.wait(), timeout=wait + _margin(wait))
        # Messages of a request that outlived its wait arrive in a later fetch: they are kept,
        # never dropped, because acknowledging a later message acknowledges them too.
        taken, self._received = self._received, []
        return taken

    async def close(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None
