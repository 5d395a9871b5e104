"""`tinget serve` on a machine with nothing configured: embedded PostgreSQL and NATS."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nats
import pytest
from nats.js.errors import NotFoundError

from projections.runtime import PROJECTIONS_CONSUMER
from tinget import nats_access
from tinget.embedded import EmbeddedPostgres, _postmaster, free_port, scratch_dir, server_account


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
        ready = get_json(f"http://127.0.0.1:{port}/ready")
        assert ready == {"status": "ready", "checks": {"postgresql": "ok", "nats": "ok"}}
        # The relay published the demo tenant's events as its NATS user, and the projections
        # consumed them as theirs: the users' permissions are enough for the work.
        assert asyncio.run(consumer_acked(tmp_path / "data" / "nats")) >= 1
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
    for private in ("nats-users.json", "nats-server.conf"):
        assert stat.S_IMODE((tmp_path / "data" / "nats" / private).stat().st_mode) == 0o600


async def consumer_acked(folder: Path) -> int:
    """How far the projections' consumer has acknowledged the stream, asked as their user."""
    passwords = nats_access.load_passwords(folder)
    log = (folder / "nats-server.log").read_text()
    port = re.findall(r"Listening for client connections on 127\.0\.0\.1:(\d+)", log)[-1]
    url = nats_access.url_as(f"nats://127.0.0.1:{port}", "projections", passwords["projections"])
    nc = await nats.connect(url, allow_reconnect=False, connect_timeout=5)
    try:
        for _ in range(150):
            with contextlib.suppress(NotFoundError):  # the worker may not have made it yet
                info = await nc.jetstream().consumer_info("TINGET", PROJECTIONS_CONSUMER)
                if info.ack_floor is not None and info.ack_floor.stream_seq:
                    return int(info.ack_floor.stream_seq)
            await asyncio.sleep(0.1)
        return 0
    finally:
        await nc.close()


def tinget_on(
    data_dir: Path, *args: str, code: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``tinget`` with nothing configured but the data folder (so PostgreSQL is embedded)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGET_")}
    env.update(TINGET_DATA_DIR=str(data_dir), TINGET_LOG_LEVEL="INFO")
    command = ["-c", code] if code is not None else ["-m", "tinget", *args]
    return subprocess.run(
        [sys.executable, *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


HEAVY = ("litestar", "uvicorn", "nats", "tinget.bootstrap", "tinget.runner", "pgserver")
LIST_AND_SHOW_IMPORTS = f"""
import sys
from tinget.cli import main
try:
    main(["tenants", "list"], standalone_mode=False)
finally:
    print("loaded:", sorted(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_a_command_attaches_to_the_running_embedded_postgres_quietly() -> None:
    folder = scratch_dir("tinget-attach-", server_account())
    try:
        alone = tinget_on(folder, "tenants", "list")  # nothing running: it starts one, and says so
        assert alone.returncode == 0, alone.stderr
        assert "embedded PostgreSQL started" in alone.stderr

        server = EmbeddedPostgres(folder)
        server.start()
        try:
            attached = tinget_on(folder, code=LIST_AND_SHOW_IMPORTS)
            catalogue = tinget_on(folder, "catalogue")
            assert server.started
            assert _postmaster(server.data) is not None  # still running: the command left it
        finally:
            server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    assert attached.returncode == 0, attached.stderr
    assert "no tenants yet" in attached.stdout
    # quiet: no "started" (it started nothing), no warning of any library
    assert "started" not in attached.stderr
    assert "Warning" not in attached.stderr
    assert attached.stderr == ""
    # quick: listing tenants loads neither the web server nor NATS nor the whole platform
    assert "loaded: []" in attached.stdout
    assert catalogue.returncode == 0, catalogue.stderr
    assert catalogue.stderr == ""
