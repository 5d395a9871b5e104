"""``python -m bench NAME [options]``: run one bench; the last line printed is its JSON."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import all as all_benches
from bench import (
    analysis,
    append,
    budget,
    chat,
    gateway,
    projection,
    projections,
    relay,
    survey,
    vote,
)
from bench.common import emit, nats_url, redact, say, server_url, server_version
from tinget import loop
from tinget.logs import configure_logging

Runner = Callable[[argparse.Namespace], Awaitable[dict[str, Any]]]

BENCHES: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Runner]] = {
    "append": (
        "single-event appends from concurrent tasks, against eventsourcing and raw asyncpg",
        append.add_arguments,
        append.run,
    ),
    "relay": (
        "publishing a filled store to JetStream with acks",
        relay.add_arguments,
        relay.run,
    ),
    "projections": (
        "rebuilding every read model from 1,000,000 events of 100 tenants",
        projections.add_arguments,
        projections.run,
    ),
    "projection": (
        "rebuilding the tenant directory from the store",
        projection.add_arguments,
        projection.run,
    ),
    "vote": (
        "votes over HTTP through the gateway, against a minimal litestar + asyncpg route",
        vote.add_arguments,
        vote.run,
    ),
    "survey": (
        "a survey's results read model at 100,000 responses, and reading its results",
        survey.add_arguments,
        survey.run,
    ),
    "gateway": (
        "the gateway's own CPU per vote, calling the app in process (no server, no wrk)",
        gateway.add_arguments,
        gateway.run,
    ),
    "analysis": (
        "the analysis's machine suggestions (groups, headings, near-duplicates) for 10,000 items,"
        " and the opinion map of 5,000 participants x 500 statements",
        analysis.add_arguments,
        analysis.run,
    ),
    "budget": (
        "participatory budget ballots over HTTP against a minimal litestar + asyncpg route,"
        " and equal shares for a city of 10,000 voters and 100 projects",
        budget.add_arguments,
        budget.run,
    ),
    "chat": (
        "500 watchers of a live chat over server-sent events on one gateway process: every"
        " approved message reaches each, once, in order; delivery p99",
        chat.add_arguments,
        chat.run,
    ),
    "all": (
        "every bench, one after another, and a markdown table of the figures (bench/RESULTS.md)",
        all_benches.add_arguments,
        all_benches.run,
    ),
}


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m bench",
        description="Tinget benches. Addresses from TINGET_DATABASE_URL and TINGET_NATS_URL.",
    )
    names = main.add_subparsers(dest="bench", required=True, metavar="NAME")
    for name, (summary, add_arguments, _) in BENCHES.items():
        sub = names.add_parser(name, help=summary, description=summary)
        add_arguments(sub)
        sub.add_argument(
            "--log-level",
            default="WARNING",
            help="level of Tinget's own log lines, on stderr (default WARNING)",
        )
    return main


async def run(name: str, args: argparse.Namespace) -> dict[str, Any]:
    version = await server_version(server_url())
    say(f"PostgreSQL {version} at {redact(server_url())}; NATS at {redact(nats_url())}")
    started = datetime.now(UTC)
    began = time.perf_counter()
    figures = await BENCHES[name][2](args)
    params = {
        k: str(v) if isinstance(v, Path) else v
        for k, v in vars(args).items()
        if k not in {"bench", "log_level"}
    }
    return {
        "bench": name,
        "started_at": started.isoformat(timespec="seconds"),
        "wall_seconds": round(time.perf_counter() - began, 2),
        "postgres": version,
        "params": params,
        **figures,
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    configure_logging(args.log_level, json=False)
    try:
        result = loop.run(run(args.bench, args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    emit(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
