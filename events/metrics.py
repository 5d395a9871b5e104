"""Tinget's own Prometheus metrics, in one place (the HTTP ones come from the gateway).

Names are what the Grafana dashboard (``infra/grafana/tinget.json``) and the alert rules
(``infra/prometheus/alerts.yml``) query. No label carries a person, a dialog or a request. Two
counters carry the tenant, as one series per municipality is cheap for them and tells an
operator which municipality is busy or whose mail does not go out: the events appended, and the
notification deliveries by outcome. The others do not: the request metrics already have a series
per route and status (times every tenant would be too many), and the lag, pool and health gauges
measure one log, one pool or one server that every tenant shares. Tenants are in the traces and
the log lines for the rest.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Metric
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

_SIZES = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

APPEND_BATCH_EVENTS = Histogram(
    "tinget_append_batch_events",
    "Events committed per group commit of the event store",
    buckets=_SIZES,
)
APPEND_SECONDS = Histogram(
    "tinget_append_seconds",
    "Time to commit one group of appends (one tinget_append statement)",
    buckets=_SECONDS,
)
APPENDED_EVENTS = Counter(
    "tinget_appended_events", "Events committed to the store, by tenant", ["tenant"]
)
APPEND_CONFLICTS = Counter(
    "tinget_append_conflicts", "Appends refused for a version conflict (one per person and poll)"
)
APPEND_FAILURES = Counter("tinget_append_failures", "Group commits that failed as a whole")
APPEND_REFUSED = Counter(
    "tinget_append_refused", "Appends refused at once because too many waited for a commit"
)

RELAY_PUBLISHED = Counter("tinget_relay_published_events", "Events the relay published")
RELAY_DUPLICATES = Counter(
    "tinget_relay_duplicate_events", "Events JetStream already had when the relay re-sent them"
)
RELAY_BATCH_SECONDS = Histogram(
    "tinget_relay_batch_seconds",
    "Time to publish one batch and have every event acked",
    buckets=_SECONDS,
)
RELAY_FAILURES = Counter("tinget_relay_failures", "Relay batches that failed and were retried")
RELAY_LAG_EVENTS = Gauge("tinget_relay_lag_events", "Events committed but not yet published")
RELAY_LAG_SECONDS = Gauge(
    "tinget_relay_lag_seconds", "Age of the oldest committed event not yet published"
)
LOG_HORIZON_HELD_EVENTS = Gauge(
    "tinget_log_horizon_held_events",
    "Committed events no reader of the log may read yet, as an older transaction still runs",
)
LOG_HORIZON_HELD_SECONDS = Gauge(
    "tinget_log_horizon_held_seconds",
    "Age of the oldest committed event held back by a transaction still running",
)

PROJECTION_APPLIED = Counter(
    "tinget_projection_applied_events", "Events a read model applied", ["projection"]
)
PROJECTION_BATCH_SECONDS = Histogram(
    "tinget_projection_batch_seconds",
    "Time for a read model to apply one batch in its transaction",
    ["projection"],
    buckets=_SECONDS,
)
PROJECTION_FAILURES = Counter(
    "tinget_projection_failures", "Batches a read model failed to apply", ["projection"]
)
PROJECTION_REFUSED = Counter(
    "tinget_projection_refused_messages",
    "Messages from NATS not applied because the store holds no such event at their position",
)
PROJECTION_LAG_EVENTS = Gauge(
    "tinget_projection_lag_events",
    "Events in the store a read model has not applied",
    ["projection"],
)
CONSUMER_PENDING = Gauge(
    "tinget_projection_consumer_pending",
    "Messages the projection worker's JetStream consumer has not had acknowledged",
)

NOTIFICATION_DELIVERIES = Counter(
    "tinget_notification_deliveries",
    "Attempts of the notification sender by outcome: sent, retrying (failed, tried again"
    " later), failed (given up), skipped (nothing to send to), deferred (held for the digest)",
    ["tenant", "channel", "outcome"],
)

SERVICE_UP = Gauge(
    "tinget_service_up", "1 when a service Tinget depends on answers, else 0", ["service"]
)
POOL_CONNECTIONS = Gauge(
    "tinget_db_pool_connections", "Connections of a PostgreSQL pool", ["pool", "state"]
)
POOL_MAX_CONNECTIONS = Gauge(
    "tinget_db_pool_max_connections",
    "Connections a PostgreSQL pool may open; with all of them busy, the next acquire waits",
    ["pool"],
)


class RequestMetrics(Collector):
    """HTTP requests by method, route template and status: their count, their duration as a
    histogram, and how many are in flight.

    Counted in plain lists on the request path (a dict lookup, a bisect and three additions,
    about 1 µs) and turned into Prometheus families only when scraped; prometheus_client's
    labelled Counter and Histogram, with a lock per value, took about 9 µs of every vote.
    """

    BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

    def __init__(self) -> None:
        # per series: [count, sum of seconds, one count per bucket, then beyond the last]
        self._series: dict[tuple[str, str, int], list[float]] = {}
        self.in_flight = 0

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        series = self._series.get((method, route, status))
        if series is None:
            series = self._series[(method, route, status)] = [0.0] * (len(self.BUCKETS) + 3)
        series[0] += 1
        series[1] += seconds
        series[2 + bisect.bisect_left(self.BUCKETS, seconds)] += 1

    def collect(self) -> Iterator[Metric]:
        labels = ["method", "path", "status_code"]
        requests = CounterMetricFamily(
            "tinget_requests", "HTTP requests answered, by route template and status", labels=labels
        )
        duration = HistogramMetricFamily(
            "tinget_request_duration_seconds",
            "Time from a request's arrival to its last byte, by route template and status",
            labels=labels,
        )
        for (method, route, status), series in list(self._series.items()):
            values = [method, route, str(status)]
            requests.add_metric(values, series[0])
            cumulative = list(itertools.accumulate(series[2:]))
            buckets = [(str(b), c) for b, c in zip(self.BUCKETS, cumulative, strict=False)]
            buckets.append(("+Inf", cumulative[-1]))
            duration.add_metric(values, buckets, series[1])
        yield requests
        yield duration
        yield GaugeMetricFamily(
            "tinget_requests_in_progress", "HTTP requests being served", value=self.in_flight
        )


HTTP = RequestMetrics()
REGISTRY.register(HTTP)
