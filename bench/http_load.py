"""HTTP load for the benches: servers in subprocesses, and wrk to drive them.

wrk (https://github.com/wg/wrk) makes the load: a Python client on a small machine would take
the CPU the server needs and cap both. ``bench/vote.lua`` gives every request a token of its
own and reports latency percentiles and status counts on one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bench.common import say

WRK_SCRIPT = Path(__file__).with_name("vote.lua")
RESULT_MARK = "VOTE_WRK_RESULT "

INSTALL_WRK = (
    "wrk, the HTTP load generator, is not installed (no `wrk` on PATH). Install it with"
    " `apt-get install -y wrk` (Debian/Ubuntu), `brew install wrk` (macOS), or build it from"
    " https://github.com/wg/wrk; or point TINGET_BENCH_WRK at the binary. This bench does not"
    " fall back to a Python client: on a small machine it would cap the server it measures."
)


def find_wrk() -> str:
    """wrk's path: TINGET_BENCH_WRK, or on PATH, or installed now with apt-get where this
    runs as root on Debian or Ubuntu (as on a fresh CI machine); else stop with how to get it."""
    given = os.environ.get("TINGET_BENCH_WRK", "").strip()
    found = given or shutil.which("wrk") or (None if given else _install_wrk())
    if not found or not Path(found).is_file():
        raise SystemExit(INSTALL_WRK)
    return found


def _install_wrk() -> str | None:
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        return None
    say("wrk is not installed: installing it with apt-get (Debian's wrk package)")
    wait = ["-o", "DPkg::Lock::Timeout=300"]  # another install running holds the lock
    for argv in (
        [apt, *wait, "install", "-y", "-q", "wrk"],
        [apt, *wait, "update", "-q"],
        [apt, *wait, "install", "-y", "-q", "wrk"],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if "install" in argv and done.returncode == 0:
            return shutil.which("wrk")
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# --- wrk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run saw: responses by status, socket errors, latencies (milliseconds)."""

    seconds: float
    requests: int
    statuses: dict[int, int]
    socket_errors: dict[str, int]
    latency_ms: dict[str, float]
    tokens: int
    tokens_reused: int
    cpu_seconds: float = math.nan  # wrk's own, user and system

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> WrkResult:
        return cls(
            seconds=raw["duration_us"] / 1e6,
            requests=int(raw["requests"]),
            statuses={int(k): int(v) for k, v in raw["statuses"].items()},
            socket_errors={
                k: int(raw[f"{k}_errors" if k != "timeouts" else k])
                for k in ("connect", "read", "write", "timeouts")
            },
            latency_ms={
                f"{p}_ms": round(raw[f"{p}_us"] / 1000, 3)
                for p in ("p50", "p90", "p99", "p999", "max", "mean")
            },
            tokens=int(raw["tokens"]),
            tokens_reused=int(raw["tokens_reused"]),
        )

    @property
    def created(self) -> int:
        return self.statuses.get(201, 0)

    @property
    def failures(self) -> dict[str, int]:
        """Every answer but 201 by status, and socket errors by kind; empty when all went well."""
        out = {str(s): n for s, n in sorted(self.statuses.items()) if s != 201}
        out.update({k: n for k, n in self.socket_errors.items() if n})
        return out

    @property
    def errors(self) -> int:
        return sum(self.failures.values())


async def run_wrk(
    url: str,
    *,
    tokens: Path,
    host: str,
    seconds: float,
    connections: int,
    threads: int = 2,
    request_timeout: float = 10.0,
    body: Path | None = None,
    method: str = "POST",
) -> WrkResult:
    """Drive ``url`` with ``bench/vote.lua`` for ``seconds`` (each request with the next
    token, and the body in ``body`` if given, sent with ``method``); the script's own
    figures."""
    argv = [
        find_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(request_timeout))}s",
        "-s",
        str(WRK_SCRIPT),
        url,
        "--",
        str(tokens),
        str(threads),
        host,
        *([str(body)] if body is not None else []),
        *([method] if body is not None and method != "POST" else []),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk is the one child that ended
    used = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    text = out.decode(errors="replace")
    for line in text.splitlines():
        if line.startswith(RESULT_MARK):
            parsed = WrkResult.parse(json.loads(line.removeprefix(RESULT_MARK)))
            return dataclasses.replace(parsed, cpu_seconds=used)
    raise RuntimeError(
        f"wrk exited with {process.returncode} without a result line:\n{text}"
        f"{err.decode(errors='replace')}"
    )


# --- servers in subprocesses ---------------------------------------------------------------


async def http_status(port: int, path: str, host: str = "127.0.0.1") -> int | None:
    """The status of ``GET path`` on 127.0.0.1:port, or None if nothing answers."""
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 2)
    except (OSError, TimeoutError):
        return None
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), 5)
        parts = line.split()
        return int(parts[1]) if len(parts) >= 2 and parts[1].isdigit() else None
    except (OSError, TimeoutError):
        return None
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


class Service:
    """One server or worker process, its output in a log file; stopped with SIGTERM."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: Mapping[str, str],
        logs: Path,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.cwd = cwd
        self.argv = list(argv)
        self.env = dict(env)
        self.log_path = logs / f"{name}.log"
        self.process: asyncio.subprocess.Process | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self) -> None:
        self._log = self.log_path.open("wb")
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=self._log,
            stderr=asyncio.subprocess.STDOUT,
        )

    def tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_ready(
        self, port: int, path: str, *, status: int = 200, patience: float = 60.0
    ) -> float:
        """Wait until ``GET path`` answers ``status``; the seconds it took."""
        start = time.perf_counter()
        while time.perf_counter() - start < patience:
            if self.process is not None and self.process.returncode is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.tail()}"
                )
            if await http_status(port, path) == status:
                return time.perf_counter() - start
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready after {patience:g} s:\n{self.tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def stop(self, patience: float = 15.0) -> None:
        process = self.process
        try:
            if process is not None and process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), patience)
                except TimeoutError:
                    say(f"  {self.name} did not stop within {patience:g} s: killed")
                    process.kill()
                    await process.wait()
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None


async def stop_all(services: Sequence[Service]) -> None:
    """Stop every service, the last started first, even if stopping one fails."""
    for service in reversed(services):
        try:
            await service.stop()
        except Exception as error:  # the others must stop all the same
            say(f"  could not stop {service.name}: {error!r}")


async def start_py_spy(pid: int, seconds: float, output: Path) -> asyncio.subprocess.Process:
    """``py-spy record`` of process ``pid`` for ``seconds``, as speedscope JSON to ``output``."""
    beside = Path(sys.executable).with_name("py-spy")
    found = str(beside) if beside.is_file() else shutil.which("py-spy")
    if found is None:
        raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
    return await asyncio.create_subprocess_exec(
        found,
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, math.floor(seconds))),
        "--format",
        "speedscope",
        "--output",
        str(output),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
