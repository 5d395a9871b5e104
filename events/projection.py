"""What a read model is to the projection runtime (projections/runtime.py), which feeds it: the
contract a context's read models and policies meet, without importing the runtime."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

import asyncpg

from events.model import RecordedEvent


class Projection(Protocol):
    """A read model fed by events. ``apply`` runs inside the runtime's transaction."""

    name: str
    event_types: frozenset[str]
    tables: tuple[str, ...]

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None: ...


Apply = Callable[[asyncpg.Connection, Sequence[RecordedEvent]], Awaitable[None]]


class BatchWriter(Protocol):
    """How a rebuild writes its batches. ``prepare`` gets every batch of the rebuild in log
    order, before it is applied and while the batches before it are written, and does the
    work in Python (decoding, with any data keys that needs loaded first); ``apply`` then
    writes the events of the batch that were not applied yet (in a rebuild, all of the
    projection's) inside the runtime's transaction, in the same order."""

    async def prepare(self, events: Sequence[RecordedEvent]) -> None: ...

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None: ...


@runtime_checkable
class Rebuilding(Protocol):
    """A projection with a rebuild of its own: ``rebuilding()`` is called once a rebuild has
    emptied the tables (and dropped their plain indexes), and what it returns writes each of
    the rebuild's batches (it may keep what it learns between them, being the only writer)
    exactly as ``apply`` would have."""

    def rebuilding(self) -> BatchWriter: ...
