"""Publishing to JetStream with an ack per message, lean enough for the relay's rate.

nats-py's ``publish_async`` does the same with more per-message work (a semaphore, a fresh
token, a parsed ``PubAck`` object); the relay publishes tens of thousands of messages a second,
so it uses this: one reply subscription, a counter for tokens, acks decoded by msgspec.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription


class PublishAck(msgspec.Struct, frozen=True):
    stream: str | None = None
    seq: int | None = None
    duplicate: bool = False
    error: dict[str, Any] | None = None


class PublishRefused(RuntimeError):
    """JetStream answered a publish with an error (or not as a stream)."""


_decode_ack = msgspec.json.Decoder(PublishAck).decode


class AckingPublisher:
    def __init__(self, nc: NatsClient) -> None:
        self._nc = nc
        self._prefix = ""
        self._count = 0
        self._waiting: dict[str, asyncio.Future[PublishAck]] = {}
        self._subscription: Subscription | None = None

    async def _start(self) -> None:
        self._prefix = self._nc.new_inbox() + "."
        self._subscription = await self._nc.subscribe(self._prefix + "*", cb=self._on_ack)

    async def _on_ack(self, msg: Msg) -> None:
        future = self._waiting.pop(msg.subject[len(self._prefix) :], None)
        if future is None or future.done():
            return
        try:
            future.set_result(_decode_ack(msg.data))
        except msgspec.DecodeError as error:
            future.set_exception(PublishRefused(f"unreadable ack: {error}"))

    async def publish(
        self, subject: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[PublishAck]:
        if self._subscription is None:
            await self._start()
        self._count += 1
        token = str(self._count)
        future: asyncio.Future[PublishAck] = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        await self._nc.publish(subject, payload, reply=self._prefix + token, headers=headers)
        return future

    def forget(self) -> None:
        """Drop futures still waiting (after a timeout), so they do not pile up."""
        for future in self._waiting.values():
            future.cancel()
        self._waiting.clear()
