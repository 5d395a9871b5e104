"""NATS lets each part do its own work and nothing else (tinget/nats_access.py).

A private nats-server runs with the users config the embedded mode writes: the relay's user
publishes events and keeps the stream, the projections' user only consumes through its durable
consumer, and the gateway has no user at all.
"""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig

from events.puller import Puller
from events.relay import ensure_stream
from projections.runtime import PROJECTIONS_CONSUMER
from tinget import nats_access
from tinget.embedded import EmbeddedNats

STREAM, PREFIX = "TPERM", "tperm"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A nats-server that lets in the parts' users only: its plain URL and the passwords."""
    folder = tmp_path_factory.mktemp("nats-access")
    passwords = nats_access.load_passwords(folder)
    permissions = nats_access.part_permissions(STREAM, PREFIX)
    server = EmbeddedNats(
        folder,
        authorization=nats_access.authorization(
            {user: (passwords[user], permissions[user]) for user in nats_access.USERS}
        ),
    )
    url = server.start()
    try:
        yield url, passwords
    finally:
        server.stop()


class Connection:
    """A client that keeps what the server objected to."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc = NatsClient()

    async def connect(self, url: str) -> Connection:
        async def on_error(error: Exception) -> None:
            self.errors.append(str(error))

        await self.nc.connect(url, error_cb=on_error, allow_reconnect=False, connect_timeout=5)
        return self

    async def violation(self, subject: str) -> bool:
        """Whether the server reported a permissions violation for ``subject`` (nats-py hands
        the error callback the server's message in lower case)."""
        await self.nc.flush()
        for _ in range(50):
            if any(
                "permissions violation" in e.lower() and subject.lower() in e.lower()
                for e in self.errors
            ):
                return True
            await asyncio.sleep(0.02)
        return False


Connect = Callable[[str], Awaitable[Connection]]


@pytest.fixture
async def connect(guarded: tuple[str, dict[str, str]]) -> AsyncIterator[Connect]:
    url, passwords = guarded
    opened: list[Connection] = []

    async def as_user(user: str) -> Connection:
        connection = await Connection().connect(nats_access.url_as(url, user, passwords[user]))
        opened.append(connection)
        return connection

    yield as_user
    for connection in opened:
        await connection.nc.close()


async def test_only_the_relay_publishes_events_and_the_stream_gets_them(connect: Connect) -> None:
    relay = await connect(nats_access.RELAY_USER)
    projections = await connect(nats_access.PROJECTIONS_USER)
    relay_js = relay.nc.jetstream()
    await ensure_stream(relay_js, STREAM, PREFIX)
    before = (await relay_js.stream_info(STREAM)).state.messages

    ack = await relay_js.publish(f"{PREFIX}.town.dialogs.DialogCreated", b"{}")
    assert ack.stream == STREAM
    assert relay.errors == []

    # The projections' user: a plain publish is refused, a JetStream publish gets no answer.
    forged = f"{PREFIX}.town.x.Y"
    await projections.nc.publish(forged, b"forged")
    assert await projections.violation(forged)
    with pytest.raises((nats.errors.TimeoutError, nats.errors.NoRespondersError)):
        await projections.nc.jetstream().publish(forged, b"forged", timeout=0.5)
    # ... and it may not delete (or otherwise manage) the stream.
    delete = f"$JS.API.STREAM.DELETE.{STREAM}"
    with pytest.raises((nats.errors.TimeoutError, nats.errors.NoRespondersError)):
        await projections.nc.jetstream().delete_stream(STREAM)
    assert await projections.violation(delete)

    info = await relay_js.stream_info(STREAM)
    assert info.state.messages == before + 1  # the relay's event, nothing forged


async def test_the_projections_user_consumes_through_its_own_consumer_only(
    connect: Connect,
) -> None:
    relay = await connect(nats_access.RELAY_USER)
    projections = await connect(nats_access.PROJECTIONS_USER)
    await ensure_stream(relay.nc.jetstream(), STREAM, PREFIX)
    await relay.nc.jetstream().publish(f"{PREFIX}.town.dialogs.DialogOpened", b"{}")
    js = projections.nc.jetstream()
    await js.add_consumer(
        STREAM,
        config=ConsumerConfig(
            durable_name=PROJECTIONS_CONSUMER,
            ack_policy=AckPolicy.ALL,
            filter_subjects=[f"{PREFIX}.*.dialogs.DialogOpened"],
        ),
    )
    puller = Puller(projections.nc, STREAM, PROJECTIONS_CONSUMER)
    try:
        msgs = await puller.fetch(10, 0.5)
    finally:
        await puller.close()
    assert [m.subject for m in msgs] == [f"{PREFIX}.town.dialogs.DialogOpened"]
    await msgs[-1].ack()
    await projections.nc.flush()
    info = await js.consumer_info(STREAM, PROJECTIONS_CONSUMER)
    assert info.ack_floor is not None
    assert info.ack_floor.stream_seq == msgs[-1].metadata.sequence.stream
    assert projections.errors == []

    # Another consumer (one that could read past its own, or be deleted under the relay) is not
    # its to make.
    with pytest.raises((nats.errors.TimeoutError, nats.errors.NoRespondersError)):
        await js.add_consumer(
            STREAM, config=ConsumerConfig(durable_name="other", ack_policy=AckPolicy.ALL)
        )
    assert await projections.violation(f"$JS.API.CONSUMER.DURABLE.CREATE.{STREAM}.other")


async def test_no_user_no_connection(guarded: tuple[str, dict[str, str]]) -> None:
    """The gateway has no NATS user; without one the server lets nobody in."""
    url, passwords = guarded
    assert set(nats_access.part_permissions(STREAM, PREFIX)) == {"relay", "projections"}
    with pytest.raises(nats.errors.Error):
        await nats.connect(url, allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=0)
    with pytest.raises(nats.errors.Error):
        await nats.connect(
            nats_access.url_as(url, nats_access.RELAY_USER, passwords["projections"]),
            allow_reconnect=False,
            connect_timeout=2,
            max_reconnect_attempts=0,
        )


def test_the_passwords_are_made_once_and_kept_private(tmp_path: Path) -> None:
    first = nats_access.load_passwords(tmp_path)
    assert set(first) == set(nats_access.USERS)
    assert len(set(first.values())) == 2
    path = tmp_path / "nats-users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert nats_access.load_passwords(tmp_path) == first
    url = nats_access.url_as("nats://old:pw@127.0.0.1:4222", "relay", first["relay"])
    assert url == f"nats://relay:{first['relay']}@127.0.0.1:4222"
