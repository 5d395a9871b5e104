"""Rebuild one read model in a process of its own and print its time and peak memory as JSON.

``python -m bench.rebuild_one DATABASE_URL PROJECTION``: run by ``python -m bench
projections`` so that each projection's peak memory is its own.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from tinget import loop
from tinget.bootstrap import Addresses, open_platform
from tinget.runner import _settle_memory


async def rebuild(database_url: str, name: str) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as data:
        addresses = Addresses(
            database_url=database_url,
            nats_url=None,
            data_dir=Path(data),
            signing_secret="bench-" + "s" * 40,
        )
        async with open_platform(addresses, with_nats=False, pool_size=4) as platform:
            [runner] = [r for r in platform.projections if r.projection.name == name]
            _settle_memory()
            began = time.perf_counter()
            events = await runner.rebuild(platform.reader)
            seconds = time.perf_counter() - began
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "projection": name,
        "events": events,
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def main() -> None:
    url, name = sys.argv[1], sys.argv[2]
    print(json.dumps(loop.run(rebuild(url, name))))


if __name__ == "__main__":
    main()
