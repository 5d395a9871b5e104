"""``python -m bench vote``: votes by distinct participants into one poll, over HTTP.

wrk (``--connections`` 64, ``--threads`` 2, ``--seconds`` 20) posts ``{"choices": ["yes"]}``,
each request with a participant token of its own, first to the reference, then to Tinget:

1. the reference, ``bench/reference_vote.py``: a litestar route inserting one row per request
   with asyncpg, served by uvicorn as the gateway is, with a database of its own;
2. Tinget as it runs in production: ``tinget gateway``, ``tinget relay`` and ``tinget
   project``, three processes on a fresh database and a JetStream stream of their own. The
   tenant, the vox pop and the tokens are made beforehand through ``open_platform``.

Each gets ``--warmup`` seconds of the same load first, not counted. When Tinget's load stops,
the poll's tally (``poll_tallies``, fed by relay and projection) is timed until it counts
every accepted vote. The CPU each process used during the timed runs is shown beside (Linux),
and ``--profile`` records Tinget's processes with py-spy.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
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
from bench.vote_tally import Tally, wait_for_tally

TARGET_VS_REFERENCE = 1.0
TARGET_P99_MS = 50.0
TARGET_CATCH_UP_S = 1.0

ROOT = Path(__file__).resolve().parents[1]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="length of each timed run (default 20)"
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
        "--profile",
        metavar="PREFIX",
        help="record Tinget's processes with py-spy during the timed run, to"
        " PREFIX-{gateway,projections,relay}.speedscope.json",
    )


async def reference_phase(poll: Poll, work: Path, args: argparse.Namespace) -> Run:
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
                await server.wait_ready(port, "/votes", status=405)  # POST only: it answers
                url = f"http://127.0.0.1:{port}/votes"
                label = "reference: litestar + asyncpg, one INSERT"
                run = await load(url, poll, args, label, {"server": server.pid})
            finally:
                await stop_all([server])
            stored = await conn.fetchval("SELECT count(*) FROM reference_votes")
        finally:
            await conn.close()
    run.show()
    if stored < run.accepted:
        say(f"  warning: {stored:,} rows stored, {run.accepted:,} votes answered 201")
    return run


def tinget_env(
    database: BenchDatabase, stream: BenchStream, poll: Poll, port: int, work: Path, log_level: str
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
        TINGET_LOG_LEVEL=log_level,
        TINGET_DATA_DIR=str(work / "data"),
    )
    return env


async def tinget_phase(
    database: BenchDatabase, stream: BenchStream, poll: Poll, work: Path, args: argparse.Namespace
) -> tuple[Run, Tally]:
    port = free_port()
    env = tinget_env(database, stream, poll, port, work, args.log_level)
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
        say(f"Tinget's gateway, relay and projections started; ready in {waited:.1f} s")
        url = f"http://127.0.0.1:{port}/api/v1/dialogs/{poll.dialog_id}/votes"
        label = "Tinget: gateway, relay, projections (3 processes)"
        pids = {s.name: s.pid for s in reversed(services)}  # the gateway first
        run = await load(url, poll, args, label, pids, profile=True)
        tally = await wait_for_tally(owner, poll.dialog_id, run.accepted, args.tally_patience)
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


async def run(args: argparse.Namespace) -> dict[str, Any]:
    find_wrk()  # before anything is set up: without wrk there is no bench
    say(
        f"vote: wrk -t{args.threads} -c{args.connections}, {args.seconds:g} s per server"
        f" after {args.warmup:g} s of warm-up; one fresh participant token per request"
    )
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
            reference = await reference_phase(poll, work, args)
            # Tinget may be faster than the reference: enough tokens for half as much again.
            await poll.top_up(tokens_for(args.seconds, math.ceil(reference.votes_per_s * 1.5)))
            tinget, tally = await tinget_phase(database, stream, poll, work, args)

    ratios = {
        "votes_per_s_vs_reference": ratio(tinget.votes_per_s, reference.votes_per_s),
        "p99_vs_reference": ratio(tinget.p99_ms, reference.p99_ms),
    }
    say("ratios:")
    say(f"  Tinget / reference votes/s          {number(ratios['votes_per_s_vs_reference'])}x")
    say(f"  Tinget / reference p99              {number(ratios['p99_vs_reference'])}x")
    targets = [
        Target(
            "Tinget / reference votes/s",
            ratios["votes_per_s_vs_reference"],
            TARGET_VS_REFERENCE,
            unit="x",
        ),
        Target("Tinget p99", tinget.p99_ms, TARGET_P99_MS, at_least=False, unit=" ms"),
        Target(
            "tally caught up after the load",
            tally.seconds,
            TARGET_CATCH_UP_S,
            at_least=False,
            unit=" s",
        ),
        Target("Tinget failed requests", tinget.timed.errors, 0, at_least=False),
    ]
    return {
        "reference": reference.as_dict(),
        "tinget": tinget.as_dict(),
        "tally": tally.as_dict(),
        "ratios": ratios,
        **report_targets(targets),
    }
