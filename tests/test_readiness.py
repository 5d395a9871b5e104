"""Readiness matches what a part needs: with NATS frozen (SIGSTOP, so it neither answers nor
closes the connection), a gateway stays ready, since a write needs PostgreSQL alone, while the
relay and the projection workers report themselves not ready until NATS answers again."""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.smtp import free_port
from tinget import telemetry
from tinget.app import build_app
from tinget.bootstrap import Addresses, Platform, open_platform
from tinget.embedded import EmbeddedNats


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = EmbeddedNats(tmp_path / "nats")
    server.start()
    try:
        yield server
    finally:
        process = server._process
        if process is not None:
            os.kill(process.pid, signal.SIGCONT)
        server.stop()


@pytest.fixture
async def frozen_platform(
    addresses: Addresses, own_nats: EmbeddedNats
) -> AsyncIterator[tuple[Platform, EmbeddedNats]]:
    url = f"nats://127.0.0.1:{own_nats.port}"
    async with open_platform(dataclasses.replace(addresses, nats_url=url)) as platform:
        yield platform, own_nats


def _freeze(server: EmbeddedNats, sig: signal.Signals) -> None:
    assert server._process is not None
    os.kill(server._process.pid, sig)


async def _get(url: str) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(timeout=5) as client:
        answer = await client.get(url)
    body: dict[str, Any] = answer.json()
    return answer.status_code, body


async def test_a_gateway_stays_ready_while_nats_is_frozen_and_workers_do_not(
    frozen_platform: tuple[Platform, EmbeddedNats],
) -> None:
    platform, nats = frozen_platform
    transport = httpx.ASGITransport(app=build_app(platform))  # type: ignore[arg-type]
    workers = telemetry.readiness_for(("relay", "projections"))
    port = free_port()
    telemetry.serve_metrics("127.0.0.1", port, workers)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        workers.checks = await telemetry.refresh(platform, relay=True, projections=True)
        assert (await client.get("/ready")).status_code == 200
        assert await _get(f"http://127.0.0.1:{port}/ready") == (
            200,
            {"status": "ok", "checks": {"postgresql": "ok", "nats": "ok"}},
        )

        _freeze(nats, signal.SIGSTOP)
        ready = await client.get("/ready")
        workers.checks = await telemetry.refresh(platform, relay=True, projections=True)

        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"]["postgresql"] == "ok"
        assert ready.json()["checks"]["nats"].startswith("unavailable")
        status, body = await _get(f"http://127.0.0.1:{port}/ready")
        assert status == 503
        assert body["checks"]["nats"].startswith("unavailable")
        assert (await _get(f"http://127.0.0.1:{port}/health"))[0] == 200

        _freeze(nats, signal.SIGCONT)
        workers.checks = await telemetry.refresh(platform, relay=True, projections=True)
        assert (await _get(f"http://127.0.0.1:{port}/ready"))[0] == 200


def test_the_gateway_needs_postgresql_and_the_workers_need_both() -> None:
    assert telemetry.readiness_for(("gateway",)).needs == {"postgresql"}
    assert telemetry.readiness_for(("relay",)).needs == {"postgresql", "nats"}
    assert telemetry.readiness_for(("projections",)).needs == {"postgresql", "nats"}
    assert not telemetry.Readiness(frozenset({"postgresql"})).ready  # not checked yet
