"""The fault scenario: steady load, then NATS, the relay and the projection worker killed,
PostgreSQL restarted and the workers' database connections cut, one after another; then the
proofs, gathered into a report."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx

from services.identity.access import Role
from services.identity.keys import Keys
from tenants.service import TenantChanges
from tests.api import Town, open_dialog, staff_token
from tests.read_models import differences, rebuild_all, snapshot
from tests.reliability.checks import (
    StreamCheck,
    check_stream,
    head,
    http_mismatches,
    lost_writes,
    wait_caught_up,
)
from tests.reliability.cluster import SIGNING_SECRET, Cluster, private_cluster
from tests.reliability.load import SLOW_SECONDS, Load, Outcome, Participant, Poll, TenantLoad
from tinget.bootstrap import Addresses, Platform, open_platform


@dataclass(frozen=True)
class Profile:
    name: str
    clients: int  # concurrent HTTP clients
    participants: int  # device-token participants per municipality
    polls: int  # polls per municipality
    load_seconds: float  # load around each fault
    rounds: int  # how many times each fault is repeated
    nats_down: float = 2.0
    postgres_down: float = 3.0
    converge_timeout: float = 60.0


SHORT = Profile("short", clients=6, participants=50, polls=2, load_seconds=3.0, rounds=1)
FULL = Profile(
    "full", clients=16, participants=150, polls=3, load_seconds=15.0, rounds=3, converge_timeout=120
)


@dataclass
class Fault:
    name: str
    round: int
    down_seconds: float
    converge_seconds: float | None  # from the restart until relay and read models caught up
    still_behind: list[str]


@dataclass(frozen=True)
class Probe:
    sent_at: float
    status: int | None
    seconds: float
    problem_json: bool
    retry_after: str | None


@dataclass
class Outage:
    """One PostgreSQL restart as the gateway showed it."""

    round: int
    crash_began: float  # the immediate stop was being sent
    crashed_at: float  # the immediate stop had returned
    started_at: float  # PostgreSQL was being started again
    probes: list[Probe] = field(default_factory=list)  # GET /ready
    writes: list[Outcome] = field(default_factory=list)  # the load's writes while down
    write_recovery: float | None = None  # from the start until a write was accepted again
    ready_recovery: float | None = None  # from the start until /ready said 200

    def while_down(self) -> list[Probe | Outcome]:
        """The /ready probes and writes sent and answered while PostgreSQL was down."""
        every: list[Probe | Outcome] = [*self.probes, *self.writes]
        return [x for x in every if self.inside(x.sent_at, x.seconds)]

    def in_doubt(self, outcome: Outcome) -> bool:
        """A write refused (or unanswered) while in flight during the crash: its commit may
        have happened with the answer lost, so it may or may not be stored. The crash takes
        from the stop being sent until it returned, and backends die somewhere in between: a
        write sent after the stop began and refused before it returned is in doubt too."""
        in_flight = (
            outcome.sent_at <= self.crashed_at
            and outcome.sent_at + outcome.seconds >= self.crash_began
        )
        return outcome.kind != "read" and in_flight and outcome.status in (None, 503)

    def inside(self, sent_at: float, seconds: float) -> bool:
        """Whether a request was sent and answered while PostgreSQL was down."""
        return self.crashed_at <= sent_at and sent_at + seconds <= self.started_at


@dataclass
class Report:
    profile: Profile
    elapsed: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    accepted: Counter[str] = field(default_factory=Counter)
    unanswered_writes: int = 0
    in_doubt_writes: int = 0  # refused or unanswered while in flight at a PostgreSQL crash
    refused_but_stored: list[str] = field(default_factory=list)
    refused_but_stored_in_doubt: int = 0
    events_stored: int = 0
    stream: StreamCheck = field(default_factory=StreamCheck)
    lost: list[str] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    outages: list[Outage] = field(default_factory=list)
    settle_seconds: float | None = None
    still_behind: list[str] = field(default_factory=list)
    read_model_rows: int = 0
    read_model_differences: dict[str, str] = field(default_factory=dict)
    policy_appends_on_rebuild: int = 0
    http_compared: int = 0
    http_mismatches: list[str] = field(default_factory=list)
    gateway_starts: int = 0

    def failures(self) -> list[str]:
        """Every guarantee the run broke (empty: all held)."""
        found: list[str] = []
        if not self.accepted:
            found.append("no write was accepted: the load did not run")
        if self.lost:
            found.append(f"{len(self.lost)} accepted writes lost: {self.lost[:5]}")
        if self.refused_but_stored:
            found.append(
                f"{len(self.refused_but_stored)} writes refused outside a crash were stored:"
                f" {self.refused_but_stored[:5]}"
            )
        if not self.stream.exact:
            s = self.stream
            found.append(
                f"stream vs store: {s.messages} messages, {s.events} events, {s.duplicates}"
                f" duplicated, {len(s.missing)} missing {s.missing[:3]}, {len(s.extra)} extra,"
                f" {s.mismatched_ids} with a wrong Nats-Msg-Id or unread"
            )
        for fault in self.faults:
            if fault.converge_seconds is None:
                found.append(
                    f"{fault.name} (round {fault.round}): not caught up within the timeout;"
                    f" behind: {fault.still_behind}"
                )
        if self.settle_seconds is None:
            found.append(f"not settled after the load; behind: {self.still_behind}")
        if self.read_model_differences:
            found.append(f"read models differ from a rebuild: {self.read_model_differences}")
        if self.policy_appends_on_rebuild:
            found.append(f"a rebuild appended {self.policy_appends_on_rebuild} events")
        if self.http_mismatches:
            found.append(f"HTTP counts differ from accepted writes: {self.http_mismatches[:10]}")
        errors = [o for o in self.outcomes if o.status is not None and o.status >= 500]
        server_errors = [o for o in errors if o.status != 503 or not o.phase.startswith("pg")]
        if server_errors:
            shown: list[tuple[object, ...]] = [
                (o.kind, o.phase, o.status, o.error) for o in server_errors[:5]
            ]
            found.append(f"{len(server_errors)} server errors outside a database outage: {shown}")
        no_answer = [o for o in self.outcomes if o.status is None]
        if no_answer:
            shown = [(o.kind, o.phase, o.status, o.error) for o in no_answer[:5]]
            found.append(f"{len(no_answer)} requests got no HTTP answer: {shown}")
        slow = [o for o in self.outcomes if o.seconds > SLOW_SECONDS]
        if slow:
            shown = [(o.kind, o.phase, o.status, round(o.seconds, 1)) for o in slow[:5]]
            found.append(f"{len(slow)} requests took over {SLOW_SECONDS} s: {shown}")
        for outage in self.outages:
            found.extend(_outage_failures(outage))
        if self.gateway_starts != 1:
            found.append(f"the gateway was started {self.gateway_starts} times")
        return found

    def summary(self) -> str:
        by_status = Counter(
            f"{o.kind} {'no answer' if o.status is None else o.status}" for o in self.outcomes
        )
        lines = [
            f"reliability ({self.profile.name}): {self.elapsed:.1f} s,"
            f" {len(self.outcomes)} requests by {self.profile.clients} clients",
            "  accepted writes: "
            + ", ".join(f"{k} {n}" for k, n in sorted(self.accepted.items()))
            + f" (total {sum(self.accepted.values())}; {self.unanswered_writes} unanswered;"
            f" {self.in_doubt_writes} refused while in flight at a crash, of which"
            f" {self.refused_but_stored_in_doubt} known to be stored)",
            "  requests by status: " + ", ".join(f"{k}: {n}" for k, n in sorted(by_status.items())),
            f"  events stored {self.events_stored}; stream messages {self.stream.messages}"
            f" ({self.stream.duplicates} duplicated, {len(self.stream.missing)} missing,"
            f" {len(self.stream.extra)} extra); accepted writes lost: {len(self.lost)}",
        ]
        for f in self.faults:
            took = "NOT caught up" if f.converge_seconds is None else f"{f.converge_seconds:.2f} s"
            lines.append(
                f"  round {f.round} {f.name}: down {f.down_seconds:.1f} s, caught up in {took}"
            )
        for o in self.outages:
            down = o.while_down()
            refused = Counter("no answer" if x.status is None else x.status for x in down)
            worst = max((x.seconds for x in down), default=0.0)
            wr = "never" if o.write_recovery is None else f"{o.write_recovery:.2f} s"
            rr = "never" if o.ready_recovery is None else f"{o.ready_recovery:.2f} s"
            lines.append(
                f"  round {o.round} PostgreSQL down {o.started_at - o.crashed_at:.1f} s:"
                f" answers while down {dict(refused)} (slowest {worst:.2f} s);"
                f" writes accepted again after {wr}, /ready 200 after {rr}"
            )
        settle = "NOT settled" if self.settle_seconds is None else f"{self.settle_seconds:.2f} s"
        lines.append(
            f"  settled after the load in {settle}; read models: {self.read_model_rows} rows,"
            f" {len(self.read_model_differences)} tables differ from a rebuild;"
            f" HTTP counts compared {self.http_compared}, wrong {len(self.http_mismatches)}"
        )
        return "\n".join(lines)


def _outage_failures(outage: Outage) -> list[str]:
    found: list[str] = []
    down = outage.while_down()
    if not any(isinstance(x, Probe) for x in down):
        found.append("no /ready probe answered while PostgreSQL was down")
    if not outage.writes:
        found.append("no write was tried while PostgreSQL was down")
    bad = [
        (type(x).__name__, x.status, x.problem_json, x.retry_after, round(x.seconds, 2))
        for x in down
        if x.status != 503 or not x.problem_json or not x.retry_after or x.seconds > SLOW_SECONDS
    ]
    if bad:
        found.append(
            f"{len(bad)} answers while PostgreSQL was down were not a quick 503 problem"
            f" with Retry-After: {bad[:5]}"
        )
    if outage.write_recovery is None:
        found.append("writes were not accepted again after PostgreSQL came back")
    if outage.ready_recovery is None:
        found.append("/ready did not say 200 again after PostgreSQL came back")
    return found


class Scenario:
    def __init__(self, profile: Profile, cluster: Cluster) -> None:
        self.profile = profile
        self.cluster = cluster
        self.report = Report(profile)
        self.tenants: list[TenantLoad] = []
        self.projections: list[str] = []
        self.keys: Keys | None = None

    @property
    def addresses(self) -> Addresses:
        return Addresses(
            database_url=self.cluster.postgres.url,
            nats_url=None,
            data_dir=self.cluster.root / "tinget",
            signing_secret=SIGNING_SECRET,
        )

    async def run(self) -> Report:
        began = time.monotonic()
        await self._set_up()
        assert self.keys is not None
        load = Load(self.cluster.base_url, self.tenants, self.keys, clients=self.profile.clients)
        pool = await asyncpg.create_pool(self.cluster.postgres.url, min_size=0, max_size=3)
        assert pool is not None
        stop = asyncio.Event()
        running = asyncio.create_task(load.run(stop))
        try:
            await asyncio.sleep(self.profile.load_seconds)
            for number in range(1, self.profile.rounds + 1):
                await self._kill_and_restart(load, pool, number)
                await self._restart_postgres(load, pool, number)
                await self._cut_worker_connections(load, pool, number)
        finally:
            stop.set()
            await running
        try:
            await self._prove(load, pool)
        finally:
            await pool.close()
        self.report.elapsed = time.monotonic() - began
        return self.report

    async def _set_up(self) -> None:
        towns = [Town("rel-north", "north.reliability.test"), Town("rel-south", "south.test")]
        for town in towns:
            created = await asyncio.to_thread(
                self.cluster.tinget,
                "tenants",
                "create",
                town.slug,
                "--name",
                town.slug.title(),
                "--host",
                town.host,
            )
            assert created.returncode == 0, created.stderr
        people: list[tuple[Town, str, str, list[Participant]]] = []
        async with open_platform(self.addresses, with_nats=False, pool_size=4) as platform:
            self.keys = platform.keys
            self.projections = [r.projection.name for r in platform.projections]
            for town in towns:
                await platform.tenants.update(town.slug, TenantChanges(committees=["Transport"]))
                admin = await staff_token(
                    platform, town, f"admin@{town.slug}.se", Role.ADMINISTRATOR
                )
                moderator = await staff_token(platform, town, f"mod@{town.slug}.se", Role.MODERATOR)
                issued = await asyncio.gather(
                    *(
                        platform.identity.device_session(town.slug, f"reliability-{i}")
                        for i in range(self.profile.participants)
                    )
                )
                participants = [Participant(t.token, t.person_id) for t in issued]
                people.append((town, admin, moderator, participants))
            await platform.catch_up_projections()
        for part in self.cluster.parts:
            part.start()
        await asyncio.to_thread(self.cluster.wait_for_gateway)
        async with httpx.AsyncClient(base_url=self.cluster.base_url, timeout=30) as client:
            await _until_ready(client, patience=60)
            for town, admin, moderator, participants in people:
                proposals = await open_dialog(
                    client, town, admin, settings={"support_threshold": 10}
                )
                polls = []
                for n in range(self.profile.polls):
                    options = ("red", "green", "blue")
                    poll = await open_dialog(
                        client,
                        town,
                        admin,
                        kind="poll",
                        title=f"Bridge colour {n}",
                        settings={"question": "Which colour?", "options": list(options)},
                    )
                    polls.append(Poll(UUID(poll["id"]), options))
                self.tenants.append(
                    TenantLoad(town, admin, moderator, participants, UUID(proposals["id"]), polls)
                )

    async def _kill_and_restart(self, load: Load, pool: asyncpg.Pool, number: int) -> None:
        cluster = self.cluster
        faults: list[tuple[str, Callable[[], None], Callable[[], None], float]] = [
            ("NATS kill -9", cluster.nats.kill, cluster.nats.start, self.profile.nats_down),
            ("relay kill -9", cluster.relay.kill, cluster.relay.start, 0.5),
            (
                "projection worker kill -9",
                cluster.projections.kill,
                cluster.projections.start,
                0.5,
            ),
        ]
        for name, hurt, heal, pause in faults:
            load.phase = name
            began = time.monotonic()
            await asyncio.to_thread(hurt)
            await asyncio.sleep(pause)
            await asyncio.to_thread(heal)
            await self._recovery(load, pool, name, number, began)

    async def _restart_postgres(self, load: Load, pool: asyncpg.Pool, number: int) -> None:
        postgres = self.cluster.postgres
        load.phase = "pg restart"
        stop_probing = asyncio.Event()
        probes: list[Probe] = []
        probing = asyncio.create_task(self._probe_ready(probes, stop_probing))
        await asyncio.sleep(0.3)
        crash_began = time.monotonic()
        await asyncio.to_thread(postgres.crash)
        crashed = time.monotonic()
        await asyncio.sleep(self.profile.postgres_down)
        started = time.monotonic()
        await asyncio.to_thread(postgres.start)
        outage = Outage(number, crash_began, crashed, started)
        deadline = started + self.profile.converge_timeout
        while time.monotonic() < deadline and (
            outage.write_recovery is None or outage.ready_recovery is None
        ):
            accepted = [
                o.sent_at + o.seconds
                for o in load.ledger.outcomes
                if o.kind != "read" and o.sent_at >= started and o.status and o.status < 300
            ]
            if accepted and outage.write_recovery is None:
                outage.write_recovery = min(accepted) - started
            ready = [
                p.sent_at + p.seconds for p in probes if p.sent_at >= started and p.status == 200
            ]
            if ready and outage.ready_recovery is None:
                outage.ready_recovery = min(ready) - started
            await asyncio.sleep(0.1)
        stop_probing.set()
        await probing
        outage.probes = probes
        outage.writes = [
            o
            for o in load.ledger.outcomes
            if o.kind != "read" and outage.inside(o.sent_at, o.seconds)
        ]
        load.phase = "pg recovered"
        async with pool.acquire() as conn:
            target = await head(conn)
        seconds, late = await wait_caught_up(
            pool, target, self.projections, self.profile.converge_timeout
        )
        self.report.faults.append(
            Fault("PostgreSQL restart", number, started - crashed, seconds, late)
        )
        self.report.outages.append(outage)
        await asyncio.sleep(self.profile.load_seconds)
        load.phase = "steady"

    async def _cut_worker_connections(self, load: Load, pool: asyncpg.Pool, number: int) -> None:
        """Terminate the relay's and projection worker's database connections a few times,
        as a proxy or a failover does, while PostgreSQL itself stays up."""
        name = "worker connections cut"
        load.phase = name
        began = time.monotonic()
        for _ in range(5):
            async with pool.acquire() as conn:
                await conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE usename = 'tinget_worker'"
                )
            await asyncio.sleep(0.4)
        await self._recovery(load, pool, name, number, began)

    async def _recovery(
        self, load: Load, pool: asyncpg.Pool, name: str, number: int, began: float
    ) -> None:
        """Under load, how long after a fault ended the relay and read models reached what
        the store held then; recorded as one fault of the report."""
        healed = time.monotonic()
        async with pool.acquire() as conn:
            target = await head(conn)
        waiting = asyncio.create_task(
            wait_caught_up(pool, target, self.projections, self.profile.converge_timeout)
        )
        await asyncio.sleep(self.profile.load_seconds)
        seconds, late = await waiting
        load.phase = "steady"
        self.report.faults.append(Fault(name, number, healed - began, seconds, late))

    async def _probe_ready(self, probes: list[Probe], stop: asyncio.Event) -> None:
        async with httpx.AsyncClient(base_url=self.cluster.base_url, timeout=15) as client:
            while not stop.is_set():
                sent = time.monotonic()
                try:
                    response = await client.get("/ready")
                    probe = Probe(
                        sent,
                        response.status_code,
                        time.monotonic() - sent,
                        response.headers.get("content-type", "").startswith(
                            "application/problem+json"
                        ),
                        response.headers.get("retry-after"),
                    )
                except httpx.HTTPError:
                    probe = Probe(sent, None, time.monotonic() - sent, False, None)
                probes.append(probe)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=0.2)

    async def _prove(self, load: Load, pool: asyncpg.Pool) -> None:
        report = self.report
        ledger = load.ledger
        report.outcomes = ledger.outcomes
        report.accepted = Counter(w.kind for w in ledger.writes)
        report.unanswered_writes = ledger.unanswered_writes()
        in_doubt = [
            o for o in ledger.outcomes if any(outage.in_doubt(o) for outage in report.outages)
        ]
        report.in_doubt_writes = len(in_doubt)
        report.gateway_starts = self.cluster.gateway.starts

        # Settle: the relay and every read model reach the head, and the head stays put
        # (policies may append a threshold or a badge while catching up).
        began = time.monotonic()
        settled: float | None = None
        while time.monotonic() - began < self.profile.converge_timeout:
            async with pool.acquire() as conn:
                target = await head(conn)
            seconds, report.still_behind = await wait_caught_up(
                pool, target, self.projections, self.profile.converge_timeout
            )
            async with pool.acquire() as conn:
                if seconds is not None and await head(conn) == target:
                    settled = time.monotonic() - began
                    break
        report.settle_seconds = settled

        async with pool.acquire() as conn:
            report.lost = [
                f"{w.kind} {w.tenant_id}/{w.stream_id}"
                for w in await lost_writes(conn, ledger.writes)
            ]
            report.events_stored = int(await conn.fetchval("SELECT count(*) FROM events"))
            not_stored = set(await lost_writes(conn, ledger.refused))
            stored = [w for w in ledger.refused if w not in not_stored]
            # A refused write is in doubt when one of its kind was refused in flight at a crash.
            doubtful_kinds = Counter(o.kind for o in in_doubt)
            for write in stored:
                if doubtful_kinds[write.kind] > 0:
                    doubtful_kinds[write.kind] -= 1
                    report.refused_but_stored_in_doubt += 1
                else:
                    report.refused_but_stored.append(f"{write.kind} {write.stream_id}")
            report.stream = await check_stream(conn, self.cluster.inspector_url)
        report.http_mismatches, report.http_compared = await http_mismatches(
            self.cluster.base_url,
            self.tenants,
            ledger.writes,
            report.unanswered_writes + report.in_doubt_writes,
        )

        # The live read models against a rebuild from PostgreSQL alone, with the projection
        # worker stopped so nothing writes meanwhile.
        await asyncio.to_thread(self.cluster.projections.stop)
        async with open_platform(self.addresses, with_nats=False, pool_size=4) as platform:
            report.read_model_differences = await _compare_with_rebuild(platform, report)


async def _compare_with_rebuild(platform: Platform, report: Report) -> dict[str, str]:
    live = await snapshot(platform)
    report.read_model_rows = sum(len(rows) for rows in live.values())
    before = await platform.reader.head()
    await rebuild_all(platform)
    rebuilt = await snapshot(platform)
    report.policy_appends_on_rebuild = await platform.reader.count_after(before)
    return differences(live, rebuilt)


async def _until_ready(client: httpx.AsyncClient, patience: float) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if (await client.get("/ready")).status_code == 200:
                return
        await asyncio.sleep(0.1)
    raise AssertionError("the gateway never said it was ready")


async def run_scenario(profile: Profile, root: Path) -> tuple[Report, str]:
    """Run the whole scenario on a private cluster under ``root``; the report and the parts'
    last log lines."""
    with private_cluster(root) as cluster:
        try:
            report = await Scenario(profile, cluster).run()
        finally:
            logs = cluster.logs()
    return report, logs
