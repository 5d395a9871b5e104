"""The composition root: connects to PostgreSQL and NATS and wires every part once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field, fields
from pathlib import Path

import asyncpg
import nats
import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext

from events.codec import Codec
from events.db import APP_ROLE, WORKER_ROLE, create_pool, url_for_role
from events.personal import PersonKeys
from events.projection import Projection
from events.relay import Relay, ensure_stream
from events.repository import Repository
from events.store import MAX_QUEUED, EventStore, LogReader
from gateway.forwarding import TrustedProxies
from projections.positions import ReadModelPositions
from projections.runtime import LiveConsumer, ProjectionRunner
from services.dialogs.marks import MIN_BATCH, BatchFactory, MarkFactory, Marks, erase_pending
from services.dialogs.service import DialogService
from services.gamification.service import GamificationService
from services.identity.keys import Keys, load_secret
from services.identity.records import People, RateLimiter, SignInCodes
from services.identity.service import IdentityService, Limits
from services.identity.sessions import Sessions
from services.identity.tokens import Tokens
from services.mail.mailer import Mailer, mailer_from_url
from services.media.images import ImageStore
from services.media.logos import clean_logo
from services.media.storage import image_store_from_url
from services.media.uploads import ImageUploads
from services.moderation.blocklist import BlockedPeople
from services.moderation.service import ModerationService
from services.notifications.push import PushSender, VapidConfig
from services.notifications.push_policy import PushPolicy
from services.notifications.sender import NotificationSender
from services.notifications.service import NotificationService
from services.notifications.template_service import TemplateService
from services.participation.domain import VOTER_MARK, voter_mark, voters_mark
from services.participation.service import ParticipationService
from services.surveys.panel_service import erase_background
from services.surveys.service import MARK_KIND, SurveyService, survey_mark
from tenants.assets import AssetStore
from tenants.migrate import migrate
from tenants.service import TenantService
from tinget.catalogue import build_catalogue
from tinget.contexts import CONTEXTS, migrations

log = structlog.get_logger(__name__)

HEALTH_TIMEOUT = 2.0  # seconds a readiness or health check waits for a service
# The took-part marks the gateway notes, by kind: what records each (services/dialogs/marks.py).
MARKS: dict[str, MarkFactory] = {MARK_KIND: survey_mark, VOTER_MARK: voter_mark}
BATCHED_MARKS: dict[str, BatchFactory] = {VOTER_MARK: voters_mark}  # one event a batch


@dataclass(frozen=True)
class Backpressure:
    """Bounds that make an overloaded process refuse work at once (503 with Retry-After)
    instead of piling it up until every request times out."""

    pool_acquire_timeout: float = 2.0  # seconds a request waits for a free connection
    append_queue_limit: int = MAX_QUEUED  # appends that may wait for the store's group commit
    max_concurrent_requests: int = 500  # requests in flight in one gateway process, not streams
    max_sse_connections: int = 1_000  # live streams (server-sent events) open in one process
    read_wait: float = 3.0  # seconds a read asking for its own write waits for the read models


@dataclass(frozen=True)
class Addresses:
    # Fields that may hold a password or a key are left out of the repr (repr=False).
    # the owner role: migrations (None where only the roles below are given)
    database_url: str | None = field(repr=False)
    # the relay's (or the one process's) NATS, with its user if any
    nats_url: str | None = field(repr=False)
    app_database_url: str | None = field(default=None, repr=False)
    worker_database_url: str | None = field(default=None, repr=False)
    # the projection worker's own NATS user where it is not nats_url's (the embedded all-in-one)
    consumer_nats_url: str | None = field(default=None, repr=False)
    subject_prefix: str = "tinget"
    stream_name: str = "TINGET"
    stream_replicas: int = 1  # 3 on a clustered JetStream
    data_dir: Path = Path(".tinget")
    # else one kept in the data folder
    signing_secret: str | None = field(default=None, repr=False)
    # smtp://...; else .eml files in the data folder
    mail_url: str | None = field(default=None, repr=False)
    mail_from: str = "no-reply@tinget.localhost"
    platform_url: str | None = None  # the platform console: where staff's sign-in links point
    images_url: str | None = None  # s3://bucket?endpoint=...; else a folder in the data folder
    # web push (VAPID); without one push is off
    vapid_private_key: str | None = field(default=None, repr=False)
    vapid_subject: str | None = None  # mailto: or https: contact for push services
    push: PushPolicy = field(default_factory=PushPolicy)  # where push endpoints may lead
    limits: Limits = field(default_factory=Limits)
    backpressure: Backpressure = field(default_factory=Backpressure)
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)  # forwarding headers

    @property
    def owner_url(self) -> str:
        if self.database_url is None:
            raise ValueError("TINGET_DATABASE_URL: this needs the owner role's URL")
        return self.database_url


@dataclass
class AppPlatform:
    """What serving requests needs, built once and shared: the request role's pool
    (``tinget_app``, bound by row-level security) and the services on it.

    A gateway-only process has just this: no pool of the worker role (which reads every
    tenant) and no NATS connection, so no request path can reach either.
    """

    addresses: Addresses
    app_pool: asyncpg.Pool
    codec: Codec
    store: EventStore
    repository: Repository
    tenants: TenantService
    assets: AssetStore
    keys: Keys
    tokens: Tokens
    sessions: Sessions  # token generations and known people: revocation on every request
    mailer: Mailer
    images: ImageStore
    uploads: ImageUploads  # participants' images: checked, cleaned, then put in `images`
    identity: IdentityService
    dialogs: DialogService
    participation: ParticipationService
    moderation: ModerationService
    gamification: GamificationService
    notifications: NotificationService
    surveys: SurveyService
    # every read model and policy, made once (tinget/contexts.py): a worker feeds them, and
    # read-your-writes asks how far they have applied each tenant's events
    read_models: list[Projection] = field(default_factory=list, kw_only=True)
    positions: ReadModelPositions = field(init=False)

    def __post_init__(self) -> None:
        if not self.read_models:
            self.read_models = read_models(self)
        self.positions = ReadModelPositions(self.app_pool, self.read_models)

    def pools(self) -> dict[str, asyncpg.Pool]:
        """This process's database pools by role, for the pool gauges."""
        return {"app": self.app_pool}

    async def health(self) -> dict[str, str]:
        """Whether PostgreSQL answers within 2 s: "ok", or why not."""
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT), self.app_pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
            checks["postgresql"] = "ok"
        except Exception as error:
            checks["postgresql"] = f"unavailable: {type(error).__name__}"
        return checks


@dataclass
class Platform(AppPlatform):
    """Everything a worker process (relay, projections, or all of Tinget in one process) uses:
    the request side, plus the worker role's pool and NATS."""

    worker_pool: asyncpg.Pool
    nc: NatsClient | None  # the relay's connection (or the one connection of the process)
    js: JetStreamContext | None
    reader: LogReader
    projections: list[ProjectionRunner]
    sender: NotificationSender  # works through the notification outbox (projection workers)
    # the projection worker's own connection, where it connects as another user than the relay
    consumer_nats: tuple[NatsClient, JetStreamContext] | None = None

    def pools(self) -> dict[str, asyncpg.Pool]:
        return {**super().pools(), "worker": self.worker_pool}

    @property
    def consumer(self) -> tuple[NatsClient, JetStreamContext] | None:
        """The connection the projections consume on."""
        if self.consumer_nats is not None:
            return self.consumer_nats
        if self.nc is None or self.js is None:
            return None
        return self.nc, self.js

    def relay(self, name: str = "main") -> Relay:
        if self.js is None or self.nc is None:
            raise RuntimeError("the relay needs NATS")
        return Relay(
            reader=self.reader,
            pool=self.worker_pool,
            js=self.js,
            nc=self.nc,
            stream=self.addresses.stream_name,
            prefix=self.addresses.subject_prefix,
            name=name,
        )

    async def consume(
        self, consumer: LiveConsumer, stop: asyncio.Event, *, from_store: bool = True
    ) -> None:
        """Feed ``consumer``'s read models from this platform's JetStream stream until ``stop``;
        ``from_store`` first catches them up from PostgreSQL (what a worker does on start)."""
        connection = self.consumer
        if connection is None:
            raise RuntimeError("the projections need NATS")
        nc, js = connection
        await consumer.run(
            js,
            nc,
            stream=self.addresses.stream_name,
            prefix=self.addresses.subject_prefix,
            catalogue=self.codec.catalogue,
            stop=stop,
            reader=self.reader if from_store else None,
        )

    async def record_marks(self, min_batch: int = MIN_BATCH) -> int:
        """Record the took-part marks that are due (services/dialogs/marks.py); the projection
        worker does once a second."""
        marks = Marks(self.worker_pool, self.repository, MARKS, BATCHED_MARKS)
        return await marks.record_due(min_batch=min_batch)

    async def health(self) -> dict[str, str]:
        """Whether PostgreSQL and NATS answer, each within 2 s: "ok", or why not."""
        checks = await super().health()
        try:
            connections = [(self.nc, self.js)]
            if self.consumer_nats is not None:
                connections.append(self.consumer_nats)
            for nc, js in connections:
                if js is None or nc is None or not nc.is_connected:
                    raise ConnectionError("not connected")
                async with asyncio.timeout(HEALTH_TIMEOUT):
                    await js.account_info()
            checks["nats"] = "ok"
        except Exception as error:
            checks["nats"] = f"unavailable: {type(error).__name__}"
        return checks

    async def read_model_lag(self) -> dict[str, tuple[int, int]]:
        """Per read model: the position it has applied, and the events the store holds after it."""
        lag: dict[str, tuple[int, int]] = {}
        for runner in self.projections:
            applied = await runner.applied_position()
            lag[runner.projection.name] = (applied, await self.reader.count_after(applied))
        return lag

    async def catch_up_projections(self, patience: float = 10.0) -> None:
        """Bring every read model up to the store, without NATS (CLI, start-up, tests).

        Waits while transactions that began earlier still hold the log horizon, and goes on
        while policies append while catching up (a threshold, a badge), until the log is still.
        """
        deadline = asyncio.get_running_loop().time() + patience
        head = await self.reader.head()
        while True:
            for runner in self.projections:
                await runner.catch_up(self.reader)
            behind = [r for r in self.projections if await r.store_cursor() < head]
            if not behind:
                newer = await self.reader.head()
                if newer == head:
                    return
                head = newer
            if asyncio.get_running_loop().time() > deadline:
                return
            await asyncio.sleep(0.01)


async def run_migrations(database_url: str) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        return await migrate(conn, migrations())
    finally:
        await conn.close()


async def connect_nats(url: str) -> NatsClient:
    async def on_error(error: Exception) -> None:
        log.warning("nats connection error", error=repr(error))

    return await nats.connect(
        url,
        error_cb=on_error,
        name="tinget",
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
    )


def role_url(given: str | None, owner_url: str | None, role: str) -> str:
    """The URL for a role: given, or the owner's URL with the role's user."""
    if given:
        return given
    if owner_url is None:
        raise ValueError(
            f"no database URL for {role}: set TINGET_DATABASE_URL, or the role's own URL"
            " (TINGET_APP_DATABASE_URL, TINGET_WORKER_DATABASE_URL)"
        )
    return url_for_role(owner_url, role)


@asynccontextmanager
async def open_app_platform(
    addresses: Addresses, *, pool_size: int = 10
) -> AsyncIterator[AppPlatform]:
    """The request side alone, on the app role: what a gateway-only process opens. It never
    asks for the worker role's URL and never connects to NATS."""
    app_pool = await create_pool(
        role_url(addresses.app_database_url, addresses.database_url, APP_ROLE),
        max_size=pool_size,
        session_state=False,
        acquire_timeout=addresses.backpressure.pool_acquire_timeout,
    )
    stack = AsyncExitStack()
    try:
        keys = Keys(load_secret(addresses.signing_secret, addresses.data_dir / "signing.key"))
        codec = Codec(build_catalogue(), PersonKeys(app_pool, keys.person_key_wrapping))
        store = EventStore(app_pool, max_queued=addresses.backpressure.append_queue_limit)
        repository = Repository(store, codec)
        assets = AssetStore(app_pool)
        tokens = Tokens(keys)
        mailer = mailer_from_url(
            addresses.mail_url or f"file://{(addresses.data_dir / 'mail').resolve()}",
            sender_address=addresses.mail_from,
        )
        images = image_store_from_url(
            addresses.images_url or str((addresses.data_dir / "images").resolve())
        )
        await images.start()
        stack.push_async_callback(images.close)
        limiter = RateLimiter(app_pool, keys)
        templates = TemplateService(repository, app_pool)
        sessions = Sessions(app_pool)
        identity = IdentityService(
            repository,
            People(app_pool, erasers=[erase_background, erase_pending]),
            SignInCodes(app_pool, keys),
            limiter,
            tokens,
            mailer,
            sessions,
            addresses.limits,
            custom_template=templates.custom,
        )
        marks = Marks(app_pool, repository, MARKS, BATCHED_MARKS)
        dialogs = DialogService(repository, identity, marks=marks)
        blocked_people = BlockedPeople(app_pool)
        participation = ParticipationService(
            repository,
            dialogs,
            keys,
            limiter,
            images.exists,
            addresses.limits,
            blocked=blocked_people.reason,
            marks=marks,
        )
        yield AppPlatform(
            addresses=addresses,
            app_pool=app_pool,
            codec=codec,
            store=store,
            repository=repository,
            tenants=TenantService(repository, assets, clean_logo),
            assets=assets,
            keys=keys,
            tokens=tokens,
            sessions=sessions,
            mailer=mailer,
            images=images,
            uploads=ImageUploads(images, limiter, addresses.limits, blocked=blocked_people.reason),
            identity=identity,
            dialogs=dialogs,
            participation=participation,
            moderation=ModerationService(repository, blocked_people),
            gamification=GamificationService(repository),
            notifications=NotificationService(app_pool, keys, templates, addresses.push),
            surveys=SurveyService(
                repository,
                dialogs,
                keys,
                participation.admit,
                marks,
                load_dialog=participation.dialog,
            ),
        )
    finally:
        await stack.aclose()
        await app_pool.close()


def read_models(app: AppPlatform) -> list[Projection]:
    """Every read model and policy a projection worker feeds, in the order they apply: the
    contexts' in their order (tinget/contexts.py)."""
    return [model for context in CONTEXTS for model in context.read_models(app)]


@asynccontextmanager
async def open_platform(
    addresses: Addresses,
    *,
    with_nats: bool = True,
    manage_stream: bool = True,
    pool_size: int = 10,
) -> AsyncIterator[Platform]:
    """The request side plus the worker role's pool and NATS: what the relay, the projection
    worker, the all-in-one process and the operator's commands open. ``manage_stream``
    creates the event stream or raises its replicas (the relay's job: the projections' NATS
    user may not)."""
    async with open_app_platform(addresses, pool_size=pool_size) as app:
        worker_pool = await create_pool(
            role_url(addresses.worker_database_url, addresses.database_url, WORKER_ROLE),
            max_size=pool_size,
        )
        nc: NatsClient | None = None
        js: JetStreamContext | None = None
        consumer_nats: tuple[NatsClient, JetStreamContext] | None = None
        try:
            if with_nats and addresses.nats_url:
                nc = await connect_nats(addresses.nats_url)
                js = nc.jetstream()
                if manage_stream:
                    await ensure_stream(
                        js,
                        addresses.stream_name,
                        addresses.subject_prefix,
                        addresses.stream_replicas,
                    )
                consumer_url = addresses.consumer_nats_url
                if consumer_url is not None and consumer_url != addresses.nats_url:
                    consumer_nc = await connect_nats(consumer_url)
                    consumer_nats = (consumer_nc, consumer_nc.jetstream())
            vapid = None
            if addresses.vapid_private_key:
                vapid = VapidConfig(addresses.vapid_private_key, addresses.vapid_subject or "")
            shared = {f.name: getattr(app, f.name) for f in fields(AppPlatform) if f.init}
            yield Platform(
                **shared,
                worker_pool=worker_pool,
                nc=nc,
                js=js,
                reader=LogReader(worker_pool),
                projections=[ProjectionRunner(worker_pool, p) for p in app.read_models],
                sender=NotificationSender(
                    worker_pool, app.mailer, PushSender(vapid, addresses.push), app.keys
                ),
                consumer_nats=consumer_nats,
            )
        finally:
            for client in (nc, consumer_nats[0] if consumer_nats else None):
                if client is not None:
                    await client.close()
            await worker_pool.close()
