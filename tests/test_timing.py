"""``events.timing.every``: the loop of the worker's once-a-while jobs (the dialog and round
schedulers, the took-part marks, the rate-limit pruner)."""

from __future__ import annotations

import asyncio
import time

from events.timing import every


async def test_a_step_runs_at_once_then_each_interval_and_a_stop_ends_the_wait() -> None:
    stop = asyncio.Event()
    steps: list[float] = []
    began = time.monotonic()

    async def step() -> None:
        steps.append(time.monotonic() - began)
        if len(steps) == 3:
            stop.set()

    await asyncio.wait_for(every(0.05, step, stop), timeout=5)

    assert len(steps) == 3
    assert steps[0] < 0.05  # the first at once
    assert steps[2] - steps[0] >= 0.09  # then an interval apart


async def test_a_stop_during_the_wait_ends_the_loop_long_before_the_interval() -> None:
    stop = asyncio.Event()
    steps = 0

    async def step() -> None:
        nonlocal steps
        steps += 1

    loop = asyncio.create_task(every(3600, step, stop))
    await asyncio.sleep(0.05)
    began = time.monotonic()
    stop.set()
    await asyncio.wait_for(loop, timeout=5)

    assert steps == 1
    assert time.monotonic() - began < 1
