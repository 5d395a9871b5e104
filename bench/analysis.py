"""``python -m bench analysis``: the analysis's machine suggestions for ``--items`` items.

The items are made from the labelled texts in ``tests/data/construction_faq.json`` (Swedish
and English questions and answers about building): each item is one of them with a random
part of its words left out, so the set has that corpus's vocabulary, its topics and many
near-duplicates. The figures: the wall time of ``suggest`` (TF-IDF over words and character
n-grams, SVD, k-means for every k up to 20 scored by silhouette, headings, near-duplicates),
at most 30 s the target for 10,000 items, and the process's peak memory (resident set).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from pathlib import Path
from typing import Any

from bench.common import Target, figure, report_targets, say
from services.analysis.suggestions import suggest

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "construction_faq.json"
TARGET_SECONDS = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--items", type=int, default=10_000, help="items (default 10,000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the items made")


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
        **report_targets(
            [Target("suggestions wall time", seconds, TARGET_SECONDS, at_least=False, unit=" s")]
        ),
    }
