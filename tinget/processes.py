"""Several gateway processes on one port (``TINGET_HTTP_PROCESSES``).

A gateway process is one event loop, so it uses one core at most; on a machine with more,
the gateway runs as several processes that listen on the same address and port, each with a
socket of its own (``SO_REUSEPORT``): the kernel spreads new connections over the sockets
listening, so a process that is starting or has stopped gets none.

The process started (``tinget gateway`` or ``tinget serve``) is the first of them: it starts
the embedded PostgreSQL if one is needed, migrates and creates the demo tenant as a single
process does, then starts the others, each a ``tinget gateway --sibling`` on the database it
resolved (so none of them migrates again or starts a PostgreSQL of its own), starts one again
when it ends, and stops them all when it stops. A sibling serves its Prometheus metrics, where
they are served, on ``TINGET_METRICS_PORT`` plus its number (1, 2, ...).

Each process keeps its own per-process state: its pools, its group commit, its caches of
tenants, token generations and block lists (each refreshed within a second, as across
replicas), and its cap of requests in hand (``TINGET_MAX_CONCURRENT_REQUESTS`` each).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys

import structlog

from tinget.config import PREFIX, Settings

log = structlog.get_logger("tinget.processes")

STOP_PATIENCE = 10.0  # seconds a sibling has to stop before it is killed


def shared_socket(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` that other gateway processes may open too."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def sibling_env(settings: Settings, database_url: str | None, number: int) -> dict[str, str]:
    """The environment of sibling ``number``: this process's, on the database it resolved
    (the owner's URL, embedded or given; else the role URLs it was given), as one process."""
    env = dict(os.environ)
    env[f"{PREFIX}HTTP_PROCESSES"] = "1"
    if database_url is not None:
        env[f"{PREFIX}DATABASE_URL"] = database_url
    if settings.metrics_port is not None:
        env[f"{PREFIX}METRICS_PORT"] = str(settings.metrics_port + number)
    return env


async def run_siblings(settings: Settings, database_url: str | None, stop: asyncio.Event) -> None:
    """Keep ``TINGET_HTTP_PROCESSES - 1`` sibling gateways running until ``stop``."""
    await asyncio.gather(
        *(
            _keep_running(number, sibling_env(settings, database_url, number), stop)
            for number in range(1, settings.http_processes)
        )
    )


async def _keep_running(number: int, env: dict[str, str], stop: asyncio.Event) -> None:
    """Run sibling ``number``; start it again when it ends (waiting longer each time it ends
    soon after starting), and stop it at ``stop``."""
    argv = [sys.executable, "-m", "tinget", "gateway", "--sibling"]
    loop = asyncio.get_running_loop()
    backoff = 0.5
    while not stop.is_set():
        began = loop.time()
        process = await asyncio.create_subprocess_exec(*argv, env=env)
        log.info("gateway process started", number=number, pid=process.pid)
        ended = asyncio.ensure_future(process.wait())
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({ended, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if process.returncode is None:  # told to stop, or cancelled: the sibling stops too
                ended.cancel()
                await _stop(process)
        if stop.is_set():
            return
        log.error(
            "gateway process ended; starting it again",
            number=number,
            pid=process.pid,
            code=process.returncode,
            backoff=backoff,
        )
        backoff = 0.5 if loop.time() - began > 30.0 else min(backoff * 2, 10.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), backoff)


async def _stop(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), STOP_PATIENCE)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
