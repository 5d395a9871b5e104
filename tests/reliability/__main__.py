"""``python -m tests.reliability [--full] [--keep DIR]``: run the fault scenario and print its
figures; the exit code is 1 when a guarantee broke."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from tests.reliability.scenario import FULL, SHORT, run_scenario


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.reliability")
    parser.add_argument("--full", action="store_true", help="longer load, several rounds")
    parser.add_argument("--keep", type=Path, help="run under this folder and keep its logs")
    args = parser.parse_args()
    profile = FULL if args.full else SHORT
    if args.keep is not None:
        report, logs = asyncio.run(run_scenario(profile, args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="tinget-reliability-") as folder:
            report, logs = asyncio.run(run_scenario(profile, Path(folder)))
    print(report.summary())
    failures = report.failures()
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    if failures:
        print(logs, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
