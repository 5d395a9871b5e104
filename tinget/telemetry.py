"""Process set-up for traces and metrics, and the watcher that keeps the health gauges fresh.

Traces go to an OpenTelemetry Collector over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set; the exporter reads the standard ``OTEL_*``
variables, and ``OTEL_SERVICE_NAME`` names the process (default ``tinget-<part>``). Without
them no spans are recorded at all. Metrics are served for Prometheus on
``TINGET_METRICS_PORT`` when it is set, by every part: gateway, relay and projection worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

import structlog
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer

from events import metrics, tracing
from events.leadership import sleep_or_stop
from projections.runtime import PROJECTIONS_CONSUMER, consumer_lag
from tinget.bootstrap import AppPlatform, Platform

log = structlog.get_logger(__name__)

OTLP_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")


def configure_tracing(part: str, env: dict[str, str] | None = None) -> bool:
    """Export spans over OTLP when a collector is configured; return whether tracing is on."""
    e = os.environ if env is None else env
    if not any(e.get(name) for name in OTLP_VARIABLES) or tracing.enabled():
        return tracing.enabled()
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    name = e.get("OTEL_SERVICE_NAME") or f"tinget-{part}"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    tracing.install(provider)
    log.info("traces exported over OTLP", service=name)
    return True


@dataclass
class Readiness:
    """Whether this process can do its work: the services it ``needs`` answered at the last
    check. The gateway needs PostgreSQL alone (a write needs nothing else); the relay and the
    projection workers need PostgreSQL and NATS."""

    needs: frozenset[str]
    checks: dict[str, str] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(self.checks.get(service) == "ok" for service in self.needs)


def readiness_for(parts: tuple[str, ...]) -> Readiness:
    workers = "relay" in parts or "projections" in parts
    return Readiness(frozenset({"postgresql", "nats"} if workers else {"postgresql"}))


def serve_metrics(host: str, port: int, readiness: Readiness | None = None) -> None:
    """Serve this process's metrics for Prometheus, ``/health`` (the process answers) and
    ``/ready`` (what ``readiness`` needs answered at the last check: 200, else 503), on a
    thread of their own so a busy event loop does not fail the probes."""
    metrics_app = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in ("/health", "/ready"):
            answer: Iterable[bytes] = metrics_app(environ, start_response)
            return answer
        ok = path == "/health" or (readiness is not None and readiness.ready)
        body: dict[str, Any] = {"status": "ok" if ok else "not ready"}
        if path == "/ready" and readiness is not None:
            body["checks"] = dict(readiness.checks)
        status = "200 OK" if ok else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    server = make_server(host, port, app, ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics served", host=host, port=port)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Probes and scrapes leave no line each."""


async def watch(
    platform: AppPlatform,
    stop: asyncio.Event,
    *,
    relay: bool = False,
    projections: bool = False,
    every: float = 5.0,
    readiness: Readiness | None = None,
) -> None:
    """Refresh the health and lag gauges (and ``readiness``) every ``every`` seconds until
    ``stop``."""
    while not stop.is_set():
        checks = await refresh(platform, relay=relay, projections=projections)
        if readiness is not None:
            readiness.checks = checks
        await sleep_or_stop(stop, every)


async def refresh(
    platform: AppPlatform, *, relay: bool = False, projections: bool = False
) -> dict[str, str]:
    """Measure once: PostgreSQL (and NATS, where this process uses it) up, the pools' use,
    and (where asked, in a worker process) relay lag with the events a running transaction
    holds behind the log's horizon, and read-model lag. A measurement that fails
    leaves its gauge as it was and marks the service down. A gateway process has only the app
    role's pool and no NATS: it reports neither the worker pool nor NATS."""
    for name, pool in platform.pools().items():
        size, idle = pool.get_size(), pool.get_idle_size()
        metrics.POOL_CONNECTIONS.labels(name, "busy").set(size - idle)
        metrics.POOL_CONNECTIONS.labels(name, "idle").set(idle)
        metrics.POOL_MAX_CONNECTIONS.labels(name).set(pool.get_max_size())
    checks = await platform.health()
    postgres_up, nats_up = checks["postgresql"] == "ok", checks.get("nats") == "ok"
    metrics.SERVICE_UP.labels("postgresql").set(1 if postgres_up else 0)
    if "nats" in checks:
        metrics.SERVICE_UP.labels("nats").set(1 if nats_up else 0)
    if not isinstance(platform, Platform):
        return checks
    if postgres_up and relay:
        with suppress(Exception):
            lag = await platform.relay().lag()
            metrics.RELAY_LAG_EVENTS.set(lag.events)
            metrics.RELAY_LAG_SECONDS.set(lag.seconds)
        with suppress(Exception):
            held, seconds = await platform.reader.held_behind_horizon()
            metrics.LOG_HORIZON_HELD_EVENTS.set(held)
            metrics.LOG_HORIZON_HELD_SECONDS.set(seconds)
    if postgres_up and projections:
        with suppress(Exception):
            for name, (_, behind) in (await platform.read_model_lag()).items():
                metrics.PROJECTION_LAG_EVENTS.labels(name).set(behind)
    connection = platform.consumer
    if nats_up and projections and connection is not None:
        with suppress(Exception):
            pending = await consumer_lag(
                connection[1], platform.addresses.stream_name, PROJECTIONS_CONSUMER
            )
            metrics.CONSUMER_PENDING.set(pending)
    return checks
