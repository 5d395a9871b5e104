"""Where the CPU went during a bench: by process, by command, and the whole machine (Linux).

Figures come from ``/proc``: elsewhere they are NaN. Percentages are of one core, so a machine
with two cores busy all the time shows 200.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux); NaN where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine since boot (Linux); (0, 0) elsewhere."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return 0, 0
    ticks = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    return sum(ticks) - ticks[3] - ticks[4], sum(ticks)


def _by_command(commands: Sequence[str]) -> dict[str, float]:
    """CPU seconds so far of every process running one of ``commands``, summed per command."""
    out = dict.fromkeys(commands, 0.0)
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        if command in out:
            used = cpu_seconds(int(entry.name))
            out[command] += 0.0 if math.isnan(used) else used
    return out


class CpuMeter:
    """CPU used over a span, in percent of one core: by the processes named, by all processes
    running ``commands`` (a backend that ends meanwhile is missed), and by the whole machine."""

    def __init__(self, pids: Mapping[str, int], commands: Sequence[str] = ()) -> None:
        self.pids = dict(pids)
        self.commands = list(commands)
        self._began = 0.0
        self._cpu: dict[str, float] = {}
        self._machine = (0, 0)

    def _now(self) -> dict[str, float]:
        out = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        out.update({f"{c} (all)": v for c, v in _by_command(self.commands).items()})
        return out

    def start(self) -> None:
        self._began = time.perf_counter()
        self._cpu = self._now()
        self._machine = _machine_ticks()

    def stop(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self._began
        out = {
            name: round(100 * (used - self._cpu[name]) / elapsed, 1)
            for name, used in self._now().items()
        }
        busy, total = _machine_ticks()
        spent = total - self._machine[1]
        cores = os.cpu_count() or 1
        out["machine"] = (
            round(100 * cores * (busy - self._machine[0]) / spent, 1) if spent else math.nan
        )
        return out
