"""Small builders shared by the tests."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import uvicorn
from litestar import Litestar

from events import tracing
from events.model import NewEvent
from services.identity.service import Limits
from tests.smtp import free_port
from tinget.app import build_app, repoint
from tinget.bootstrap import Addresses, Backpressure, Platform, open_platform

Run = Callable[..., subprocess.CompletedProcess[str]]


def new_event(
    tenant_id: str,
    stream_id: uuid.UUID,
    version: int,
    *,
    event_type: str = "ThingHappened",
    data: bytes = b'{"n": 1}',
) -> NewEvent:
    return NewEvent(
        tenant_id=tenant_id,
        stream_id=stream_id,
        version=version,
        context="testing",
        event_type=event_type,
        data=data,
        metadata=b"{}",
        event_id=uuid.uuid4(),
    )


def unique_slug(prefix: str = "town") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def without_tinget_settings() -> dict[str, str]:
    """This process's environment without any TINGET_* variable of the test run."""
    return {k: v for k, v in os.environ.items() if not k.startswith("TINGET_")}


def run_tinget(env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``tinget ARGS`` as a subprocess with exactly ``env``, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "tinget", *args],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def cli(addresses: Addresses, **settings: str) -> Run:
    """``tinget`` as a subprocess on the test's database, as an operator runs it; ``settings``
    are more TINGET_* variables (an empty value leaves one out)."""
    env = without_tinget_settings()
    env.update(
        TINGET_DATABASE_URL=addresses.owner_url,
        TINGET_LOG_LEVEL="WARNING",
        TINGET_DATA_DIR=str(addresses.data_dir),
        TINGET_SIGNING_SECRET=addresses.signing_secret or "",
    )
    env.update({f"TINGET_{name}": value for name, value in settings.items()})
    env = {k: v for k, v in env.items() if v}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_tinget(env, *args)

    return run


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[str]:
    """``app`` served by uvicorn on a free port, for what needs real HTTP streaming."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    while not running.started:
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def caught_up(platform: Platform, patience: float = 30.0) -> None:
    """Every read model up to the store's head, including what the policies record meanwhile,
    once the log is readable up to it (transactions still running on the server, in any
    database, hold the log's horizon back)."""
    async with asyncio.timeout(patience):
        while True:
            head = await platform.reader.head()
            while head and not await platform.reader.read(head - 1, 1):
                await asyncio.sleep(0.01)
            await platform.catch_up_projections()
            if await platform.reader.head() == head:
                return


SIGNING_SECRET = "test-secret-" + "x" * 40


def database_url_for(server_url: str, name: str) -> str:
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


def addresses_for(database_url: str, nats_url: str, data_dir: Path) -> Addresses:
    """Where a test's platform lives: its database, a stream and subjects of its own, its data
    under ``data_dir``, the tests' signing secret."""
    tag = uuid.uuid4().hex[:8]
    return Addresses(
        database_url=database_url,
        nats_url=nats_url,
        subject_prefix=f"t{tag}",
        stream_name=f"T{tag}",
        data_dir=data_dir,
        signing_secret=SIGNING_SECRET,
    )


class Drops:
    """Drops the tests' databases behind them, on a connection of its own in the session's
    event loop: ``DROP DATABASE`` waits for a checkpoint (0.2 to 2 s on a busy machine), which a
    test's teardown then need not. At most ``backlog`` wait; ``drained`` waits for the rest."""

    def __init__(self, server_url: str, backlog: int = 4) -> None:
        self.server_url = server_url
        self._queue: asyncio.Queue[str] = asyncio.Queue(maxsize=backlog)
        self._task: asyncio.Task[None] | None = None
        self.failed: list[str] = []

    async def drop(self, name: str) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._dropping())
        elif self._task.done():
            self._task.result()  # it could not connect: say why rather than wait for it
        await self._queue.put(name)

    async def _dropping(self) -> None:
        admin = await asyncpg.connect(self.server_url)
        try:
            while True:
                name = await self._queue.get()
                try:
                    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                except Exception as error:  # told at the end; the next ones are still dropped
                    self.failed.append(f"{name}: {error!r}")
                finally:
                    self._queue.task_done()
        finally:
            await admin.close()

    async def drained(self) -> None:
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self.failed:
            raise RuntimeError(f"databases not dropped: {self.failed}")


_APPS: dict[tuple[Backpressure, bool], Litestar] = {}


def gateway_app(platform: Platform) -> Litestar:
    """The gateway app on ``platform``: one per process (and bounds of admission), pointed at
    each test's platform in turn (tinget/app.py ``repoint``), since building it takes half a
    second."""
    key = (platform.addresses.backpressure, tracing.enabled())
    app = _APPS.get(key)
    if app is None:
        app = _APPS[key] = build_app(platform)
    else:
        repoint(app, platform)
    return app


@asynccontextmanager
async def app_client(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the platform's gateway app, in the running event loop (where the
    pools live); its live hubs closed after, as the app's shutdown would."""
    app = gateway_app(platform)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c
    finally:
        for hook in app.on_shutdown:  # build_app's: each an async function of nothing
            await cast(Callable[[], Awaitable[None]], hook)()


@asynccontextmanager
async def module_platform(
    pg_server: str,
    template_database: str,
    nats_url: str,
    folder: Path,
    limits: Limits | None = None,
) -> AsyncIterator[Platform]:
    """A platform on a database of its own (copied from the migrated template, dropped after)
    and a stream of its own, as ``tests/conftest.py`` opens one for each test: here for the
    tests of one module to share, where they only read or are refused."""
    name = f"tinget_test_{uuid.uuid4().hex[:10]}"
    addresses = addresses_for(database_url_for(pg_server, name), nats_url, folder / "data")
    if limits is not None:
        addresses = dataclasses.replace(addresses, limits=limits)
    admin = await asyncpg.connect(pg_server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
        async with open_platform(addresses) as platform:
            try:
                yield platform
            finally:
                assert platform.js is not None
                await platform.js.delete_stream(addresses.stream_name)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
