"""What every bench shares: fresh databases and streams, payloads, percentiles, targets, output.

Addresses come from ``TINGET_DATABASE_URL`` (a superuser on the server the benches may create
databases on) and ``TINGET_NATS_URL``. Every database is ``tinget_bench_<hex>``, created for one
run and dropped at its end; every JetStream stream is ``TINGET_BENCH_<HEX>`` over the subjects
``tinget_bench_<hex>.>``, deleted at the end.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import asyncpg
import msgspec
import nats
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from events.db import APP_ROLE, WORKER_ROLE, url_for_role
from events.relay import ensure_stream
from events.repository import EventMetadata
from events.store import LogReader
from tenants.migrate import migrate
from tinget.contexts import migrations

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_NATS_URL = "nats://127.0.0.1:4222"
DATABASE_PREFIX = "tinget_bench"


def server_url() -> str:
    """The owner (superuser) URL of the server the benches create their databases on."""
    return os.environ.get("TINGET_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL


def nats_url() -> str:
    return os.environ.get("TINGET_NATS_URL", "").strip() or DEFAULT_NATS_URL


def with_database(url: str, name: str) -> str:
    """The same server and user, another database."""
    return urlunsplit(urlsplit(url)._replace(path="/" + quote(name)))


def redact(url: str) -> str:
    """A URL fit to print: without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


@dataclass(frozen=True)
class ServerAddress:
    """The pieces of a PostgreSQL URL, for clients configured by parts (eventsourcing)."""

    host: str
    port: int
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> ServerAddress:
        parts = urlsplit(url)
        return cls(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "postgres"),
            password=unquote(parts.password or ""),
        )


# --- fresh databases ---------------------------------------------------------------------


@dataclass(frozen=True)
class BenchDatabase:
    """A database made for one run: its name and a URL per role."""

    name: str
    owner_url: str

    @property
    def app_url(self) -> str:
        return url_for_role(self.owner_url, APP_ROLE)

    @property
    def worker_url(self) -> str:
        return url_for_role(self.owner_url, WORKER_ROLE)


def fresh_name(suffix: str = "") -> str:
    return f"{DATABASE_PREFIX}_{secrets.token_hex(4)}{suffix}"


@asynccontextmanager
async def fresh_database(
    *, server: str | None = None, migrated: bool = True, suffix: str = ""
) -> AsyncIterator[BenchDatabase]:
    """Create a database (migrated to Tinget's schema unless told not to); drop it afterwards."""
    base = server or server_url()
    name = fresh_name(suffix)
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    database = BenchDatabase(name=name, owner_url=with_database(base, name))
    say(f"database {name} created")
    try:
        if migrated:
            conn = await asyncpg.connect(database.owner_url)
            try:
                applied = await migrate(conn, migrations())
            finally:
                await conn.close()
            say(f"database {name} migrated: {', '.join(applied)}")
        yield database
    finally:
        admin = await asyncpg.connect(base)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        say(f"database {name} dropped")


async def wait_for_horizon(reader: LogReader, head: int, *, patience: float = 60.0) -> float:
    """Wait until the log is readable up to ``head``; return the seconds waited.

    Readers stop below the oldest transaction still running on the server (any database's),
    so an open transaction elsewhere would cut a timed read short.
    """
    if head <= 0:
        return 0.0
    start = time.perf_counter()
    while not await reader.read(head - 1, 1):
        waited = time.perf_counter() - start
        if waited > patience:
            raise RuntimeError(
                f"the log stayed unreadable up to position {head} for {patience:g} s: is a"
                " long transaction open on the server? (the log horizon is server-wide)"
            )
        await asyncio.sleep(0.05)
    waited = time.perf_counter() - start
    if waited > 0.05:
        say(f"waited {waited:.2f} s for the log horizon to pass the head")
    return waited


async def server_version(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


# --- fresh JetStream streams ---------------------------------------------------------------


@dataclass(frozen=True)
class BenchStream:
    nc: NatsClient
    js: JetStreamContext
    name: str
    prefix: str


@asynccontextmanager
async def fresh_stream(url: str | None = None) -> AsyncIterator[BenchStream]:
    """A JetStream stream of its own (Tinget's own stream config); deleted afterwards."""
    token = secrets.token_hex(4)
    name = f"TINGET_BENCH_{token.upper()}"
    prefix = f"{DATABASE_PREFIX}_{token}"
    nc = await nats.connect(
        url or nats_url(),
        name="tinget-bench",
        connect_timeout=5,
        max_reconnect_attempts=5,
        reconnect_time_wait=0.5,
    )
    try:
        js = nc.jetstream()
        await ensure_stream(js, name, prefix)
        say(f"stream {name} created (subjects {prefix}.>)")
        try:
            yield BenchStream(nc=nc, js=js, name=name, prefix=prefix)
        finally:
            try:
                await js.delete_stream(name)
                say(f"stream {name} deleted")
            except NotFoundError:
                pass
    finally:
        await nc.close()


# --- payloads ------------------------------------------------------------------------------

_TITLES = (
    "Fler cykelställ vid stationen",
    "Belysning längs gångvägen till skolan",
    "Öppna biblioteket på söndagar",
    "Ny lekplats i Norra parken",
    "Sänkt hastighet på Storgatan",
    "Bättre snöröjning av cykelbanor",
)
_CATEGORIES = ("traffic", "schools", "culture", "parks", "care", "housing")
_DISTRICTS = ("centrum", "norr", "söder", "öster", "väster", "hamnen", "skogsby")
_encoder = msgspec.json.Encoder()


def sample_data(seq: int) -> bytes:
    """A citizen proposal of about 100 bytes of JSON, varied by ``seq``."""
    return _encoder.encode(
        {
            "title": _TITLES[seq % len(_TITLES)],
            "category": _CATEGORIES[seq % len(_CATEGORIES)],
            "district": _DISTRICTS[seq % len(_DISTRICTS)],
            "seq": seq,
        }
    )


def sample_metadata(seq: int) -> bytes:
    """Metadata as the repository writes it: actor, role, request and trace ids."""
    return _encoder.encode(
        EventMetadata(
            actor=f"citizen-{seq % 100_000:05d}",
            role="citizen",
            request_id=secrets.token_hex(8),
        )
    )


# --- figures -------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of already sorted values, linearly interpolated."""
    if not sorted_values:
        return math.nan
    if len(sorted_values) == 1:
        return float(sorted_values[0])
    rank = (len(sorted_values) - 1) * q / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    fraction = rank - low
    return float(sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction)


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p90, p99, p99.9, mean and max of per-call latencies, in milliseconds."""
    ordered = sorted(seconds)
    if not ordered:
        return dict.fromkeys(
            ("p50_ms", "p90_ms", "p99_ms", "p999_ms", "mean_ms", "max_ms"), math.nan
        )
    return {
        "p50_ms": round(percentile(ordered, 50) * 1000, 3),
        "p90_ms": round(percentile(ordered, 90) * 1000, 3),
        "p99_ms": round(percentile(ordered, 99) * 1000, 3),
        "p999_ms": round(percentile(ordered, 99.9) * 1000, 3),
        "mean_ms": round(sum(ordered) / len(ordered) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else math.nan


def ratio(numerator: float, denominator: float) -> float:
    if denominator <= 0 or math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    return round(numerator / denominator, 3)


@dataclass(frozen=True)
class Target:
    """A figure and the bound it should meet: at least (``>=``) or at most (``<=``)."""

    name: str
    value: float
    bound: float
    at_least: bool = True
    unit: str = ""

    @property
    def passed(self) -> bool:
        if math.isnan(self.value):
            return False
        return self.value >= self.bound if self.at_least else self.value <= self.bound

    def line(self) -> str:
        sign = ">=" if self.at_least else "<="
        mark = "PASS" if self.passed else "FAIL"
        return (
            f"  [{mark}] {self.name}: {number(self.value)}{self.unit}"
            f" (target {sign} {number(self.bound)}{self.unit})"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": self.value,
            "target": (">= " if self.at_least else "<= ") + f"{self.bound:g}",
            "passed": self.passed,
        }


def report_targets(targets: Sequence[Target]) -> dict[str, Any]:
    """Print every target with its PASS/FAIL mark; return them for the JSON line."""
    say("targets:")
    for target in targets:
        say(target.line())
    return {
        "targets": [t.as_dict() for t in targets],
        "all_targets_passed": all(t.passed for t in targets),
    }


def number(value: float) -> str:
    """A figure for people: thousands separated, few decimals."""
    if isinstance(value, int):
        return f"{value:,}"
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.1f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"


def say(text: str = "") -> None:
    print(text, flush=True)


def figure(label: str, value: float, unit: str = "", note: str = "") -> None:
    say(f"  {label:<34} {number(value):>12} {unit}{'  ' + note if note else ''}".rstrip())


def emit(result: Mapping[str, Any]) -> None:
    """Print all figures as one JSON object: always the last line of a bench's output."""
    sys.stdout.flush()
    print(json.dumps(_json_safe(result), ensure_ascii=False, separators=(",", ":")), flush=True)


def _json_safe(value: Any) -> Any:
    """NaN and infinity are not JSON: write them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
