"""``python -m bench all``: every bench, one after another, and a markdown table of the figures.

Each bench runs as its own process (``python -m bench NAME``), so none inherits another's memory
or connections; its output is shown as it comes, and its last line (the JSON figures) is
collected. The table lists every target a bench checks, with its figure, bound and PASS/FAIL,
and every ratio the bench reports; it is written to ``bench/RESULTS.md`` (README links it).
``--quick`` runs each bench shortened, for a smoke test; its table says so.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import number, say, server_url, server_version

# the longest last
ORDER = ("append", "relay", "projection", "gateway", "analysis", "vote", "projections")

QUICK: dict[str, list[str]] = {
    "append": ["--seconds", "3", "--ref-seconds", "3"],
    "relay": ["--events", "50000"],
    "projection": ["--events", "50000", "--tenants", "200"],
    "gateway": ["--votes", "1000", "--rounds", "2"],
    "analysis": ["--items", "2000", "--rounds", "2"],
    "vote": ["--seconds", "8", "--rounds", "1"],
    "projections": ["--events", "100000", "--tenants", "20"],
}

DEFAULT_OUTPUT = Path(__file__).parent / "RESULTS.md"

# Figures shown beside the targets: the references each bench runs, which also tell how fast
# the machine was (compare them before comparing two tables).
HEADLINES: dict[str, list[tuple[str, tuple[str, ...], str]]] = {
    "append": [
        (
            "eventsourcing's own PostgreSQL persistence, events/s",
            ("eventsourcing", "events_per_s"),
            "",
        ),
        ("raw asyncpg executemany, rows/s", ("raw_executemany", "rows_per_s"), ""),
        ("mean events per group commit", ("one_tenant", "avg_batch"), ""),
    ],
    "gateway": [
        ("gateway CPU per vote, in process", ("cpu_us_per_vote",), " µs"),
    ],
    "vote": [
        ("reference votes/s", ("reference", "votes_per_s"), ""),
        ("Tinget votes/s", ("tinget", "votes_per_s"), ""),
        ("reference p99", ("reference", "p99_ms"), " ms"),
        ("reference server CPU per vote", ("reference", "server_cpu_us_per_vote"), " µs"),
        ("Tinget gateway CPU per vote", ("tinget", "server_cpu_us_per_vote"), " µs"),
    ],
    "analysis": [
        ("peak memory of the suggestions", ("peak_rss_mb",), " MB"),
        (
            "opinion map: peak memory traced in a recomputation",
            ("opinion", "traced_peak_mb"),
            " MB",
        ),
        ("opinion map: adjusted Rand index vs planted groups", ("opinion", "ari"), ""),
    ],
    "projections": [
        ("all read models, one after another, events/s", ("total_events_per_s",), ""),
    ],
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--only", nargs="+", choices=ORDER, default=list(ORDER), help="benches to run (all)"
    )
    parser.add_argument("--quick", action="store_true", help="shortened runs, a smoke test")
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help=f"the table (default {DEFAULT_OUTPUT})"
    )


async def run(args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, dict[str, Any]] = {}
    for name in args.only:
        say(f"\n=== python -m bench {name} ===")
        results[name] = await asyncio.to_thread(run_one, name, QUICK[name] if args.quick else [])
    postgres = await server_version(server_url())
    table = render(results, quick=args.quick, postgres=postgres)
    args.output.write_text(table)
    say(f"\n{table}")
    say(f"written to {args.output}")
    return {
        "benches": {name: summary(result) for name, result in results.items()},
        "output": str(args.output),
        "all_targets_passed": all(r.get("all_targets_passed") is True for r in results.values()),
    }


def run_one(name: str, extra: list[str]) -> dict[str, Any]:
    """Run one bench, echoing its output; its figures, or why it gave none."""
    command = [sys.executable, "-m", "bench", name, *extra]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    assert process.stdout is not None
    last = ""
    for line in process.stdout:
        print(line, end="", flush=True)
        if line.strip():
            last = line
    code = process.wait()
    if code != 0:
        return {"error": f"exit code {code}"}
    try:
        figures: dict[str, Any] = json.loads(last)
    except json.JSONDecodeError:
        return {"error": "no figures printed"}
    return figures


def summary(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("error", "wall_seconds", "targets", "ratios", "all_targets_passed")
    return {k: result[k] for k in keys if k in result}


def render(
    results: dict[str, dict[str, Any]], *, quick: bool, postgres: str, when: str | None = None
) -> str:
    when = when or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Bench figures" + (" (quick run: shortened, for a smoke test)" if quick else ""),
        "",
        f"`python -m bench all{' --quick' if quick else ''}`, {when}, on {machine()},"
        f" PostgreSQL {postgres}. Each bench ran as its own process, one after another; a"
        " ratio compares two runs of the same bench on the same machine.",
        "",
        "| bench | figure | value | target | result |",
        "|---|---|---|---|---|",
    ]
    for name, result in results.items():
        if "error" in result:
            lines.append(f"| {name} | (did not finish) | {result['error']} | | FAIL |")
            continue
        for target in result.get("targets", []):
            value = target["value"]
            shown = "n/a" if value is None else number(value)
            mark = "PASS" if target["passed"] else "FAIL"
            lines.append(f"| {name} | {target['name']} | {shown} | {target['target']} | {mark} |")
        for label, path, unit in HEADLINES.get(name, []):
            found = dig(result, path)
            if found is not None:
                lines.append(f"| {name} | {label} | {number(found)}{unit} | | |")
        for ratio, value in flatten(result.get("ratios", {})):
            lines.append(f"| {name} | ratio: {ratio} | {number(value)}x | | |")
        lines.append(f"| {name} | wall time | {number(result['wall_seconds'])} s | | |")
    lines.append("")
    return "\n".join(lines)


def dig(result: dict[str, Any], path: tuple[str, ...]) -> float | None:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, int | float) else None


def flatten(value: Any, prefix: str = "") -> list[tuple[str, float]]:
    if isinstance(value, dict):
        out: list[tuple[str, float]] = []
        for key, inner in value.items():
            out.extend(flatten(inner, f"{prefix}{key} " if prefix else f"{key} "))
        return out
    if isinstance(value, int | float):
        return [(prefix.strip(), float(value))]
    return []


def machine() -> str:
    cores = os.cpu_count() or 0
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return f"{cores} cores"
    return f"{cores} cores, {memory:.0f} GiB"
