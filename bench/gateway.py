"""``python -m bench gateway``: the gateway's own CPU per vote (or per budget ballot,
``--route ballot``), in process.

``bench vote`` measures the whole deployment over HTTP, where the machine's noise (and wrk,
uvicorn, the relay, the projections and PostgreSQL on the same cores) blurs a change of a few
microseconds in the request path. This bench calls the gateway app (``tinget.app``'s, as
deployed, with the garbage collector settled as ``tinget gateway`` settles it) directly as an
ASGI application, ``--concurrency`` votes at a time, each with a participant token of its own,
and counts the process's CPU time per vote: the handler chain, the token check, the command
and the append's share of the group commit. No HTTP server and no load generator run, so two
versions of the request path compare within a few percent, run after run.

``--rounds`` rounds of ``--votes`` votes follow a warm-up; the median of the rounds is the
figure. Every vote must be answered 201.

``--route ballot`` does the same with ``PUT .../budget/ballot`` (``bench budget``'s ballot: five
of a district's 100 projects, a signed-in voter's token each, answered 201), whose route also
notes each voter's took-part mark; ``--profile FILE`` writes a cProfile of the timed rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import secrets
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from bench.common import fresh_database, fresh_stream, number, say
from bench.vote_setup import HOST, Poll, bench_addresses, prepare
from services.identity.access import SignIn
from tinget.bootstrap import open_app_platform

BODY = b'{"choices":["yes"]}'
ROUTES = ("vote", "ballot")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--votes", type=int, default=3000, help="votes a round (3000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (5)")
    parser.add_argument("--warmup", type=int, default=1000, help="untimed votes first (1000)")
    parser.add_argument("--concurrency", type=int, default=64, help="votes at once (64)")
    parser.add_argument("--route", choices=ROUTES, default="vote", help="vote (a poll's) or ballot")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the timed rounds here")


async def _vote(app: Any, path: str, token: str, method: str = "POST", body: bytes = BODY) -> int:
    """One castVote (or ``method`` with ``body``) through the app as an ASGI server would call
    it; its status."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", HOST.encode()),
            (b"content-type", b"application/json"),
            (b"authorization", b"Bearer " + token.encode()),
            (b"content-length", b"%d" % len(body)),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    await app(scope, receive, send)
    return status[0]


async def _drive(app: Any, route: Route, tokens: list[str], concurrency: int) -> dict[int, int]:
    gate = asyncio.Semaphore(concurrency)
    statuses: dict[int, int] = {}

    async def one(token: str) -> None:
        async with gate:
            status = await _vote(app, route.path, token, route.method, route.body)
            statuses[status] = statuses.get(status, 0) + 1

    await asyncio.gather(*(one(t) for t in tokens))
    return statuses


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    body: bytes


async def _prepared(
    args: argparse.Namespace, database: Any, stream: Any, work: Path, needed: int
) -> tuple[Route, list[str], Any]:
    """The route to call, the tokens to call it with and the addresses of the platform."""
    if args.route == "vote":
        poll = await prepare(database, stream, work, warmup_tokens=1, run_tokens=needed)
        route = Route(f"/api/v1/dialogs/{poll.dialog_id}/votes", "POST", BODY)
        return route, poll.run_tokens.read_text().split(), poll.addresses
    from bench.budget import DISTRICT, open_budget

    secret = secrets.token_urlsafe(48)
    addresses = bench_addresses(database, stream, work, secret)
    dialog_id, projects, tokens = await open_budget(addresses, 100)
    voters = Poll(
        dialog_id,
        secret,
        tokens,
        work / "warmup.tokens",
        work / "run.tokens",
        addresses,
        sign_in=SignIn.EMAIL,
    )
    await voters.mint(voters.run_tokens, needed)
    body = msgspec.json.encode({"district": DISTRICT, "projects": projects[10:15]})
    route = Route(f"/api/v1/dialogs/{dialog_id}/budget/ballot", "PUT", body)
    return route, voters.run_tokens.read_text().split(), addresses


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tinget.app import build_app

    async with fresh_database() as database, fresh_stream() as stream:
        work = Path(tempfile.mkdtemp(prefix="tinget-bench-gateway-"))
        needed = args.warmup + args.votes * args.rounds
        route, tokens, addresses = await _prepared(args, database, stream, work, needed)
        profile = cProfile.Profile() if args.profile else None
        async with open_app_platform(addresses) as platform:
            app = build_app(platform)
            gc.collect()
            gc.freeze()
            gc.set_threshold(20_000, 50, 100)
            await _drive(app, route, tokens[: args.warmup], args.concurrency)
            used = args.warmup
            rounds: list[float] = []
            for index in range(args.rounds):
                batch = tokens[used : used + args.votes]
                used += args.votes
                if profile is not None:
                    profile.enable()
                began = time.process_time()
                statuses = await _drive(app, route, batch, args.concurrency)
                cpu = time.process_time() - began
                if profile is not None:
                    profile.disable()
                if statuses != {201: len(batch)}:
                    raise SystemExit(f"round {index + 1}: answered {statuses}, not all 201")
                rounds.append(1e6 * cpu / len(batch))
                say(f"round {index + 1}: {number(rounds[-1])} µs of CPU per {args.route}")
    if profile is not None:
        profile.dump_stats(args.profile)
    median = statistics.median(rounds)
    say(f"gateway CPU per {args.route}, median of {args.rounds} rounds: {number(median)} µs")
    return {
        "route": args.route,
        "cpu_us_per_vote": round(median, 1),
        "rounds_cpu_us_per_vote": [round(r, 1) for r in rounds],
        "targets": [],  # a figure to compare versions by, with no bound of its own
        "all_targets_passed": True,
    }
