"""Starting Tinget's parts: addresses (configured or embedded), gateway, relay, projections."""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, suppress

import structlog
import uvicorn

from events.errors import Conflict
from events.leadership import leadership
from projections.runtime import PROJECTIONS_CONSUMER, LiveConsumer
from services.dialogs.marks import run_marks
from services.dialogs.scheduler import run_scheduler
from services.identity.records import run_rate_limit_pruner
from services.notifications.push_policy import PushPolicy
from services.surveys.context import panel_rounds
from services.surveys.round_scheduler import run_round_scheduler
from tenants.service import TenantChanges
from tinget import nats_access, telemetry
from tinget.app import build_app
from tinget.bootstrap import (
    Addresses,
    AppPlatform,
    Backpressure,
    Platform,
    open_app_platform,
    open_platform,
    run_migrations,
)
from tinget.config import Settings, reveal
from tinget.embedded import EmbeddedNats, embedded_postgres
from tinget.processes import run_siblings, shared_socket

log = structlog.get_logger(__name__)

PARTS = ("gateway", "relay", "projections")


@asynccontextmanager
async def addresses_for(settings: Settings, *, need_nats: bool = True) -> AsyncIterator[Addresses]:
    """Configured addresses, or embedded services started under the data folder (an embedded
    PostgreSQL already running there is used as it is).

    The embedded NATS lets in only the relay's and the projections' users (passwords generated
    once into the data folder), each to its own subjects: see tinget/nats_access.py.
    """
    nats_server: EmbeddedNats | None = None
    database_url = reveal(settings.database_url)
    nats_url = reveal(settings.nats_url)
    consumer_nats_url: str | None = None
    async with AsyncExitStack() as stack:
        if settings.postgres_embedded:
            database_url = await stack.enter_async_context(embedded_postgres(settings.data_dir))
        try:
            if nats_url is None and need_nats:
                folder = settings.data_dir.resolve() / "nats"
                passwords = nats_access.load_passwords(folder)
                permissions = nats_access.part_permissions(
                    settings.stream_name, settings.subject_prefix
                )
                nats_server = EmbeddedNats(
                    folder,
                    authorization=nats_access.authorization(
                        {user: (passwords[user], permissions[user]) for user in nats_access.USERS}
                    ),
                )
                plain_url = await asyncio.to_thread(nats_server.start)
                log.info("embedded NATS started", url=plain_url)
                nats_url = nats_access.url_as(
                    plain_url, nats_access.RELAY_USER, passwords[nats_access.RELAY_USER]
                )
                consumer_nats_url = nats_access.url_as(
                    plain_url,
                    nats_access.PROJECTIONS_USER,
                    passwords[nats_access.PROJECTIONS_USER],
                )
            yield Addresses(
                database_url=database_url,
                nats_url=nats_url,
                consumer_nats_url=consumer_nats_url,
                app_database_url=reveal(settings.app_database_url),
                worker_database_url=reveal(settings.worker_database_url),
                subject_prefix=settings.subject_prefix,
                stream_name=settings.stream_name,
                stream_replicas=settings.stream_replicas,
                data_dir=settings.data_dir,
                signing_secret=reveal(settings.signing_secret),
                mail_url=reveal(settings.mail_url),
                mail_from=settings.mail_from,
                platform_url=settings.platform_url,
                images_url=settings.images_url,
                vapid_private_key=reveal(settings.vapid_private_key),
                vapid_subject=settings.vapid_subject,
                push=PushPolicy(services=settings.push_services),
                backpressure=Backpressure(
                    pool_acquire_timeout=settings.pool_acquire_timeout,
                    append_queue_limit=settings.append_queue_limit,
                    max_concurrent_requests=settings.max_concurrent_requests,
                    max_sse_connections=settings.max_sse_connections,
                ),
                trusted_proxies=settings.trusted_proxies,
            )
        finally:
            if nats_server is not None:
                await asyncio.to_thread(nats_server.stop)


def for_parts(addresses: Addresses, parts: tuple[str, ...]) -> Addresses:
    """The NATS users ``parts`` need: the relay's where the relay runs, the projections' where
    they run (an embedded all-in-one has both, each on a connection of its own)."""
    if "relay" not in parts and addresses.consumer_nats_url is not None:
        return dataclasses.replace(
            addresses, nats_url=addresses.consumer_nats_url, consumer_nats_url=None
        )
    if "projections" not in parts:
        return dataclasses.replace(addresses, consumer_nats_url=None)
    return addresses


def postgres_embedded(settings: Settings) -> bool:
    """No PostgreSQL configured: neither the owner's URL nor both roles' URLs."""
    return settings.postgres_embedded


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: Tinget stops all parts together."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _settle_memory() -> None:
    """Move what start-up allocated out of the garbage collector's way, and collect the young
    generation less often: requests allocate many short-lived objects, and frequent full
    passes over long-lived ones show up as latency spikes."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 50, 100)


async def run_gateway(
    platform: AppPlatform, settings: Settings, stop: asyncio.Event, *, sibling: bool = False
) -> None:
    """Serve the gateway until ``stop``: on a port of its own, or, with several gateway
    processes (``TINGET_HTTP_PROCESSES``; ``sibling`` for all but the first), on a socket
    each of them opens on the same port (tinget/processes.py)."""
    shared = settings.http_processes > 1 or sibling
    sockets = [shared_socket(settings.http_host, settings.http_port)] if shared else None
    config = uvicorn.Config(
        build_app(platform),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,  # the gateway reads forwarding headers itself, from trusted proxies
        lifespan="on",
    )
    server = _Server(config)
    watcher = asyncio.create_task(_exit_on(stop, server))
    announcer = None if sibling else asyncio.create_task(_announce(server, settings))
    try:
        await server.serve(sockets=sockets)
    finally:
        watcher.cancel()
        if announcer is not None:
            announcer.cancel()


async def _announce(server: uvicorn.Server, settings: Settings) -> None:
    """Say where Tinget listens once the socket is open: the line a person looks for."""
    while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
        await asyncio.sleep(0.02)
    embedded_pg = postgres_embedded(settings)
    embedded_nats = settings.nats_url is None
    processes = (
        f" in {settings.http_processes} gateway processes" if settings.http_processes > 1 else ""
    )
    print(
        f"Tinget listens on http://{settings.http_host}:{settings.http_port}{processes}"
        f" (PostgreSQL: {'embedded' if embedded_pg else 'configured'},"
        f" NATS: {'embedded' if embedded_nats else 'configured'}); Ctrl-C stops it.",
        flush=True,
    )


async def _exit_on(stop: asyncio.Event, server: uvicorn.Server) -> None:
    await stop.wait()
    server.should_exit = True


async def supervised(name: str, stop: asyncio.Event, part: Callable[[], Awaitable[None]]) -> None:
    """Run a worker part until ``stop``; if it fails or ends early, log why and start it again.

    The wait before a restart doubles up to 10 s, and starts small again after a part has run
    well for a while.
    """
    backoff = 0.5
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        began = loop.time()
        try:
            await part()
            if stop.is_set():
                return
            log.warning("part ended; starting it again", part=name)
        except Exception as error:
            log.error("part failed; restarting", part=name, error=repr(error), backoff=backoff)
        if loop.time() - began > 30.0:
            backoff = 0.5
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=backoff)
        backoff = min(backoff * 2, 10.0)


async def run_relay(platform: Platform, stop: asyncio.Event, name: str = "main") -> None:
    async def relay() -> None:
        async with leadership(platform.worker_pool, f"relay:{name}", stop) as term:
            if term is not None:
                await platform.relay(name).run(term)

    await supervised("relay", stop, relay)


async def run_projections(platform: Platform, stop: asyncio.Event) -> None:
    """The projection worker: read models, the dialog and panel round schedulers, the took-part
    marks' batches, the opinion mapper, the notification sender and the deletion of expired
    rate-limit counters.

    One worker is active at a time (an advisory lock); a second one stands by. Its read models
    share one durable consumer, which must have a single reader to deliver in log order.
    """
    from services.analysis.opinion_maps import (
        run_opinion_mapper,  # numpy and scikit-learn: when run
    )

    consumer = LiveConsumer(platform.projections, durable=PROJECTIONS_CONSUMER)
    rounds = panel_rounds(platform)

    async def work(term: asyncio.Event) -> None:
        await platform.catch_up_projections()
        await asyncio.gather(
            supervised("projections", term, lambda: platform.consume(consumer, term)),
            supervised(
                "scheduler",
                term,
                lambda: run_scheduler(platform.worker_pool, platform.dialogs, term),
            ),
            supervised(
                "panel round scheduler",
                term,
                lambda: run_round_scheduler(platform.worker_pool, rounds, term),
            ),
            supervised("took-part marks", term, lambda: run_marks(platform.record_marks, term)),
            supervised(
                "opinion mapper", term, lambda: run_opinion_mapper(platform.worker_pool, term)
            ),
            supervised("notification sender", term, lambda: platform.sender.run(term)),
            supervised(
                "rate-limit pruner",
                term,
                lambda: run_rate_limit_pruner(platform.worker_pool, term),
            ),
        )

    async def lead() -> None:
        async with leadership(platform.worker_pool, "projections:main", stop) as term:
            if term is not None:
                await work(term)

    await supervised("projection worker", stop, lead)


async def ensure_demo_tenant(platform: AppPlatform, port: int) -> None:
    """The first start of an embedded Tinget gets a ``demo`` tenant on localhost, whose links
    point at http://localhost on the port the gateway listens on (kept up to date each start)."""
    public_url = f"http://localhost:{port}"
    try:
        await platform.tenants.create(
            "demo",
            "Demo Municipality",
            "en",
            hosts=["localhost", "127.0.0.1"],
            public_url=public_url,
        )
        log.info("demo tenant created", hosts=["localhost", "127.0.0.1"], public_url=public_url)
    except Conflict:
        await platform.tenants.update("demo", TenantChanges(public_url=public_url))


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)


async def serve(
    settings: Settings, parts: tuple[str, ...] = PARTS, *, sibling: bool = False
) -> None:
    """Run ``parts`` until a signal. A gateway alone opens only the app role's pool and no NATS
    (it needs neither the worker role nor NATS); any worker part opens the platform. With
    ``TINGET_HTTP_PROCESSES`` above 1, the gateway starts its sibling processes
    (tinget/processes.py); a ``sibling`` is one of them."""
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    telemetry.configure_tracing(parts[0] if len(parts) == 1 else "all")
    readiness = telemetry.readiness_for(parts)
    if settings.metrics_port is not None:
        telemetry.serve_metrics(settings.metrics_host, settings.metrics_port, readiness)
    gateway_only = parts == ("gateway",)
    async with addresses_for(settings, need_nats=not gateway_only) as given:
        if given.database_url is not None:  # a deployment may migrate in a job of its own
            await run_migrations(given.database_url)
        addresses = for_parts(given, parts)
        if gateway_only:
            async with open_app_platform(addresses) as app:
                await _run(app, settings, parts, stop, readiness, given, sibling)
        else:
            async with open_platform(addresses, manage_stream="relay" in parts) as platform:
                await _run(platform, settings, parts, stop, readiness, given, sibling)
    log.info("stopped")


async def _run(
    platform: AppPlatform,
    settings: Settings,
    parts: tuple[str, ...],
    stop: asyncio.Event,
    readiness: telemetry.Readiness,
    addresses: Addresses,
    sibling: bool,
) -> None:
    if postgres_embedded(settings) and settings.demo_tenant and "gateway" in parts:
        await ensure_demo_tenant(platform, settings.http_port)
        if isinstance(platform, Platform):
            await platform.catch_up_projections()
    _settle_memory()
    tasks: list[Awaitable[None]] = []
    if "gateway" in parts:
        tasks.append(run_gateway(platform, settings, stop, sibling=sibling))
        if settings.http_processes > 1 and not sibling:
            tasks.append(run_siblings(settings, addresses.database_url, stop))
    if isinstance(platform, Platform):
        if "relay" in parts:
            tasks.append(run_relay(platform, stop))
        if "projections" in parts:
            tasks.append(run_projections(platform, stop))
    tasks.append(
        supervised(
            "telemetry",
            stop,
            lambda: telemetry.watch(
                platform,
                stop,
                relay="relay" in parts,
                projections="projections" in parts,
                readiness=readiness,
            ),
        )
    )
    await _until_stopped(stop, tasks)


async def _until_stopped(stop: asyncio.Event, parts: Sequence[Awaitable[None]]) -> None:
    running = [asyncio.ensure_future(p) for p in parts]
    stopper = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait([*running, stopper], return_when=asyncio.FIRST_COMPLETED)
    stop.set()
    for task in done:
        if task is not stopper and task.exception() is not None:
            log.error("a part stopped with an error", error=repr(task.exception()))
    await asyncio.gather(*running, return_exceptions=True)
