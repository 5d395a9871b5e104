"""One server under the vote load: the warm-up, the timed run, and the CPU it took."""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import figure, number, rate, say
from bench.cpu import CpuMeter
from bench.http_load import WrkResult, run_wrk, start_py_spy
from bench.vote_setup import HOST, Poll

CPU_COMMANDS = ("postgres", "nats-server")  # the CPU of all processes of these, too


@dataclass(frozen=True)
class Run:
    """One server under load: the warm-up and the timed run."""

    label: str
    warmup: WrkResult | None
    timed: WrkResult
    cpu: dict[str, float]  # % of one core during the timed run, by process, and "machine"

    @property
    def accepted(self) -> int:
        """Every 201 wrk saw, the warm-up's included."""
        return self.timed.created + (self.warmup.created if self.warmup else 0)

    @property
    def votes_per_s(self) -> float:
        return rate(self.timed.created, self.timed.seconds)

    @property
    def p99_ms(self) -> float:
        return self.timed.latency_ms["p99_ms"]

    @property
    def server_cpu_us_per_vote(self) -> float:
        """CPU time of the HTTP server per vote, µs: the first process measured, with the
        processes beside it that share its port (named after it: ``gateway 2``, ...)."""
        first = next(iter(self.cpu))
        server = sum(v for name, v in self.cpu.items() if name.split(" ")[0] == first)
        return round(server * 1e4 / self.votes_per_s, 1) if self.votes_per_s else math.nan

    def as_dict(self) -> dict[str, Any]:
        t = self.timed
        return {
            "seconds": round(t.seconds, 3),
            "requests": t.requests,
            "votes": t.created,
            "votes_per_s": self.votes_per_s,
            **t.latency_ms,
            "errors": t.errors,
            "failures": t.failures,
            "tokens_reused": t.tokens_reused,
            "cpu_percent_of_core": self.cpu,
            "server_cpu_us_per_vote": self.server_cpu_us_per_vote,
            "warmup_votes": self.warmup.created if self.warmup else 0,
            "warmup_errors": self.warmup.errors if self.warmup else 0,
        }

    def show(self) -> None:
        t = self.timed
        say(f"{self.label}: {t.seconds:.2f} s")
        figure("votes/s (201)", self.votes_per_s)
        figure("votes answered 201", t.created)
        for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms"):
            figure(f"latency {key.removesuffix('_ms')}", t.latency_ms[key], "ms")
        detail = ", ".join(f"{k}: {n:,}" for k, n in t.failures.items())
        figure("errors (non-201, socket)", t.errors, note=detail)
        if self.warmup is not None and self.warmup.errors:
            figure("errors in the warm-up", self.warmup.errors, note=str(self.warmup.failures))
        cores = ", ".join(f"{name} {number(v)}" for name, v in self.cpu.items())
        say(f"  {'CPU, % of one core':<34} {cores}")
        figure("HTTP server CPU per vote", self.server_cpu_us_per_vote, "µs")
        if t.tokens_reused:
            figure("requests with a used token", t.tokens_reused, note="raise --tokens-per-second")


async def load(
    url: str,
    poll: Poll,
    args: argparse.Namespace,
    label: str,
    pids: Mapping[str, int],
    profile: bool = False,
    body: Path | None = None,
    method: str = "POST",
) -> Run:
    """The warm-up, then the timed run, measuring the CPU of ``pids`` (the server first);
    every request carries ``body`` if given (else a vote)."""
    common: dict[str, Any] = {
        "host": HOST,
        "connections": args.connections,
        "threads": args.threads,
        "body": body,
        "method": method,
    }
    warmup = None
    if args.warmup > 0:
        warmup = await run_wrk(url, tokens=poll.warmup_tokens, seconds=args.warmup, **common)
    profilers = {}
    if profile and args.profile:
        for name, pid in pids.items():
            path = Path(f"{args.profile}-{name}.speedscope.json")
            profilers[path] = await start_py_spy(pid, args.seconds - 1, path)
    meter = CpuMeter(pids, CPU_COMMANDS)
    meter.start()
    timed = await run_wrk(url, tokens=poll.run_tokens, seconds=args.seconds, **common)
    cpu = meter.stop()
    machine = cpu.pop("machine")
    cpu.update(wrk=round(100 * timed.cpu_seconds / timed.seconds, 1), machine=machine)
    for path, profiler in profilers.items():
        await profiler.wait()
        say(f"py-spy profile: {path} (exit {profiler.returncode})")
    return Run(label, warmup, timed, cpu)
