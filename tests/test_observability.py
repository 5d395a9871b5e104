"""Observability: one action traced from HTTP through the store and NATS into every read model;
metrics for Prometheus; JSON log lines with tenant, request and trace ids and no personal data."""

from __future__ import annotations

import asyncio
import io
import json
import re
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import structlog
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.metrics import MetricWrapperBase

from events import metrics, tracing
from projections.runtime import LiveConsumer, consumer_lag
from services.identity.access import Role
from tests.api import create_town, device_token, open_dialog, staff_token
from tests.smtp import free_port
from tests.test_projections import relay_all
from tinget import telemetry
from tinget.app import build_app
from tinget.bootstrap import Platform
from tinget.logs import configure_logging

_EXPORTER = InMemorySpanExporter()
DASHBOARD = Path(__file__).parents[1] / "infra" / "grafana" / "tinget.json"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Spans recorded by the real SDK into memory (the process's tracer provider is set once)."""
    if not tracing.enabled():
        provider = TracerProvider()
        tracing.install(provider)
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


@pytest.fixture
async def traced_client(
    spans: InMemorySpanExporter, platform: Platform
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=build_app(platform))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def consume_all(platform: Platform, durable: str) -> None:
    """Feed every read model from NATS until the consumer has nothing left."""
    assert platform.js is not None
    js = platform.js
    stop = asyncio.Event()
    consumer = LiveConsumer(platform.projections, durable=durable)
    task = asyncio.create_task(platform.consume(consumer, stop, from_store=False))
    try:
        async with asyncio.timeout(30):
            while True:
                await asyncio.sleep(0.05)
                try:
                    if await consumer_lag(js, platform.addresses.stream_name, durable) == 0:
                        break
                except Exception:
                    continue
    finally:
        stop.set()
        await task


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


async def test_one_post_is_traced_from_http_through_the_relay_into_each_read_model(
    spans: InMemorySpanExporter, traced_client: httpx.AsyncClient, platform: Platform
) -> None:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@lund.example", Role.ADMINISTRATOR)
    dialog = await open_dialog(traced_client, town, admin)
    citizen = await device_token(traced_client, town)
    spans.clear()

    posted = await traced_client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts",
        json={"body": "A crossing by the school"},
        headers=town.headers(citizen),
    )
    assert posted.status_code == 201, posted.text
    await relay_all(platform)
    await consume_all(platform, "traced")

    recorded = spans.get_finished_spans()
    server = [s for s in recorded if s.kind == trace.SpanKind.SERVER]
    assert len(server) == 1
    http = server[0]
    trace_id = http.context.trace_id
    assert http.attributes is not None
    assert http.attributes["tinget.tenant"] == town.slug
    ours = [s for s in recorded if s.context.trace_id == trace_id]
    append = [s for s in ours if s.name == "tinget.append"]
    assert len(append) == 1
    assert parent_of(append[0]) == http.context.span_id
    assert append[0].attributes is not None
    assert append[0].attributes.get("tinget.event_types") == ("PostSubmitted",)

    publish = [s for s in ours if s.kind == trace.SpanKind.PRODUCER]
    assert [s.name for s in publish] == ["publish PostSubmitted"]
    assert parent_of(publish[0]) == append[0].context.span_id

    applied = [s for s in ours if s.kind == trace.SpanKind.CONSUMER]
    wanted = sorted(
        r.projection.name
        for r in platform.projections
        if "PostSubmitted" in r.projection.event_types
    )
    assert len(wanted) >= 3  # the posts listing, the dashboards and the audit trail at least
    assert sorted(s.name.rsplit(" ", 1)[1] for s in applied) == wanted
    assert all(parent_of(s) == publish[0].context.span_id for s in applied)

    # the trace context travels in the NATS message's headers
    assert platform.js is not None
    message = await platform.js.get_last_msg(
        platform.addresses.stream_name,
        f"{platform.addresses.subject_prefix}.{town.slug}.participation.PostSubmitted",
    )
    assert message.headers is not None
    assert message.headers["traceparent"].split("-")[1] == f"{trace_id:032x}"


async def test_metrics_cover_requests_appends_relay_and_projection_lag(
    client: httpx.AsyncClient, platform: Platform
) -> None:
    town = await create_town(platform)
    admin = await staff_token(platform, town, "admin@lund.example", Role.ADMINISTRATOR)
    dialog = await open_dialog(client, town, admin)
    for _ in range(3):
        citizen = await device_token(client, town)
        await client.post(
            f"/api/v1/dialogs/{dialog['id']}/posts",
            json={"body": "More benches"},
            headers=town.headers(citizen),
        )
    refused = await client.post(
        f"/api/v1/dialogs/{dialog['id']}/posts", json={"body": 5}, headers=town.headers(citizen)
    )
    assert refused.status_code == 400
    await telemetry.refresh(platform, relay=True, projections=True)
    before = _samples()
    assert before["tinget_relay_lag_events"][()] > 0

    await platform.catch_up_projections()  # policies append too (a first post's badge)
    await relay_all(platform)
    await telemetry.refresh(platform, relay=True, projections=True)
    after = _samples()

    route = "/api/v1/dialogs/{dialog_id}/posts"
    assert after["tinget_requests_total"][("POST", route, "201")] >= 3
    assert after["tinget_requests_total"][("POST", route, "400")] >= 1
    assert after["tinget_request_duration_seconds_count"][("POST", route, "201")] >= 3
    assert after["tinget_appended_events_total"][(town.slug,)] >= 3
    assert after["tinget_append_batch_events_count"][()] >= 1
    assert after["tinget_relay_lag_events"][()] == 0
    assert after["tinget_relay_published_events_total"][()] > 0
    assert after["tinget_service_up"][("postgresql",)] == 1
    assert after["tinget_service_up"][("nats",)] == 1
    lags = after["tinget_projection_lag_events"]
    assert {name for (name,) in lags} == {r.projection.name for r in platform.projections}
    assert all(value == 0 for value in lags.values())


def _samples() -> dict[str, dict[tuple[str, ...], float]]:
    """The default registry's samples, by name and label values."""
    out: dict[str, dict[tuple[str, ...], float]] = {}
    for family in REGISTRY.collect():
        for sample in family.samples:
            out.setdefault(sample.name, {})[tuple(sample.labels.values())] = sample.value
    return out


async def test_the_grafana_dashboard_queries_only_metrics_tinget_exports(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/health")).status_code == 200  # the HTTP metrics exist from then
    dashboard = json.loads(await asyncio.to_thread(DASHBOARD.read_text))
    exprs = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    assert len(exprs) >= 10
    exported = set(re.findall(r"^# TYPE (\S+) (\w+)", generate_latest().decode(), re.M))
    names = {name for name, _ in exported}
    suffixed = names | {f"{n}_{s}" for n in names for s in ("bucket", "count", "sum", "total")}
    queried = {m for e in exprs for m in re.findall(r"\b(tinget_[a-z_]+)", e)}
    missing = queried - suffixed
    assert not missing, f"the dashboard queries metrics nobody exports: {sorted(missing)}"
    for topic in ("request", "append", "relay_lag", "projection_lag", "service_up"):
        assert any(topic in e for e in exprs), topic


def _families_with_a_tenant() -> set[str]:
    """The metrics of events/metrics.py that carry a tenant label."""
    return {
        m._name
        for m in vars(metrics).values()
        if isinstance(m, MetricWrapperBase) and "tenant" in m._labelnames
    }


def test_the_dashboard_filters_by_tenant_every_query_of_a_metric_that_has_one() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells = [
        (p["gridPos"]["x"] + dx, p["gridPos"]["y"] + dy)
        for p in panels
        for dx in range(p["gridPos"]["w"])
        for dy in range(p["gridPos"]["h"])
    ]
    assert len(cells) == len(set(cells)), "panels overlap"
    assert all(x < 24 for x, _ in cells)

    tenanted = _families_with_a_tenant()
    # the choice docs/deploy.md explains: cheap counters by tenant, nothing per request
    assert tenanted == {"tinget_appended_events", "tinget_notification_deliveries"}
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    tenant = variables["tenant"]
    query = re.fullmatch(r"label_values\((tinget_[a-z_]+)_total, tenant\)", tenant["query"])
    assert query is not None, tenant["query"]
    assert query.group(1) in tenanted, tenant["query"]
    assert (tenant["type"], tenant["includeAll"], tenant["allValue"]) == ("query", True, ".*")

    filtered: set[str] = set()
    for panel in panels:
        for target in panel.get("targets", []):
            expr = target["expr"]
            names = re.findall(r"\btinget_[a-z_]+\b", expr)
            selectors = re.findall(r"\b(tinget_[a-z_]+)\{([^}]*)\}", expr)
            assert len(selectors) == len(names), f"a metric without a selector: {expr}"
            for name, labels in selectors:
                family = re.sub(r"_(total|bucket|count|sum)$", "", name)
                if family in tenanted:
                    assert 'tenant=~"$tenant"' in labels, f"{panel['title']}: {expr}"
                    filtered.add(family)
                else:  # the label does not exist there: filtering would show nothing
                    assert "$tenant" not in labels, f"{panel['title']}: {expr}"
    assert filtered == tenanted


async def test_log_lines_are_json_with_tenant_request_and_trace_ids_and_no_personal_data(
    spans: InMemorySpanExporter, traced_client: httpx.AsyncClient, platform: Platform
) -> None:
    town = await create_town(platform)
    out = io.StringIO()
    configure_logging("INFO", json=True, stream=out, cache=False)
    try:
        response = await traced_client.post(
            "/api/v1/sign-in/email",
            json={"email": "karin.svensson@lund.example"},
            headers={**town.headers(), "x-request-id": "req-4711"},
        )
    finally:
        structlog.reset_defaults()
    assert response.status_code < 500, response.text
    lines = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("event") == "request"]
    assert len(access) == 1
    entry = access[0]
    assert entry["tenant_id"] == town.slug
    assert entry["request_id"] == "req-4711"
    assert re.fullmatch(r"[0-9a-f]{32}", entry["trace_id"])
    assert entry["route"] == "/api/v1/sign-in/email"
    assert entry["status"] == response.status_code
    assert "karin" not in out.getvalue()


def test_a_part_serves_its_metrics_over_http_for_prometheus() -> None:
    port = free_port()
    telemetry.serve_metrics("127.0.0.1", port)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        assert answer.status == 200
        text = answer.read().decode()
    for name in ("tinget_appended_events_total", "tinget_relay_lag_events", "tinget_service_up"):
        assert f"# TYPE {name.removesuffix('_total')}" in text, name
