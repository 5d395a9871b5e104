"""Process set-up for traces and metrics, and the watcher that keeps the health gauges fresh.

Traces go to an OpenTelemetry Collector over OTLP/HTTP when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set; the exporter reads the standard ``OTEL_*``
variables, and ``OTEL_SERVICE_NAME`` names the process (default ``tinget-<part>``). Without
them no spans are recorded at all. Metrics are served for Prometheus on
``TINGET_METRICS_PORT`` when it is set, by every part: gateway, relay and projection worker.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import suppress

import structlog
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from prometheus_client import start_http_server

from events import metrics, tracing
from events.leadership import sleep_or_stop
from projections.runtime import PROJECTIONS_CONSUMER, consumer_lag
from tinget.bootstrap import Platform

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


def serve_metrics(host: str, port: int) -> None:
    """Serve this process's metrics for Prometheus (a thread of prometheus_client's)."""
    start_http_server(port, addr=host)
    log.info("metrics served", host=host, port=port)


async def watch(
    platform: Platform,
    stop: asyncio.Event,
    *,
    relay: bool = False,
    projections: bool = False,
    every: float = 5.0,
) -> None:
    """Refresh the health and lag gauges every ``every`` seconds until ``stop``."""
    while not stop.is_set():
        await refresh(platform, relay=relay, projections=projections)
        await sleep_or_stop(stop, every)


async def refresh(platform: Platform, *, relay: bool = False, projections: bool = False) -> None:
    """Measure once: PostgreSQL and NATS up, pool use, and (where asked) relay and read-model
    lag. A measurement that fails leaves its gauge as it was and marks the service down."""
    for name, pool in (("app", platform.app_pool), ("worker", platform.worker_pool)):
        size, idle = pool.get_size(), pool.get_idle_size()
        metrics.POOL_CONNECTIONS.labels(name, "busy").set(size - idle)
        metrics.POOL_CONNECTIONS.labels(name, "idle").set(idle)
    checks = await platform.health()
    postgres_up, nats_up = checks["postgresql"] == "ok", checks["nats"] == "ok"
    metrics.SERVICE_UP.labels("postgresql").set(1 if postgres_up else 0)
    metrics.SERVICE_UP.labels("nats").set(1 if nats_up else 0)
    if postgres_up and relay:
        with suppress(Exception):
            lag = await platform.relay().lag()
            metrics.RELAY_LAG_EVENTS.set(lag.events)
            metrics.RELAY_LAG_SECONDS.set(lag.seconds)
    if postgres_up and projections:
        with suppress(Exception):
            for name, (_, behind) in (await platform.read_model_lag()).items():
                metrics.PROJECTION_LAG_EVENTS.labels(name).set(behind)
    if nats_up and projections and platform.js is not None:
        with suppress(Exception):
            pending = await consumer_lag(
                platform.js, platform.addresses.stream_name, PROJECTIONS_CONSUMER
            )
            metrics.CONSUMER_PENDING.set(pending)
