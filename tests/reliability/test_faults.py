"""Kill NATS, the relay and the projection worker with ``SIGKILL``, restart PostgreSQL and cut
the workers' database connections, one after another, under steady HTTP load: no accepted
write is lost, JetStream holds every stored
event exactly once, every read model equals a rebuild from PostgreSQL, the counts people see
equal the writes accepted, and while PostgreSQL is down the gateway answers 503 problems
quickly and recovers by itself.

The short form runs with the suite; ``TINGET_RELIABILITY=full`` (or
``python -m tests.reliability --full``) runs the longer form with several rounds of each fault.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability.scenario import FULL, SHORT, run_scenario

pytestmark = pytest.mark.reliability


async def test_faults_lose_nothing_and_read_models_converge(tmp_path: Path) -> None:
    profile = FULL if os.environ.get("TINGET_RELIABILITY") == "full" else SHORT
    report, logs = await run_scenario(profile, tmp_path / "cluster")
    print(report.summary())
    failures = report.failures()
    assert not failures, "\n".join([*failures, report.summary(), logs])
    assert report.accepted["vote"] > 0
    assert report.accepted["support"] > 0
    assert report.events_stored >= sum(report.accepted.values())
    assert report.stream.messages == report.events_stored
    assert [f.name for f in report.faults][:4] == [
        "NATS kill -9",
        "relay kill -9",
        "projection worker kill -9",
        "PostgreSQL restart",
    ]
