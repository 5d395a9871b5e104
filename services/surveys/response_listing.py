"""Each response to a survey as a row, for exports and the moderation of free text answers,
and the queries beside them.

A row holds what a response answered (the answers as stored, the questionnaire version) and
the day (UTC) it came in, never a finer time: an export must not let anyone match an
anonymous response with whoever was seen answering at a certain moment (the ``SurveyAnswered``
marks name the respondents, in log order). For the same reason a row is not named by its
response's stream (a keyed hash of the person) nor numbered in the order responses came, but
by another keyed hash of the stream (``Keys.survey_row``): the same live and after a rebuild,
telling nothing of the person or the time.

A response to a survey that names its respondents (``NamedResponseSubmitted``) has its answers
sealed under the respondent's key: decoded through the codec, they read as erased once the
person is, so a rebuild leaves them out; live, ``PersonErased`` clears them (the row keeps the
person's id for that alone, and no export shows it).

Staff's decisions about free text answers (``SurveyTextApproved``, ``SurveyTextHidden``) are
kept beside them: a text is pending until approved, and only approved texts of answers that
are still there are published in results.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.personal import ERASURE_EVENT
from services.identity.keys import Keys
from services.surveys.texts import TextStatus

NAMED = "NamedResponseSubmitted"
RESPONSE_EVENTS = frozenset({"AnonymousResponseSubmitted", NAMED})
DECISIONS = {"SurveyTextApproved": TextStatus.APPROVED, "SurveyTextHidden": TextStatus.HIDDEN}
BATCH = 500  # rows an export reads from its cursor at a time

_encoder = msgspec.json.Encoder()

TextKey = tuple[str, UUID, str, str]  # tenant, dialog, response, question


class SurveyResponses:
    """The survey responses read model: a row per response, and the free text decisions."""

    name = "survey_responses"
    event_types = RESPONSE_EVENTS | frozenset(DECISIONS) | {ERASURE_EVENT}
    tables: tuple[str, ...] = ("survey_responses", "survey_text_decisions")

    def __init__(self, codec: Codec, keys: Keys) -> None:
        self.codec = codec
        self.keys = keys

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        responses: list[tuple[Any, ...]] = []
        decisions: dict[TextKey, tuple[str, UUID, datetime]] = {}
        erased: list[tuple[str, UUID]] = []
        for recorded in events:
            tenant = recorded.tenant_id
            if recorded.event_type == ERASURE_EVENT:
                erased.append((tenant, recorded.stream_id))
                continue
            event = self.codec.decode(
                recorded.event_type, recorded.data, recorded.stream_id, recorded.version
            )
            if recorded.event_type in RESPONSE_EVENTS:
                answers = event.answers if isinstance(event.answers, dict) else None
                responses.append(
                    (
                        tenant,
                        event.dialog_id,
                        self.keys.survey_row(tenant, recorded.stream_id),
                        recorded.recorded_at.astimezone(UTC).date(),
                        event.version,
                        None if answers is None else _encoder.encode(answers).decode(),
                        event.person_id if recorded.event_type == NAMED else None,
                    )
                )
            else:
                key = (tenant, event.dialog_id, event.response, event.question_id)
                decisions[key] = (DECISIONS[recorded.event_type], event.by, recorded.recorded_at)
        if responses:
            await conn.executemany(
                "INSERT INTO survey_responses"
                " (tenant_id, dialog_id, response, day, version, answers, person_id)"
                " VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) ON CONFLICT DO NOTHING",
                responses,
            )
        if decisions:
            await conn.executemany(
                "INSERT INTO survey_text_decisions AS d"
                " (tenant_id, dialog_id, response, question_id, status, decided_by, decided_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                " ON CONFLICT (tenant_id, dialog_id, response, question_id) DO UPDATE"
                " SET status = excluded.status, decided_by = excluded.decided_by,"
                " decided_at = excluded.decided_at",
                [(*key, *decision) for key, decision in decisions.items()],
            )
        if erased:
            # The answers of an erased respondent read as their events now decode: erased.
            await conn.execute(
                "UPDATE survey_responses r SET answers = NULL"
                " FROM unnest($1::text[], $2::uuid[]) AS k(tenant_id, person_id)"
                " WHERE r.tenant_id = k.tenant_id AND r.person_id = k.person_id",
                [k[0] for k in erased],
                [k[1] for k in erased],
            )


# -- reading ---------------------------------------------------------------------------------


class ResponseRow(msgspec.Struct, kw_only=True):
    """A response as an export has it: ``answers`` is None when its respondent was erased."""

    number: int
    response: str
    version: int
    day: date
    answers: dict[str, Any] | None


class TextAnswerView(msgspec.Struct, kw_only=True):
    """One free text answer and what staff decided about it."""

    response: str
    question_id: str
    text: str
    status: TextStatus
    decided_by: UUID | None
    decided_at: datetime | None


_TEXT = (
    "SELECT r.response, r.answers ->> $3::text AS text, coalesce(d.status, 'pending') AS status,"
    " d.decided_by, d.decided_at FROM survey_responses r"
    " LEFT JOIN survey_text_decisions d ON d.tenant_id = r.tenant_id"
    " AND d.dialog_id = r.dialog_id AND d.response = r.response AND d.question_id = $3::text"
    " WHERE r.tenant_id = $1 AND r.dialog_id = $2"
    " AND jsonb_typeof(r.answers -> $3::text) = 'string'"
)


class SurveyResponseQueries:
    """Reads of survey responses, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def rows(self, tenant_id: str, dialog_id: UUID) -> AsyncIterator[ResponseRow]:
        """Every response to the survey, by day and then by response id, numbered in that
        order, read through a server-side cursor a batch at a time."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            query = (
                "SELECT row_number() OVER (ORDER BY day, response) AS number, response, version,"
                " day, answers::text AS answers FROM survey_responses"
                " WHERE tenant_id = $1 AND dialog_id = $2 ORDER BY day, response"
            )
            async for r in conn.cursor(query, tenant_id, dialog_id, prefetch=BATCH):
                yield ResponseRow(
                    number=r["number"],
                    response=r["response"],
                    version=r["version"],
                    day=r["day"],
                    answers=None if r["answers"] is None else msgspec.json.decode(r["answers"]),
                )

    async def has_text(self, tenant_id: str, dialog_id: UUID, response: str, question: str) -> bool:
        """Whether the response gave a text answer to the question (and is not erased)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            found = await conn.fetchval(
                "SELECT jsonb_typeof(answers -> $4::text) = 'string' FROM survey_responses"
                " WHERE tenant_id = $1 AND dialog_id = $2 AND response = $3",
                tenant_id,
                dialog_id,
                response,
                question,
            )
        return bool(found)

    async def texts(
        self,
        tenant_id: str,
        dialog_id: UUID,
        question: str,
        status: TextStatus | None,
        after: str | None,
        limit: int,
    ) -> list[TextAnswerView]:
        """Up to ``limit`` text answers to ``question`` (of ``status``, if given), by
        response id, after the response ``after``."""
        query = _TEXT + " AND ($4::text IS NULL OR coalesce(d.status, 'pending') = $4)"
        query += " AND ($5::text IS NULL OR r.response > $5) ORDER BY r.response LIMIT $6"
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                query,
                tenant_id,
                dialog_id,
                question,
                None if status is None else status.value,
                after,
                limit,
            )
        return [
            TextAnswerView(
                response=r["response"],
                question_id=question,
                text=r["text"],
                status=TextStatus(r["status"]),
                decided_by=r["decided_by"],
                decided_at=r["decided_at"],
            )
            for r in rows
        ]

    async def published(
        self, tenant_id: str, dialog_id: UUID, questions: Sequence[str]
    ) -> Mapping[str, tuple[int, list[str]]]:
        """For each free text question, how many answered it and the approved texts (by
        response id): nothing pending or hidden, nothing of an erased respondent."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            counts = await conn.fetch(
                "SELECT q.id, count(r.response) AS answered FROM unnest($3::text[]) AS q(id)"
                " LEFT JOIN survey_responses r ON r.tenant_id = $1 AND r.dialog_id = $2"
                " AND jsonb_typeof(r.answers -> q.id) = 'string' GROUP BY q.id",
                tenant_id,
                dialog_id,
                list(questions),
            )
            approved = await conn.fetch(
                "SELECT d.question_id, r.answers ->> d.question_id AS text"
                " FROM survey_text_decisions d JOIN survey_responses r"
                " ON r.tenant_id = d.tenant_id AND r.dialog_id = d.dialog_id"
                " AND r.response = d.response"
                " WHERE d.tenant_id = $1 AND d.dialog_id = $2 AND d.status = 'approved'"
                " AND jsonb_typeof(r.answers -> d.question_id) = 'string'"
                " ORDER BY d.question_id, d.response",
                tenant_id,
                dialog_id,
            )
        found: dict[str, tuple[int, list[str]]] = {r["id"]: (r["answered"], []) for r in counts}
        for r in approved:
            if r["question_id"] in found:
                found[r["question_id"]][1].append(r["text"])
        return found
