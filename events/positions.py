"""Read-your-writes, the write side: the log position a request's own appends reached.

The gateway starts a ``Written`` for every request (``track_writes``); every append the
request makes, however deep in a service, raises it (``EventStore.append`` calls
``note_written``); the answer then carries it (``Tinget-Position``), and a later read that
sends it back as ``Tinget-Min-Position`` waits until the read models have applied that far.
One object per request, shared by every task the request starts.
"""

from __future__ import annotations

from contextvars import ContextVar


class Written:
    """The furthest log position the request's appends reached (0: none)."""

    __slots__ = ("position",)

    def __init__(self) -> None:
        self.position = 0


_written: ContextVar[Written | None] = ContextVar("tinget_written", default=None)


def track_writes() -> Written:
    """Start following the current request's appends."""
    written = Written()
    _written.set(written)
    return written


def note_written(position: int) -> None:
    """An append of the current request (if any is followed) reached ``position``."""
    written = _written.get()
    if written is not None and position > written.position:
        written.position = position


def written_position() -> int:
    """The furthest log position the current request's appends reached so far (0: none, or
    no request followed): what a page waits for before showing its own write."""
    written = _written.get()
    return 0 if written is None else written.position
