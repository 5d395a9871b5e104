"""The ideas read model: each idea of an analysis with its stage, title, owner, items, the
questions of each stage it entered and their answers, its notes and its decision; the
queries beside it.

One row per idea (``analysis_ideas``). Every idea event names its analysis, so each is one
statement on its row, applied once per event in the log's order (the runtime skips events it
has applied); the questions, answers and notes are JSON as the events carry them, so a
rebuild gives the same rows as the live path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent

IDEA_EVENTS = frozenset(
    {
        "IdeaCreated",
        "IdeaRetitled",
        "IdeaOwnerSet",
        "IdeaNoteAdded",
        "IdeaQuestionsAnswered",
        "IdeaAdvanced",
        "IdeaDecided",
    }
)
_KEY = "tenant_id = $1 AND analysis_id = $2 AND idea_id = $3"


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


class AnalysisIdeas:
    name = "analysis_ideas"
    event_types = IDEA_EVENTS
    tables: tuple[str, ...] = ("analysis_ideas",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        for r in events:
            e = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            statement, args = _change(r.tenant_id, r.stream_id, r.event_type, e)
            await conn.execute(statement, *args)


def _change(tenant_id: str, idea_id: UUID, name: str, e: Any) -> tuple[str, tuple[Any, ...]]:
    """The statement (and its arguments) one idea event makes of its row."""
    key = (tenant_id, e.analysis_id, idea_id)
    at = e.timestamp
    match name:
        case "IdeaCreated":
            return (
                "INSERT INTO analysis_ideas (tenant_id, analysis_id, idea_id, title, stage,"
                " items, questions, answers, notes, created_by, created_at, changed_at)"
                " VALUES ($1, $2, $3, $4, 'raw', $5, jsonb_build_object('raw', $6::jsonb),"
                " '{\"raw\": {}}', '[]', $7, $8, $8) ON CONFLICT DO NOTHING",
                (*key, e.title, list(e.items), _json(e.questions), e.created_by, at),
            )
        case "IdeaRetitled":
            return (
                f"UPDATE analysis_ideas SET title = $4, changed_at = $5 WHERE {_KEY}",
                (*key, e.title, at),
            )
        case "IdeaOwnerSet":
            return (
                f"UPDATE analysis_ideas SET owner_id = $4, changed_at = $5 WHERE {_KEY}",
                (*key, e.owner_id, at),
            )
        case "IdeaNoteAdded":
            note = {
                "id": e.note_id,
                "text": e.text,
                "author_id": e.author_id,
                "stage": e.stage,
                "added_at": e.added_at,
            }
            return (
                "UPDATE analysis_ideas SET notes = notes || jsonb_build_array($4::jsonb),"
                f" changed_at = $5 WHERE {_KEY}",
                (*key, _json(note), at),
            )
        case "IdeaQuestionsAnswered":
            return (
                "UPDATE analysis_ideas SET answers = jsonb_set(answers, ARRAY[$4::text],"
                " coalesce(answers -> $4::text, '{}') || $5::jsonb), changed_at = $6"
                f" WHERE {_KEY}",
                (*key, e.stage, _json(e.answers), at),
            )
        case "IdeaAdvanced":
            return (
                "UPDATE analysis_ideas SET stage = $4::text,"
                " questions = jsonb_set(questions, ARRAY[$4::text], $5::jsonb),"
                " answers = jsonb_set(answers, ARRAY[$4::text],"
                " coalesce(answers -> $4::text, '{}')), changed_at = $6"
                f" WHERE {_KEY}",
                (*key, e.stage, _json(e.questions), at),
            )
        case _:  # IdeaDecided
            return (
                "UPDATE analysis_ideas SET stage = 'decided', decision_id = $4, outcome = $5,"
                f" committee = $6, decided_on = $7, changed_at = $8 WHERE {_KEY}",
                (*key, e.decision_id, e.outcome, e.committee, e.decided_on, at),
            )


class IdeaQueries:
    """Reads of the ideas read model, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def ideas(
        self, tenant_id: str, analysis_id: UUID, stage: str | None = None
    ) -> list[asyncpg.Record]:
        """The analysis's ideas (those in ``stage`` if given), oldest first; the JSON columns
        as text."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                "SELECT idea_id, analysis_id, title, stage, owner_id, items,"
                " questions::text AS questions, answers::text AS answers, notes::text AS notes,"
                " created_by, created_at, changed_at, decision_id, outcome, committee,"
                " decided_on FROM analysis_ideas WHERE tenant_id = $1 AND analysis_id = $2"
                " AND ($3::text IS NULL OR stage = $3)"
                " ORDER BY created_at, idea_id",
                tenant_id,
                analysis_id,
                stage,
            )
        return rows
