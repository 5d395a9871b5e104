"""`tinget serve` on a machine with nothing configured: embedded PostgreSQL and NATS."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tinget.embedded import free_port


def start(data_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGET_")}
    env.update(TINGET_DATA_DIR=str(data_dir), TINGET_HTTP_PORT=str(port))
    return subprocess.Popen(
        [sys.executable, "-m", "tinget", "serve"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )


def wait_for_listening(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "listens on" in line:
            return line
        if not line and process.poll() is not None:
            break
    raise AssertionError(f"tinget serve did not start (exit {process.poll()})")


def get_json(url: str) -> dict[str, object]:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
        result: dict[str, object] = json.load(response)
        return result


def stop_like_ctrl_c(process: subprocess.Popen[str]) -> int:
    os.killpg(process.pid, signal.SIGINT)
    return process.wait(timeout=60)


@pytest.mark.slow
def test_serve_starts_embedded_services_and_keeps_data_across_restarts(tmp_path: Path) -> None:
    port = free_port()
    first = start(tmp_path / "data", port)
    try:
        line = wait_for_listening(first)
        assert f"http://127.0.0.1:{port}" in line
        assert "PostgreSQL: embedded" in line
        assert "NATS: embedded" in line
        branding = get_json(f"http://localhost:{port}/api/v1/branding")
        assert branding["tenant"] == "demo"
        assert get_json(f"http://127.0.0.1:{port}/ready")["status"] == "ready"
    finally:
        code = stop_like_ctrl_c(first)
    assert code == 0

    second = start(tmp_path / "data", port)
    try:
        wait_for_listening(second)
        assert get_json(f"http://localhost:{port}/api/v1/branding")["tenant"] == "demo"
    finally:
        assert stop_like_ctrl_c(second) == 0
    assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()
    assert (tmp_path / "data" / "nats" / "jetstream").is_dir()
