"""The projection worker's pull requests (events/puller.py) against a JetStream API that, like
nats-server 2.9 under load, does not always end a request with its 408 status.

The API here is a subscriber on the real NATS server answering the pull requests itself, so
that the status can be withheld or sent late on purpose.
"""

from __future__ import annotations

import asyncio
import time

import msgspec
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from events.puller import Puller

API = "$JS.API.CONSUMER.MSG.NEXT.STREAM.durable"
TIMEOUT = b"NATS/1.0 408 Request Timeout\r\n\r\n"


class FakeApi:
    """Answers each pull request with ``per_request`` messages and, when ``statuses`` says
    so, a 408; every status it sends goes to the reply subject it names."""

    def __init__(self, nc: NatsClient, per_request: int) -> None:
        self.nc = nc
        self.per_request = per_request
        self.replies: list[str] = []
        self.sent = 0

    async def answer(self, msg: Msg) -> None:
        self.replies.append(msg.reply)
        request = msgspec.json.decode(msg.data)
        assert request["batch"] >= self.per_request
        for _ in range(self.per_request):
            self.sent += 1
            await self.nc.publish(msg.reply, str(self.sent).encode())

    async def status(self, reply: str) -> None:
        await self.nc.publish(reply, b"", headers={"Status": "408"})


async def serve(nc: NatsClient, per_request: int) -> tuple[FakeApi, Puller]:
    """The fake API answering on ``nc``, and a puller asking it."""
    api = FakeApi(nc, per_request)
    await nc.subscribe(API, cb=api.answer)
    return api, Puller(nc, "STREAM", "durable")


async def test_a_fetch_ends_on_its_own_when_the_servers_status_does_not_come(
    nats_client: NatsClient,
) -> None:
    _, puller = await serve(nats_client, per_request=3)

    began = time.perf_counter()
    first = await puller.fetch(100, 0.05)
    second = await puller.fetch(100, 0.05)
    took = time.perf_counter() - began
    await puller.close()

    assert [m.data for m in first + second] == [b"1", b"2", b"3", b"4", b"5", b"6"]
    assert took < 0.6  # two requests of 50 ms and their margins; without a status: 2.1 s before


async def test_a_late_status_of_an_earlier_request_does_not_end_the_current_one(
    nats_client: NatsClient,
) -> None:
    api, puller = await serve(nats_client, per_request=0)
    await puller.fetch(100, 0.05)  # ends on its own timer: no status, no messages

    current = asyncio.create_task(puller.fetch(100, 0.3))
    while len(api.replies) < 2:
        await asyncio.sleep(0.005)
    await api.status(api.replies[0])  # the first request's 408, late
    await nats_client.flush()
    await asyncio.sleep(0.1)
    assert not current.done()  # still waiting for messages of its own request
    await nats_client.publish(api.replies[1], b"late but welcome")
    await api.status(api.replies[1])
    taken = await asyncio.wait_for(current, 2)
    await puller.close()

    assert [m.data for m in taken] == [b"late but welcome"]
    assert api.replies[0] != api.replies[1]
