"""A survey's responses for its staff: exports (CSV or XLSX, with a codebook) and the moderation
of free text answers, for administrators and analysts.

``GET .../results/survey/export?format=csv`` is the responses as CSV, one row per response;
``?format=xlsx`` a workbook whose first sheet ("Responses") holds the same rows and whose
second ("Codebook") the codebook; ``GET .../results/survey/codebook`` is the codebook as CSV.
Columns and codes are described in ``services.surveys.exports``. Both are streamed: CSV chunk
by chunk as the rows come from a server-side cursor; XLSX is written row by row by openpyxl's
write-only workbook (to a temporary file, since a workbook is a zip whose directory comes
last) and sent from there.

``GET .../results/survey/texts?question=`` lists the free text answers to a question with
what was decided about each; ``PUT .../results/survey/texts/{question}/{response}`` approves
or hides one.
"""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter
from litestar.response import Stream
from openpyxl import Workbook

from events.errors import Forbidden, InvalidInput, NotFound, TooManyRequests
from gateway.admission import export_slots
from gateway.content import alternative_answers_operation
from gateway.edge import Injected
from gateway.languages import answer_language
from gateway.pagination import Page
from gateway.problems import problems
from services.identity.access import Caller, Permission
from services.surveys.exports import Cell, Coder, codebook, free_text_questions, sheet_names
from services.surveys.questionnaire import Form
from services.surveys.response_listing import ResponseRow, SurveyResponseQueries, TextAnswerView
from services.surveys.service import SurveyService
from services.surveys.texts import Decision, SurveyTextService, TextStatus
from tenants.directory import TenantEntry

CHUNK_BYTES = 64 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_FORMATS = {
    "text/csv": Schema(type=OpenAPIType.STRING),
    XLSX: Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY),
}
CODEBOOK_FORMAT = {"text/csv": Schema(type=OpenAPIType.STRING)}

QuestionId = Annotated[
    str, QueryParameter(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
]
ResponseId = Annotated[str, PathParameter(pattern=r"^[0-9a-f]{16}$")]


class TextDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Approve a free text answer (it is published in the survey's results) or hide it."""

    decision: Decision


class TextDecided(msgspec.Struct, kw_only=True):
    response: str
    question_id: str
    status: TextStatus
    decided_by: UUID | None


def _header(coder: Coder) -> list[Cell]:
    return ["number", "response", "version", "day", *(c.name for c in coder.columns)]


def _cells(coder: Coder, row: ResponseRow) -> list[Cell]:
    return [row.number, row.response, row.version, row.day.isoformat(), *coder.cells(row.answers)]


def _csv_text(value: Cell) -> str:
    return "" if value is None else str(value)


async def csv_chunks(rows: AsyncIterator[list[Cell]]) -> AsyncIterator[bytes]:
    """Rows as CSV (UTF-8, CRLF), sent in chunks of about 64 KiB as they come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    out = bytearray()
    async for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        out += buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        if len(out) >= CHUNK_BYTES:
            yield bytes(out)
            out.clear()
    yield bytes(out)


async def _each(
    first: Iterable[list[Cell]], then: AsyncIterator[list[Cell]] | None = None
) -> AsyncIterator[list[Cell]]:
    """The rows of ``first``, then those of ``then``."""
    for row in first:
        yield row
    if then is not None:
        async for row in then:
            yield row


async def xlsx_chunks(
    rows: AsyncIterator[list[Cell]],
    header: list[Cell],
    book: Sequence[list[Cell]],
    sheets: tuple[str, str] = ("Responses", "Codebook"),
) -> AsyncIterator[bytes]:
    """The responses and the codebook as a workbook of two sheets (named ``sheets``), written
    row by row (openpyxl's write-only mode), then sent in chunks."""
    workbook = Workbook(write_only=True)
    responses = workbook.create_sheet(sheets[0])
    responses.append(header)
    batch: list[list[Cell]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= 500:
            await asyncio.to_thread(_append, responses, batch)
            batch = []
    await asyncio.to_thread(_append, responses, batch)
    sheet = workbook.create_sheet(sheets[1])
    await asyncio.to_thread(_append, sheet, book)
    with tempfile.TemporaryFile() as file:
        await asyncio.to_thread(workbook.save, file)
        file.seek(0)
        while chunk := await asyncio.to_thread(file.read, CHUNK_BYTES):
            yield chunk


def _append(sheet: Any, rows: Iterable[list[Cell]]) -> None:
    for row in rows:
        sheet.append(row)


async def _forms(surveys: SurveyService, caller: Caller, dialog_id: UUID) -> list[Form]:
    """The survey's questionnaire versions (oldest first), for staff who read its answers;
    the draft before it has gone out."""
    if not caller.may(Permission.ANALYSE):
        raise Forbidden(f"the role {caller.role.value!r} may not read survey responses")
    await surveys.survey(caller.tenant_id, dialog_id)
    questionnaire = await surveys.questionnaire(caller.tenant_id, dialog_id)
    return list(questionnaire.versions) or [questionnaire.form]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


class SurveyExportController(Controller):
    path = "/api/v1/dialogs/{dialog_id:uuid}/results/survey"
    tags = ["surveys"]

    @get(
        "/export",
        operation_id="exportSurveyResponses",
        summary="Export a survey's responses",
        responses=problems(409, 422, 429),
        operation_class=alternative_answers_operation("200", EXPORT_FORMATS),
    )
    async def export(
        self,
        state: State,
        surveys: Injected[SurveyService],
        survey_responses: Injected[SurveyResponseQueries],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[UUID],
        format: Annotated[
            Literal["csv", "xlsx"] | None,
            QueryParameter(description="Required: csv, or xlsx (with a Codebook sheet)"),
        ] = None,
    ) -> Stream:
        """The survey's responses, one row per response (administrators and analysts):
        `number`, `response` (an id that names nobody), `version`, `day` (UTC; no finer
        time), then the numbered answer columns (`Q1`, `Q3_2`, ...) with values as codes.
        Free text answers are in (escaped against spreadsheet formulas); an erased
        respondent's answers read `[erased]`. As CSV, the codebook is at `.../codebook`;
        as XLSX, it is the second sheet, and the sheets' names and the codebook are in the
        language asked for (as `.../codebook` is)."""
        if format is None:  # required, but named in the problem (litestar's own check is not)
            raise InvalidInput("format", "is required: csv or xlsx")
        forms = await _forms(surveys, caller, dialog_id)
        language = answer_language(request, tenant)
        coder = Coder(forms, language)
        slots = export_slots(state, "survey")
        if slots.locked():
            raise TooManyRequests("other exports are running here; try again shortly", 5)

        async def rows() -> AsyncIterator[list[Cell]]:
            async for row in survey_responses.rows(caller.tenant_id, dialog_id):
                yield _cells(coder, row)

        async def chunks() -> AsyncIterator[bytes]:
            async with slots:
                if format == "csv":
                    async for chunk in csv_chunks(_each([_header(coder)], rows())):
                        yield chunk
                else:
                    book = codebook(coder.columns, language)
                    sheets = sheet_names(language)
                    async for chunk in xlsx_chunks(rows(), _header(coder), book, sheets):
                        yield chunk

        name = f"survey-{dialog_id}-{date.today().isoformat()}.{format}"
        return Stream(
            chunks(),
            media_type="text/csv" if format == "csv" else XLSX,
            headers={**_attachment(name), "Content-Language": language},
        )

    @get(
        "/codebook",
        operation_id="getSurveyCodebook",
        summary="Read the codebook of a survey's exports",
        responses=problems(409),
        operation_class=alternative_answers_operation("200", CODEBOOK_FORMAT),
    )
    async def codebook(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        dialog_id: FromPath[UUID],
    ) -> Stream:
        """The codebook of the survey's CSV export (administrators and analysts), as CSV: a
        row per column and code, with the column's question id, option or row id, text,
        question type, and each code's label. Its headings, the leading columns'
        descriptions and the labels chosen/not chosen are in the language asked for with
        Accept-Language among the municipality's languages, else in its default (said in
        Content-Language); the questions and options in that language where the
        questionnaire has it, else in its default language. Column names, ids, types and
        codes are the same in every language."""
        forms = await _forms(surveys, caller, dialog_id)
        language = answer_language(request, tenant)
        book = codebook(Coder(forms, language).columns, language)
        return Stream(
            csv_chunks(_each(book)),
            media_type="text/csv",
            headers={
                **_attachment(f"survey-{dialog_id}-codebook.csv"),
                "Content-Language": language,
            },
        )

    @get(
        "/texts",
        operation_id="listSurveyTexts",
        summary="List the free text answers to a survey question",
        responses=problems(409, 422),
    )
    async def texts(
        self,
        surveys: Injected[SurveyService],
        survey_responses: Injected[SurveyResponseQueries],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        question: QuestionId,
        status: Annotated[
            TextStatus | None, QueryParameter(description="Only the texts of this status")
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(pattern=r"^[0-9a-f]{16}$")] = None,
    ) -> Page[TextAnswerView]:
        """The free text answers to `question` (administrators and analysts), by response
        id, each with its status: pending (nobody decided yet), approved (published in the
        survey's results) or hidden, and who decided when. `status` lists only those; 422
        naming `question` when it is no free text question of the survey."""
        forms = await _forms(surveys, caller, dialog_id)
        if question not in free_text_questions(forms):
            raise InvalidInput(
                "question", f"{question!r} is not a free text question of the survey"
            )
        found = await survey_responses.texts(
            caller.tenant_id, dialog_id, question, status, cursor, limit + 1
        )
        after = found[limit - 1].response if len(found) > limit else None
        return Page(items=found[:limit], next_cursor=after)

    @put(
        "/texts/{question_id:str}/{response:str}",
        operation_id="decideSurveyText",
        summary="Approve or hide a free text answer",
        responses=problems(409, 422),
    )
    async def decide(
        self,
        surveys: Injected[SurveyService],
        survey_texts: Injected[SurveyTextService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        question_id: Annotated[str, PathParameter(max_length=40, pattern=r"^[A-Za-z0-9_-]+$")],
        response: ResponseId,
        data: JSONBody[TextDecision],
    ) -> TextDecided:
        """Approve a free text answer (it is shown in the survey's results) or hide it
        (administrators and analysts); each decision is recorded with who took it and when.
        Deciding what was decided already records nothing. 404 when the response gave no
        text answer to the question."""
        forms = await _forms(surveys, caller, dialog_id)
        if question_id not in free_text_questions(forms):
            raise NotFound(f"{question_id!r} is not a free text question of the survey")
        review = await survey_texts.decide(caller, dialog_id, question_id, response, data.decision)
        return TextDecided(
            response=response,
            question_id=question_id,
            status=review.status,
            decided_by=review.decided_by,
        )
