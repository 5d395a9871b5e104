"""``python -m bench chat``: 500 watchers of one live chat over server-sent events, on one
gateway process, and how soon each approved message reaches every one of them.

This process runs what a small deployment runs all in one: the gateway (uvicorn, on a free
port), the relay (the store to JetStream) and the projection worker (JetStream to the read
models; the chat's feed notifies the gateway's hub), on a fresh database and stream. A second
process (``bench/chat_watchers.py``) is the audience: ``--watchers`` SSE connections, then a
participant posting to the pre-moderated chat and a moderator approving each message,
``--interval`` seconds apart, after ``--warmup`` messages that are delivered but not measured.
The figures: deliveries, missing, duplicates and out-of-order
(all must be 0 but the first), and the delivery time from the approval's request to each
watcher's read of the message: p50, p99 (target < 1 s) and max.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench.common import (
    Target,
    figure,
    fresh_database,
    fresh_stream,
    nats_url,
    report_targets,
    say,
)
from projections.runtime import LiveConsumer
from services.identity.access import Role, SignIn
from tinget.app import build_app
from tinget.bootstrap import Addresses, Backpressure, open_platform

TARGET_P99_MS = 1000.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--watchers", type=int, default=500, help="SSE connections (500)")
    parser.add_argument("--messages", type=int, default=60, help="approved messages (60)")
    parser.add_argument(
        "--interval", type=float, default=0.25, help="seconds between approvals (0.25)"
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=5,
        help="approved messages sent first and not measured (5): the first ones meet cold"
        " caches and the consumer's first pull",
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def run(args: argparse.Namespace) -> dict[str, Any]:
    async with fresh_database() as database, fresh_stream() as stream:
        with tempfile.TemporaryDirectory(prefix="tinget-bench-chat-") as folder:
            addresses = Addresses(
                database_url=database.owner_url,
                nats_url=nats_url(),
                subject_prefix=stream.prefix,
                stream_name=stream.name,
                data_dir=Path(folder),
                backpressure=Backpressure(max_sse_connections=args.watchers + 100),
            )
            async with open_platform(addresses) as platform:
                return await _measure(platform, args)


async def _measure(platform: Any, args: argparse.Namespace) -> dict[str, Any]:
    slug, host = "bench-chat", "bench-chat.example"
    await platform.tenants.create(slug, "Lund", "sv", hosts=[host])
    tokens = {}
    for role in (Role.ADMINISTRATOR, Role.MODERATOR, Role.PARTICIPANT):
        person = await platform.identity.add_staff(slug, f"{role.value}@lund.example", role)
        tokens[role] = platform.identity.tokens.issue(slug, person, role, SignIn.EMAIL).token
    await platform.catch_up_projections()

    stop = asyncio.Event()
    workers = [
        asyncio.create_task(platform.relay().run(stop)),
        asyncio.create_task(
            platform.consume(LiveConsumer(platform.projections, durable="bench_chat"), stop)
        ),
    ]
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(platform),
            host="127.0.0.1",
            port=port,
            log_config=None,
            lifespan="on",
            backlog=args.watchers + 100,
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn has a flag, no event)
        await asyncio.sleep(0.02)
    url = f"http://127.0.0.1:{port}"
    try:
        dialog_id = await _live_chat(url, host, tokens[Role.ADMINISTRATOR], tokens[Role.MODERATOR])
        say(f"{args.watchers} watchers, {args.messages} approved messages, {args.interval} s apart")
        child = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.chat_watchers",
            "--url", url,
            "--host", host,
            "--dialog", dialog_id,
            "--participant", tokens[Role.PARTICIPANT],
            "--moderator", tokens[Role.MODERATOR],
            "--watchers", str(args.watchers),
            "--messages", str(args.messages),
            "--interval", str(args.interval),
            "--warmup", str(args.warmup),
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"the watchers' process failed ({child.returncode})")
        figures: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, timeout=30)
        stop.set()
        await asyncio.gather(*workers)

    figure("deliveries", figures["deliveries"], f"of {args.watchers * args.messages}")
    figure("missing / duplicates", figures["missing"], f"/ {figures['duplicates']}")
    figure("delivery p50", figures["delivery_p50_ms"], "ms")
    figure("delivery p99", figures["delivery_p99_ms"], "ms")
    figure("delivery max", figures["delivery_max_ms"], "ms")
    targets = [
        Target("delivery p99", figures["delivery_p99_ms"], TARGET_P99_MS, False, " ms"),
        Target("missing deliveries", figures["missing"], 0, False),
        Target("duplicate deliveries", figures["duplicates"], 0, False),
        Target("watchers out of order", figures["watchers_out_of_order"], 0, False),
        Target(
            "watchers missing a warm-up message",
            figures["watchers_missing_a_warmup_message"],
            0,
            False,
        ),
    ]
    return {**figures, **report_targets(targets)}


async def _live_chat(url: str, host: str, admin: str, moderator: str) -> str:
    """A discussion open now with a live, pre-moderated chat; its id."""
    now = datetime.now(UTC)
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        created = await client.post(
            "/api/v1/dialogs",
            json={
                "kind": "discussion",
                "title": "Frågestund med kommunstyrelsen",
                "purpose": "Ställ dina frågor under sändningen",
                "instructions": "En fråga i taget",
                "opens_at": (now - timedelta(minutes=1)).isoformat(),
                "closes_at": (now + timedelta(hours=2)).isoformat(),
            },
            headers={"host": host, "authorization": f"Bearer {admin}"},
        )
        created.raise_for_status()
        dialog_id: str = created.json()["id"]
        published = await client.post(
            f"/api/v1/dialogs/{dialog_id}/publish",
            headers={"host": host, "authorization": f"Bearer {admin}"},
        )
        published.raise_for_status()
        live = await client.put(
            f"/api/v1/dialogs/{dialog_id}/chat",
            json={"live": True, "premoderation": True},
            headers={"host": host, "authorization": f"Bearer {moderator}"},
        )
        live.raise_for_status()
    return dialog_id
