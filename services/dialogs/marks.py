"""That a person took part in a dialog, recorded apart from what they said, and late.

A ballot and an anonymous survey response name nobody. That their person took part is still
worth knowing (results go to those who took part, reminders to those who did not, a decision
is told to everyone who took part in what it answers), so it is recorded as a mark that names
the person and says nothing of what they said (``SurveyAnswered``, ``TookPartInPoll``).

Recorded at once after the contribution, a mark's position and time in the event log would sit
next to the contribution's and tell whose it is. So the request only notes it (a row of
``took_part_pending``, no time kept), and the projection worker records a dialog's marks in
batches (``record_due``): only once at least ``MIN_BATCH`` wait, all of them in one append in
random order, so that a mark says no more than that its person is one of the at least
``MIN_BATCH`` who took part since the previous batch. When the dialog has closed, the marks
still waiting are recorded, however few (the last batch may be smaller); publishing a dialog's
results records them first, so that its results reach everyone who took part.

Until its batch, a noted mark counts as taken part (``Marks.noted``). A mark lost with a crash
between the contribution and the note is noted again by the contribution's second attempt,
which the store refuses. Erasing a person deletes their waiting marks (``erase_pending``).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import structlog
from eventsourcing.domain import Aggregate

from events.db import tenant_transaction
from events.model import ConcurrencyConflict
from events.repository import Repository
from events.timing import every

log = structlog.get_logger(__name__)

MIN_BATCH = 5
"""The fewest marks of a dialog recorded together while it is open."""

MarkFactory = Callable[[UUID, UUID], Aggregate]
"""Makes the mark aggregate of one kind for (dialog, person)."""

BatchFactory = Callable[[UUID, list[UUID]], Aggregate]
"""Makes one aggregate holding the marks of a kind for (dialog, people): one event a batch."""

MAX_PEOPLE_A_BATCH = 1_000
"""The most people in one batch's event (a busy vote records more in several)."""


@dataclass(frozen=True, slots=True)
class _Note:
    tenant_id: str
    dialog_id: UUID
    person_id: UUID
    kind: str
    written: asyncio.Future[None]


class Marks:
    """Notes marks as people take part and records them in batches. ``pool`` is the gateway's
    (a tenant's rows only) or the worker's; ``factories`` make the mark of each kind, one
    event a person; a kind in ``batches`` is recorded as one event for a batch of people (at
    most ``MAX_PEOPLE_A_BATCH``) instead: fewer events to store, relay and apply."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        repository: Repository,
        factories: Mapping[str, MarkFactory],
        batches: Mapping[str, BatchFactory] | None = None,
    ) -> None:
        self.pool = pool
        self.repository = repository
        self.factories = factories
        self.batches = batches or {}
        self._waiting: list[_Note] = []
        self._writing = False
        self.statements = 0  # notes written, in so many statements

    async def note(self, tenant_id: str, kind: str, dialog_id: UUID, person_id: UUID) -> None:
        """Note that the person took part; the mark is recorded with its batch. Returns once
        the note is written. The notes that arrive while one is being written wait and go
        together in one statement (as appends do, events/store.py): one round trip for many
        ballots when voting opens, at once for a lone one."""
        if kind not in self.factories:
            raise ValueError(f"no mark of kind {kind!r}")
        written: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Note(tenant_id, dialog_id, person_id, kind, written))
        if not self._writing:
            self._writing = True
            asyncio.get_running_loop().create_task(self._write_waiting())
        await written

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                notes, self._waiting = self._waiting, []
                try:
                    async with self.pool.acquire() as conn:
                        await conn.execute(
                            "SELECT tinget_note_took_part_together($1, $2, $3, $4)",
                            [n.tenant_id for n in notes],
                            [n.dialog_id for n in notes],
                            [n.person_id for n in notes],
                            [n.kind for n in notes],
                        )
                    self.statements += 1
                except Exception as error:  # every note of the statement hears why
                    for n in notes:
                        if not n.written.done():
                            n.written.set_exception(error)
                    continue
                for n in notes:
                    if not n.written.done():
                        n.written.set_result(None)
        finally:
            self._writing = False

    async def noted(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> bool:
        """Whether the person's mark waits for its batch."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            found: bool = await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM took_part_pending"
                " WHERE tenant_id = $1 AND dialog_id = $2 AND person_id = $3)",
                tenant_id,
                dialog_id,
                person_id,
            )
        return found

    async def record(self, tenant_id: str, dialog_id: UUID) -> int:
        """Record every mark of the dialog that waits, in one append in random order (the
        dialog has closed: its results are about to be told to those who took part)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT person_id, kind FROM took_part_pending"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
        waiting = [(r["person_id"], r["kind"]) for r in rows]
        if not waiting:
            return 0
        random.SystemRandom().shuffle(waiting)
        marks = self._marks(dialog_id, waiting)
        try:
            await self.repository.save(tenant_id, *marks)
        except ConcurrencyConflict:  # some were recorded already (a crash before the delete)
            for mark in self._marks(dialog_id, waiting):
                with suppress(ConcurrencyConflict):
                    await self.repository.save(tenant_id, mark)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await conn.execute(
                "DELETE FROM took_part_pending WHERE tenant_id = $1 AND dialog_id = $2"
                " AND person_id = ANY($3::uuid[])",
                tenant_id,
                dialog_id,
                [person_id for person_id, _ in waiting],
            )
        return len(waiting)

    def _marks(self, dialog_id: UUID, waiting: list[tuple[UUID, str]]) -> list[Aggregate]:
        """The marks of ``waiting`` (person, kind): one aggregate a person, or, for a kind in
        ``batches``, one for each ``MAX_PEOPLE_A_BATCH`` people in the order of their ids (so
        the same people make the same batches, which the store refuses a second time)."""
        marks: list[Aggregate] = []
        batched: dict[str, list[UUID]] = {}
        for person_id, kind in waiting:
            if kind in self.batches:
                batched.setdefault(kind, []).append(person_id)
            else:
                marks.append(self.factories[kind](dialog_id, person_id))
        for kind, unordered in batched.items():
            people = sorted(unordered)
            for start in range(0, len(people), MAX_PEOPLE_A_BATCH):
                marks.append(
                    self.batches[kind](dialog_id, people[start : start + MAX_PEOPLE_A_BATCH])
                )
        return marks

    async def record_due(self, *, min_batch: int = MIN_BATCH, limit: int = 200) -> int:
        """Record the marks of every dialog with at least ``min_batch`` waiting, or closed with
        any waiting; return how many were recorded. With the worker's pool (every tenant);
        running it in several workers at once is harmless: a mark recorded already is a
        version conflict, and its row is deleted alike."""
        async with self.pool.acquire() as conn:
            due = await conn.fetch(
                "SELECT p.tenant_id, p.dialog_id FROM took_part_pending p"
                " LEFT JOIN dialogs d ON d.tenant_id = p.tenant_id AND d.dialog_id = p.dialog_id"
                " GROUP BY p.tenant_id, p.dialog_id"
                " HAVING count(*) >= $1"
                "   OR bool_or(d.status IN ('closed', 'results-published'))"
                "   OR bool_or(d.closes_at <= now())"
                " LIMIT $2",
                min_batch,
                limit,
            )
        recorded = 0
        for row in due:
            recorded += await self.record(row["tenant_id"], row["dialog_id"])
        return recorded


async def erase_pending(conn: asyncpg.Connection, tenant_id: str, person_id: UUID) -> None:
    """Forget the person's waiting marks (in the erasure's transaction)."""
    await conn.execute(
        "DELETE FROM took_part_pending WHERE tenant_id = $1 AND person_id = $2",
        tenant_id,
        person_id,
    )


async def run_marks(
    record: Callable[[], Awaitable[int]], stop: asyncio.Event, interval: float = 1.0
) -> None:
    """Record the marks that are due, once every ``interval`` seconds until ``stop``."""

    async def step() -> None:
        recorded = await record()
        if recorded:
            log.info("took-part marks recorded", count=recorded)

    await every(interval, step, stop)
