"""``python -m bench vote``: votes by distinct participants into one poll, over HTTP.

wrk (``--connections`` 64, ``--threads`` 2, ``--seconds`` 20) posts ``{"choices": ["yes"]}``,
each request with a participant token of its own, to the reference and then to Tinget, in
``--rounds`` rounds (3), so that a machine whose speed drifts is seen by both alike:

1. the reference, ``bench/reference_vote.py``: a litestar route inserting one row per request
   with asyncpg, served by uvicorn as the gateway is, with a database of its own;
2. Tinget as it runs in production: ``tinget gateway``, ``tinget relay`` and ``tinget
   project`` on a fresh database and a JetStream stream of their own, the gateway in as many
   processes on its port as the machine has cores (``TINGET_HTTP_PROCESSES``;
   ``--gateway-processes`` sets another number, 1 for a single event loop as the
   reference's). The tenant, the vox pop and the tokens are made beforehand through
   ``open_platform``.

Each gets ``--warmup`` seconds of the same load first, not counted, and every round starts
its servers afresh. When Tinget's load stops, the poll's tally (``poll_tallies``, fed by relay
and projection) is timed until it counts every accepted vote. The CPU each process used during
the timed runs is shown beside (Linux), and ``--profile`` records Tinget's processes with
py-spy (in the last round).

The targets take the median of the rounds' ratios and of Tinget's p99s, the slowest tally
catch-up and every failed request; the JSON line's ``reference`` and ``tinget`` are the round
with the median ratio, and ``rounds`` has them all.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.common import (
    BenchDatabase,
    BenchStream,
    Target,
    figure,
    fresh_database,
    fresh_stream,
    nats_url,
    number,
    ratio,
    report_targets,
    say,
)
from bench.http_load import (
    Service,
    find_wrk,
    free_port,
    stop_all,
)
from bench.reference_vote import TABLE_SQL
from bench.vote_run import Run, load
from bench.vote_setup import Poll, prepare, tokens_for
from bench.vote_tally import VOTES, Counting, Tally, ballots_stored, wait_for_tally

TARGET_VS_REFERENCE = 1.0
TARGET_P99_MS = 50.0
TARGET_CATCH_UP_S = 1.0

ROOT = Path(__file__).resolve().parents[1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="length of each timed run (default 20)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="reference and Tinget, one after the other (3)"
    )
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="untimed load before each run (default 2)"
    )
    parser.add_argument(
        "--tokens-per-second",
        type=int,
        default=6000,
        help="tokens minted per second of load, topped up if the reference is faster"
        " (default 6000)",
    )
    parser.add_argument(
        "--tally-patience",
        type=float,
        default=30.0,
        help="stop waiting for the tally after this long (default 30)",
    )
    parser.add_argument(
        "--gateway-processes",
        type=int,
        default=os.cpu_count() or 1,
        help="TINGET_HTTP_PROCESSES: Tinget's gateway processes on its port, as a machine of"
        " this many cores runs it (default: the cores here)",
    )
    parser.add_argument(
        "--profile",
        metavar="PREFIX",
        help="record Tinget's processes with py-spy during the timed run, to"
        " PREFIX-{gateway,projections,relay}.speedscope.json",
    )


async def reference_phase(
    poll: Poll,
    work: Path,
    args: argparse.Namespace,
    *,
    route: str = "votes",
    body: Path | None = None,
    method: str = "POST",
) -> Run:
    """The reference under the load of ``POST /{route}`` (each request with ``body``; another
    ``method`` if given)."""
    async with fresh_database(migrated=False, suffix="_ref") as database:
        conn = await asyncpg.connect(database.owner_url)
        try:
            await conn.execute(TABLE_SQL)
            port = free_port()
            argv = [sys.executable, "-m", "bench.reference_vote", "--port", str(port)]
            argv += ["--database-url", database.owner_url, "--dialog-id", str(poll.dialog_id)]
            server = Service("reference", argv, dict(os.environ), work, cwd=ROOT)
            try:
                await server.start()
                await server.wait_ready(port, f"/{route}", status=405)  # POST only: it answers
                url = f"http://127.0.0.1:{port}/{route}"
                label = "reference: litestar + asyncpg, one INSERT"
                pids = {"server": server.pid}
                run = await load(url, poll, args, label, pids, body=body, method=method)
            finally:
                await stop_all([server])
            stored = await conn.fetchval(f"SELECT count(*) FROM reference_{route}")
        finally:
            await conn.close()
    run.show()
    if stored < run.accepted:
        say(f"  warning: {stored:,} rows stored, {run.accepted:,} votes answered 201")
    return run


def tinget_env(
    database: BenchDatabase,
    stream: BenchStream,
    poll: Poll,
    port: int,
    work: Path,
    args: argparse.Namespace,
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINGET_")}
    env.update(
        TINGET_DATABASE_URL=database.owner_url,
        TINGET_NATS_URL=nats_url(),
        TINGET_STREAM=stream.name,
        TINGET_SUBJECT_PREFIX=stream.prefix,
        TINGET_SIGNING_SECRET=poll.secret,
        TINGET_HTTP_HOST="127.0.0.1",
        TINGET_HTTP_PORT=str(port),
        TINGET_DEMO_TENANT="no",
        TINGET_LOG_LEVEL=args.log_level,
        TINGET_HTTP_PROCESSES=str(args.gateway_processes),
        TINGET_DATA_DIR=str(work / "data"),
    )
    return env


async def workers_caught_up(owner: asyncpg.Connection, patience: float = 300.0) -> float:
    """Seconds until the relay and every read model have reached the log's head, so the timed
    load does not share the machine with catching up on what was set up before it."""
    began = time.perf_counter()
    while time.perf_counter() - began < patience:
        behind = await owner.fetchval(
            "SELECT (SELECT coalesce(max(position), 0) FROM events)"
            " > least((SELECT coalesce(min(position), 0) FROM relay_positions),"
            "  (SELECT coalesce(min(p), 0) FROM (SELECT max(position) AS p"
            "   FROM projection_positions GROUP BY projection) AS applied))"
        )
        if not behind:
            return time.perf_counter() - began
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the relay and read models did not catch up within {patience:g} s")


def _listening(port: int) -> int:
    """Sockets listening on ``port`` (IPv4) on this machine (Linux; 0 elsewhere)."""
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return 0
    rows = [line.split() for line in lines]
    return sum(1 for row in rows if row[1].endswith(f":{port:04X}") and row[3] == "0A")


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in children.read_text().split()] if children.exists() else []


async def gateway_siblings(
    pid: int, port: int, processes: int, patience: float = 60.0
) -> list[int]:
    """The pids of the gateway's sibling processes once all ``processes`` listen on ``port``
    (tinget/processes.py), so that none is still starting when the load begins."""
    began = time.perf_counter()
    while _listening(port) < processes:
        if time.perf_counter() - began > patience:
            raise RuntimeError(f"{processes} gateway processes not listening after {patience:g} s")
        await asyncio.sleep(0.1)
    return _children(pid)


async def tinget_phase(
    database: BenchDatabase,
    stream: BenchStream,
    poll: Poll,
    work: Path,
    args: argparse.Namespace,
    *,
    profile: bool,
    route: str = "votes",
    counting: Counting = VOTES,
    body: Path | None = None,
    method: str = "POST",
) -> tuple[Run, Tally]:
    """Tinget under the load of ``POST /api/v1/dialogs/{id}/{route}``, then the time its read
    model (``counting``) takes to count every contribution stored."""
    port = free_port()
    env = tinget_env(database, stream, poll, port, work, args)
    parts = (("relay", "relay"), ("projections", "project"), ("gateway", "gateway"))
    services = [
        Service(n, [sys.executable, "-m", "tinget", c], env, work, cwd=ROOT) for n, c in parts
    ]
    owner = await asyncpg.connect(database.owner_url)
    try:
        for service in services:
            await service.start()
        gateway = services[-1]
        waited = await gateway.wait_ready(port, "/ready")
        siblings = await gateway_siblings(gateway.pid, port, args.gateway_processes)
        waited += await workers_caught_up(owner)  # the people recorded for this round's tokens
        # Those people are some 100,000 rows the reference's table does not have: vacuumed and
        # analysed now, so that autovacuum does not take them on during the timed load.
        began = time.perf_counter()
        await owner.execute("VACUUM (ANALYZE)")
        waited += time.perf_counter() - began
        say(f"Tinget's gateway, relay and projections started; ready in {waited:.1f} s")
        url = f"http://127.0.0.1:{port}/api/v1/dialogs/{poll.dialog_id}/{route}"
        label = (
            f"Tinget: gateway ({args.gateway_processes} process(es) on its port), relay,"
            " projections"
        )
        pids = {"gateway": gateway.pid}  # the gateway first: its CPU is the server's
        pids.update({f"gateway {n}": pid for n, pid in enumerate(siblings, start=2)})
        pids.update({s.name: s.pid for s in services[:-1]})
        before = await ballots_stored(owner, counting)  # an earlier round's
        run = await load(url, poll, args, label, pids, profile=profile, body=body, method=method)
        tally = await wait_for_tally(
            owner,
            poll.dialog_id,
            run.accepted,
            args.tally_patience,
            before=before,
            counting=counting,
        )
        for service in services:
            if not service.alive():
                raise RuntimeError(f"{service.name} stopped during the run:\n{service.tail()}")
    finally:
        await stop_all(services)
        await owner.close()
    run.show()
    figure("tally caught up after the load", tally.seconds, "s")
    figure("votes not yet counted at the stop", tally.behind_at_stop)
    figure("ballots stored / answered 201", tally.ballots, note=f"/ {tally.answered:,}")
    if not tally.consistent:
        say(
            f"  warning: {tally.answered:,} votes answered 201, {tally.ballots:,} ballots"
            f" stored, {tally.counted:,} counted in the tally"
        )
    return run, tally


@dataclass(frozen=True)
class Round:
    reference: Run
    tinget: Run
    tally: Tally

    @property
    def ratio(self) -> float:
        return ratio(self.tinget.votes_per_s, self.reference.votes_per_s)

    def as_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference.as_dict(),
            "tinget": self.tinget.as_dict(),
            "tally": self.tally.as_dict(),
            "votes_per_s_vs_reference": self.ratio,
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    find_wrk()  # before anything is set up: without wrk there is no bench
    say(
        f"vote: wrk -t{args.threads} -c{args.connections}, {args.seconds:g} s per server"
        f" after {args.warmup:g} s of warm-up, {args.rounds} round(s); one fresh participant"
        " token per request"
    )
    rounds: list[Round] = []
    with tempfile.TemporaryDirectory(prefix="tinget-bench-vote-") as tmp:
        work = Path(tmp)
        async with fresh_database() as database, fresh_stream() as stream:
            poll = await prepare(
                database,
                stream,
                work,
                warmup_tokens=tokens_for(args.warmup, args.tokens_per_second),
                run_tokens=tokens_for(args.seconds, args.tokens_per_second),
            )
            for index in range(1, args.rounds + 1):
                say(f"round {index} of {args.rounds}")
                if index > 1:
                    await poll.new_round(
                        index,
                        tokens_for(args.warmup, args.tokens_per_second),
                        tokens_for(args.seconds, args.tokens_per_second),
                    )
                reference = await reference_phase(poll, work, args)
                # Tinget may be faster than the reference: enough tokens for half as much again.
                await poll.top_up(tokens_for(args.seconds, math.ceil(reference.votes_per_s * 1.5)))
                last = index == args.rounds
                tinget, tally = await tinget_phase(database, stream, poll, work, args, profile=last)
                rounds.append(Round(reference, tinget, tally))
                say(
                    f"round {index}: Tinget / reference votes/s {number(rounds[-1].ratio)}x,"
                    f" Tinget p99 {number(tinget.p99_ms)} ms"
                )

    by_ratio = sorted(rounds, key=lambda r: r.ratio)
    middle = by_ratio[(len(by_ratio) - 1) // 2]
    ratios = {
        "votes_per_s_vs_reference": round(statistics.median(r.ratio for r in rounds), 3),
        "p99_vs_reference": round(
            statistics.median(ratio(r.tinget.p99_ms, r.reference.p99_ms) for r in rounds), 3
        ),
    }
    p99 = round(statistics.median(r.tinget.p99_ms for r in rounds), 3)
    caught = [r.tally.seconds for r in rounds]
    catch_up = math.nan if any(math.isnan(c) for c in caught) else max(caught)
    failed = sum(r.tinget.timed.errors for r in rounds)
    say(f"ratios, the median of {len(rounds)} round(s):")
    each = ", ".join(f"{number(r.ratio)}x" for r in rounds)
    say(
        f"  Tinget / reference votes/s          {number(ratios['votes_per_s_vs_reference'])}x"
        f" ({each})"
    )
    say(f"  Tinget / reference p99              {number(ratios['p99_vs_reference'])}x")
    targets = [
        Target(
            "Tinget / reference votes/s (median)",
            ratios["votes_per_s_vs_reference"],
            TARGET_VS_REFERENCE,
            unit="x",
        ),
        Target("Tinget p99 (median)", p99, TARGET_P99_MS, at_least=False, unit=" ms"),
        Target(
            "tally caught up after the load (slowest)",
            catch_up,
            TARGET_CATCH_UP_S,
            at_least=False,
            unit=" s",
        ),
        Target("Tinget failed requests", failed, 0, at_least=False),
    ]
    return {
        "reference": middle.reference.as_dict(),
        "tinget": middle.tinget.as_dict(),
        "tally": middle.tally.as_dict(),
        "ratios": ratios,
        "rounds": [r.as_dict() for r in rounds],
        **report_targets(targets),
    }
