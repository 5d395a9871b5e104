"""The client side of ``python -m bench chat``, in a process of its own: ``--watchers`` SSE
connections to one live chat (a plain asyncio HTTP/1.1 client each, so 500 of them cost
little), then a participant posts ``--messages`` messages to the pre-moderated chat and a
moderator approves each, ``--interval`` seconds apart. Every watcher must receive every
approved message, once, in order; the delivery time of each is measured from the moment the
approval's request was sent. The last line printed is the JSON of the figures."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from tinget import loop

SEP = b"\r\n\r\n"  # litestar ends each server-sent event with a blank line, CRLF


@dataclass
class Received:
    ids: list[int] = field(default_factory=list)  # event ids, in order
    at: dict[str, float] = field(default_factory=dict)  # message id -> when read
    duplicates: int = 0
    refused: int = 0  # 503s before the stream began


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
    if size == 0:
        raise EOFError("the stream ended")
    data = await reader.readexactly(size + 2)
    return data[:-2]


async def watch(
    address: tuple[str, int], host: str, path: str, live: asyncio.Event, got: Received
) -> None:
    """One watcher: an SSE stream read until cancelled. A 503 (the gateway busy while many
    arrive at once) is tried again after its Retry-After, as a polite client does."""
    while True:
        reader, writer = await asyncio.open_connection(*address)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status = head.split(b" ", 2)[1]
        if status == b"200":
            break
        writer.close()
        if status != b"503":
            raise RuntimeError(f"the stream answered {head[:200]!r}")
        got.refused += 1
        await asyncio.sleep(2)
    chunked = b"transfer-encoding: chunked" in head.lower()
    buffer = b""
    try:
        while True:
            buffer += await _read_chunked(reader) if chunked else await reader.read(65536)
            while SEP in buffer:
                block, buffer = buffer.split(SEP, 1)
                now = time.perf_counter()
                fields: dict[bytes, bytes] = {}
                for line in block.split(b"\r\n"):
                    name, _, value = line.partition(b": ")
                    fields[name] = value
                if fields.get(b"event") == b"live":
                    live.set()
                if fields.get(b"event") != b"message":
                    continue
                event_id = int(fields[b"id"])
                message_id = json.loads(fields[b"data"])["id"]
                if message_id in got.at:
                    got.duplicates += 1
                got.at[message_id] = now
                got.ids.append(event_id)
    finally:
        writer.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    url = urlsplit(args.url)
    address = (url.hostname or "127.0.0.1", url.port or 80)
    path = f"/api/v1/dialogs/{args.dialog}/chat/events"
    received = [Received() for _ in range(args.watchers)]
    ready = [asyncio.Event() for _ in range(args.watchers)]
    began = time.perf_counter()
    tasks = []
    for i in range(args.watchers):  # connect in waves, as an audience arrives
        tasks.append(asyncio.create_task(watch(address, args.host, path, ready[i], received[i])))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    async with asyncio.timeout(120):
        await asyncio.gather(*(r.wait() for r in ready))
    connected = time.perf_counter() - began
    print(f"{args.watchers} watchers live after {connected:.2f} s", file=sys.stderr)

    sent_at: dict[str, float] = {}
    posting: list[float] = []
    base = {"host": args.host}
    async with httpx.AsyncClient(base_url=args.url, timeout=30) as client:
        for i in range(-args.warmup, args.messages):
            posted = await client.post(
                f"/api/v1/dialogs/{args.dialog}/chat/messages",
                json={"body": f"Fråga {i}: när öppnar den nya simhallen?"},
                headers={**base, "authorization": f"Bearer {args.participant}"},
            )
            assert posted.status_code == 201, posted.text
            message_id = posted.json()["id"]
            began = time.perf_counter()
            if i >= 0:  # the warm-up's messages are delivered too, but not measured
                sent_at[message_id] = began
            approved = await client.post(
                f"/api/v1/dialogs/{args.dialog}/chat/messages/{message_id}/approve",
                headers={**base, "authorization": f"Bearer {args.moderator}"},
            )
            assert approved.status_code == 200, approved.text
            posting.append(time.perf_counter() - began)
            await asyncio.sleep(args.interval)
    # every watcher has every message, or the patience runs out
    deadline = time.perf_counter() + 30
    wanted = args.messages + args.warmup
    while time.perf_counter() < deadline and any(len(r.at) < wanted for r in received):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    latencies = [r.at[m] - sent for r in received for m, sent in sent_at.items() if m in r.at]
    per_message = sorted(
        (
            statistics.median([r.at[m] - sent for r in received if m in r.at] or [math.nan]),
            i,
        )
        for i, (m, sent) in enumerate(sent_at.items())
    )
    print(
        "slowest messages (median delivery ms, message #): "
        + ", ".join(f"{ms * 1000:.0f} (#{i})" for ms, i in per_message[-5:]),
        file=sys.stderr,
    )
    missing = sum(1 for r in received for m in sent_at if m not in r.at)
    out_of_order = sum(1 for r in received if r.ids != sorted(set(r.ids)))
    missing_warmup = sum(1 for r in received if len(r.at) < wanted)
    return {
        "watchers": args.watchers,
        "messages": args.messages,
        "deliveries": len(latencies),
        "missing": missing,
        "duplicates": sum(r.duplicates for r in received),
        "watchers_missing_a_warmup_message": missing_warmup,
        "watchers_out_of_order": out_of_order,
        "connect_seconds": round(connected, 3),
        "connects_refused_503": sum(r.refused for r in received),
        "approve_request_p50_ms": round(percentile(posting, 50) * 1000, 2),
        "delivery_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "delivery_p99_ms": round(percentile(latencies, 99) * 1000, 2),
        "delivery_max_ms": round(max(latencies, default=float("nan")) * 1000, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chat_watchers")
    parser.add_argument("--url", required=True)
    parser.add_argument("--host", required=True)
    parser.add_argument("--dialog", required=True)
    parser.add_argument("--participant", required=True)
    parser.add_argument("--moderator", required=True)
    parser.add_argument("--watchers", type=int, default=500)
    parser.add_argument("--messages", type=int, default=60)
    parser.add_argument("--interval", type=float, default=0.25)
    parser.add_argument("--warmup", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(loop.run(run(args))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
