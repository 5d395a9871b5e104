"""Several gateway processes on one port (TINGET_HTTP_PROCESSES): each serves requests, each
its own metrics; one that dies is started again; all stop with the first."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.smtp import free_port
from tinget.bootstrap import Addresses

HEALTH_REQUESTS = 40


def _listening(port: int) -> int:
    """Sockets listening on ``port`` (IPv4), from /proc/net/tcp."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return sum(1 for row in rows if row[1].endswith(f":{port:04X}") and row[3] == "0A")


def _siblings(parent: int) -> list[int]:
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return [int(c) for c in children if b"--sibling" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _wait_for(what: str, check: Callable[[], bool], patience: float = 30.0) -> None:
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} within {patience:g} s")


def _served_health(metrics_port: int) -> float:
    """The /health requests one process answered, from its Prometheus metrics."""
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tinget_requests_total{") and 'path="/health"' in line
    )


def _two_free_ports() -> int:
    """A port whose next one is free too (a sibling's metrics)."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.create_server(("127.0.0.1", port + 1)):
                return port
        except OSError:
            continue
    raise RuntimeError("no two free ports in a row")


@pytest.fixture
def gateway(addresses: Addresses) -> Iterator[tuple[subprocess.Popen[bytes], int, int]]:
    port, metrics = free_port(), _two_free_ports()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGET_")}
    assert addresses.database_url is not None
    env.update(
        TINGET_DATABASE_URL=addresses.database_url,
        TINGET_DATA_DIR=str(addresses.data_dir),
        TINGET_SIGNING_SECRET=addresses.signing_secret or "",
        TINGET_LOG_LEVEL="WARNING",
        TINGET_HTTP_PORT=str(port),
        TINGET_HTTP_PROCESSES="2",
        TINGET_METRICS_PORT=str(metrics),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "tinget", "gateway"], env=env, stdout=subprocess.DEVNULL
    )
    try:
        yield process, port, metrics
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_processes_share_the_port_restart_and_stop_together(
    gateway: tuple[subprocess.Popen[bytes], int, int],
) -> None:
    process, port, metrics = gateway
    _wait_for("two processes listening on the port", lambda: _listening(port) == 2)
    first_sibling = _siblings(process.pid)
    assert len(first_sibling) == 1

    for _ in range(HEALTH_REQUESTS):  # a connection each: the kernel spreads them
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            assert client.get("/health").status_code == 200
    served = [_served_health(metrics), _served_health(metrics + 1)]
    assert sum(served) == HEALTH_REQUESTS
    assert min(served) > 0, f"one process served every request: {served}"

    os.kill(first_sibling[0], signal.SIGKILL)  # a sibling dies: the first starts another
    _wait_for(
        "a new sibling listening",
        lambda: _siblings(process.pid) not in ([], first_sibling) and _listening(port) == 2,
    )
    second_sibling = _siblings(process.pid)

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    _wait_for("the sibling stopped", lambda: not Path(f"/proc/{second_sibling[0]}").exists())
    assert _listening(port) == 0
