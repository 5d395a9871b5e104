"""A circuit breaker per push service host: a host that keeps failing is left alone for a while.

Without it, every delivery to a push service that hangs or errors would spend its full timeout
in one of the sender's slots, round after round. After ``failures`` consecutive failures the
host is open (skipped) for ``cooldown`` seconds; then the next attempt goes through, and closes
it on success or opens it again on failure. The state lives in the sending process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Host:
    failures: int = 0
    open_until: float = 0.0


@dataclass
class Breaker:
    failures: int = 5
    cooldown: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _hosts: dict[str, _Host] = field(default_factory=dict)

    def wait(self, host: str) -> float:
        """Seconds until ``host`` may be tried again (0 when it may be tried now)."""
        state = self._hosts.get(host)
        if state is None:
            return 0.0
        return max(0.0, state.open_until - self.clock())

    def succeeded(self, host: str) -> None:
        self._hosts.pop(host, None)

    def failed(self, host: str) -> None:
        state = self._hosts.setdefault(host, _Host())
        state.failures += 1
        if state.failures >= self.failures:
            state.open_until = self.clock() + self.cooldown
