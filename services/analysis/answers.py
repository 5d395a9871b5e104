"""Free text survey answers as analysis items: a read model of every free text answer of a
submitted response, with its search vector, and the queries beside it.

An answer's item id is a uuid5 of (survey, response, question), where the response is named
as the surveys' exports and text moderation name it (``Keys.survey_row``, a keyed hash of its
stream): the same live and after a rebuild, and telling nothing of the person or of when it
came (a response is dated by its day, UTC). Its title is the question's text in the
questionnaire's default language, as the newest form has it (``analysis_survey_questions``).

A survey that names its respondents keeps their id on the row for erasure alone: ``PersonErased``
deletes their answers, which is what a rebuild makes of their events (the sealed answers decode
as erased). Whether a text is hidden is the surveys' own moderation
(``survey_text_decisions``), read when the items are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg

from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.personal import ERASURE_EVENT
from services.analysis.read_model import ANSWER_NOT_HIDDEN, search_configs
from services.identity.keys import Keys
from services.surveys.domain import questionnaire_id
from services.surveys.questionnaire import Form, FreeText
from services.surveys.response_listing import NAMED, RESPONSE_EVENTS
from services.surveys.results import FORM_EVENTS

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/analysis/survey-answer")

QuestionKey = tuple[str, UUID]  # tenant, questionnaire


def answer_item_id(dialog_id: UUID, response: str, question_id: str) -> UUID:
    """The item id of the answer to ``question_id`` of a response (as exports name it)."""
    return uuid5(_NAMESPACE, f"{dialog_id}:{response}:{question_id}")


def _free_texts(form: Form) -> dict[str, str]:
    """The form's free text questions: id to text in its default language."""
    return {
        q.id: form.text(q.text, form.default_language)
        for _, q in form.questions()
        if isinstance(q, FreeText)
    }


class AnalysisAnswers:
    """The free text answers of survey responses, as analysis items."""

    name = "analysis_answers"
    event_types = FORM_EVENTS | RESPONSE_EVENTS | {ERASURE_EVENT}
    tables: tuple[str, ...] = ("analysis_survey_questions", "analysis_answers")

    def __init__(self, codec: Codec, keys: Keys) -> None:
        self.codec = codec
        self.keys = keys

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        questions: dict[QuestionKey, dict[str, str]] = {}  # known free text questions
        changed: dict[tuple[str, UUID, str], str] = {}  # question texts to write
        answers: list[dict[str, Any]] = []
        erased: list[tuple[str, UUID]] = []
        for r in events:
            t = r.tenant_id
            if r.event_type == ERASURE_EVENT:
                erased.append((t, r.stream_id))
                continue
            e = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            if r.event_type in FORM_EVENTS:
                key = (t, r.stream_id)
                known = questions.get(key)
                if known is None:
                    known = questions[key] = await _load(conn, key)
                found = _free_texts(e.form)
                known.update(found)
                changed.update({(t, r.stream_id, q): text for q, text in found.items()})
                continue
            if not isinstance(e.answers, dict):  # a named respondent erased since
                continue
            key = (t, questionnaire_id(e.dialog_id))
            known = questions.get(key)
            if known is None:
                known = questions[key] = await _load(conn, key)
            response = self.keys.survey_row(t, r.stream_id)
            for question_id, value in sorted(e.answers.items()):
                if question_id not in known or not isinstance(value, str) or not value.strip():
                    continue
                answers.append(
                    {
                        "tenant_id": t,
                        "item_id": answer_item_id(e.dialog_id, response, question_id),
                        "dialog_id": e.dialog_id,
                        "questionnaire_id": key[1],
                        "response": response,
                        "question_id": question_id,
                        "body": value,
                        "day": r.recorded_at.astimezone(UTC).date(),
                        "person_id": e.person_id if r.event_type == NAMED else None,
                    }
                )
        if changed:
            keys = sorted(changed)
            await conn.execute(
                "INSERT INTO analysis_survey_questions"
                " (tenant_id, questionnaire_id, question_id, text)"
                " SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[])"
                " ON CONFLICT (tenant_id, questionnaire_id, question_id)"
                " DO UPDATE SET text = excluded.text",
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
                [changed[k] for k in keys],
            )
        if answers:
            configs = await search_configs(conn, {a["tenant_id"] for a in answers})
            columns = ("tenant_id", "item_id", "dialog_id", "questionnaire_id", "response")
            await conn.execute(
                "INSERT INTO analysis_answers (tenant_id, item_id, dialog_id, questionnaire_id,"
                " response, question_id, body, day, person_id, search)"
                " SELECT k.t, k.i, k.d, k.qn, k.r, k.q, k.b, k.day, k.p,"
                " to_tsvector(k.c::regconfig, k.b)"
                " FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[],"
                " $6::text[], $7::text[], $8::date[], $9::uuid[], $10::text[])"
                " AS k(t, i, d, qn, r, q, b, day, p, c) ON CONFLICT DO NOTHING",
                *([a[c] for a in answers] for c in columns),
                [a["question_id"] for a in answers],
                [a["body"] for a in answers],
                [a["day"] for a in answers],
                [a["person_id"] for a in answers],
                [configs[a["tenant_id"]] for a in answers],
            )
        if erased:
            await conn.execute(
                "DELETE FROM analysis_answers x"
                " USING unnest($1::text[], $2::uuid[]) AS k(t, person)"
                " WHERE x.tenant_id = k.t AND x.person_id = k.person",
                [t for t, _ in erased],
                [p for _, p in erased],
            )


async def _load(conn: asyncpg.Connection, key: QuestionKey) -> dict[str, str]:
    rows = await conn.fetch(
        "SELECT question_id, text FROM analysis_survey_questions"
        " WHERE tenant_id = $1 AND questionnaire_id = $2",
        *key,
    )
    return {r["question_id"]: r["text"] for r in rows}


class AnswerQueries:
    """Reads of the survey answers' items, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def dialog_of(self, tenant_id: str, item_id: UUID) -> UUID | None:
        """The survey of the answer ``item_id``, if it is one and its text is not hidden."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            found: UUID | None = await conn.fetchval(
                "SELECT s.dialog_id FROM analysis_answers s"
                f" WHERE s.tenant_id = $1 AND s.item_id = $2 AND {ANSWER_NOT_HIDDEN}",
                tenant_id,
                item_id,
            )
        return found
