"""``python -m bench analysis``: the analysis's machine suggestions for ``--items`` items.

The items are made from the labelled texts in ``tests/data/construction_faq.json`` (Swedish
and English questions and answers about building): each item is one of them with a random
part of its words left out, so the set has that corpus's vocabulary, its topics and many
near-duplicates. The figures: the wall time of ``suggest`` (TF-IDF over words and character
n-grams, SVD, k-means for every k up to 20 scored by silhouette, headings, near-duplicates),
at most 30 s the target for 10,000 items, and the process's peak memory (resident set).

``--parts opinion`` (both parts run by default: ``suggestions,opinion``) times the opinion map
of a statements dialog instead (bench/opinion.py): 5,000 participants x 500 statements, at
most 2 s per recomputation the target.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path
from typing import Any

from bench import opinion
from bench.common import Target, figure, report_targets, say
from services.analysis.suggestions import suggest

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "construction_faq.json"
TARGET_SECONDS = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=10_000, help="items (default 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the items made")
    parser.add_argument(
        "--parts",
        default="suggestions,opinion",
        help="comma-separated: suggestions, opinion (default both)",
    )
    opinion.add_arguments(parser)


def items(count: int, seed: int) -> list[str]:
    """``count`` texts, each a corpus text with 10 to 40 % of its words left out."""
    corpus = [i["text"] for i in json.loads(CORPUS.read_text(encoding="utf-8"))["items"]]
    pick = random.Random(seed)
    made: list[str] = []
    for n in range(count):
        words = corpus[n % len(corpus)].split()
        keep = 1.0 - pick.uniform(0.1, 0.4)
        made.append(" ".join(w for w in words if pick.random() < keep) or words[0])
    return made


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    unknown = parts - {"suggestions", "opinion"}
    if unknown:
        raise SystemExit(f"--parts: unknown {', '.join(sorted(unknown))}")
    result: dict[str, Any] = {}
    targets: list[Target] = []
    if "suggestions" in parts:
        found, target = _suggestions(args)
        result |= found
        targets.append(target)
    if "opinion" in parts:
        found_map, opinion_targets = await opinion.run(args)
        result["opinion"] = found_map
        targets += opinion_targets
    return {**result, **report_targets(targets)}


def _suggestions(args: argparse.Namespace) -> tuple[dict[str, Any], Target]:
    texts = items(args.items, args.seed)
    before = _peak_mb()
    say(f"suggestions for {args.items:,} items (peak memory before: {before} MB)")
    began = time.perf_counter()
    result = suggest(texts, language="sv")
    seconds = round(time.perf_counter() - began, 2)
    peak = _peak_mb()
    figure("wall time", seconds, " s")
    figure("groups", len(result.groups), note=f"silhouette {result.silhouette}")
    figure("near-duplicate pairs", len(result.duplicates), note="(at most 500 kept)")
    figure("peak memory", peak, " MB", note=f"(before: {before} MB)")
    for group in result.groups[:5]:
        say(f"  {len(group.members):>5}  {group.heading}")
    return {
        "items": args.items,
        "seconds": seconds,
        "groups": len(result.groups),
        "silhouette": result.silhouette,
        "duplicates": len(result.duplicates),
        "peak_rss_mb": peak,
        "peak_rss_before_mb": before,
    }, Target("suggestions wall time", seconds, TARGET_SECONDS, at_least=False, unit=" s")
