"""Surveys over HTTP: staff take a questionnaire through review to the survey's opening;
respondents read it in their language, keep a draft of their answers and submit one response."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast
from uuid import UUID

import msgspec
from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.types import Receive, Scope, Send
from msgspec import Meta

from events.errors import Forbidden, NotFound
from gateway.dialogs import visible_dialog
from gateway.edge import Injected
from gateway.openapi import REQUIRED
from gateway.problems import problems
from gateway.raw import RawOperation, answer, caller_of, dependency, raw
from services.dialogs.service import DialogService, utc_now
from services.identity.access import Caller, Permission
from services.surveys.commands import (
    ApproveQuestionnaire,
    CommentOnQuestionnaire,
    SubmitResponse,
    WriteQuestionnaire,
)
from services.surveys.domain import Questionnaire, may_review
from services.surveys.exports import free_text_questions
from services.surveys.questionnaire import Form
from services.surveys.response_listing import SurveyResponseQueries
from services.surveys.results import SurveyResultQueries, SurveyResultsView, text_results
from services.surveys.service import SurveyService, for_respondent
from tenants.directory import TenantEntry


class QuestionnaireView(msgspec.Struct, kw_only=True):
    """The questionnaire as staff see it: the draft (or, once out, the newest version) whole,
    in every language, with its stage and who moved it there."""

    dialog_id: UUID
    stage: str  # draft, submitted, approved, scheduled, locked
    revision: int  # the draft's revision: an approval names the one read
    newest_version: int  # the newest version respondents answer; 0 before the opening
    author_id: UUID
    submitted_by: UUID | None
    approved_by: UUID | None
    opens_at: datetime | None
    form: Form


class CommentRecorded(msgspec.Struct, kw_only=True):
    id: UUID
    revision: int
    question_id: str | None


class RespondentQuestionnaire(msgspec.Struct, kw_only=True):
    """The questionnaire as a respondent answers it: the newest version, its texts in one
    language, the options of shuffled questions in the respondent's own order."""

    dialog_id: UUID
    version: int
    language: str
    answered: bool  # whether the respondent's response is in
    questionnaire: dict[str, Any]


class DraftView(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    version: int
    answers: dict[str, Any]


class ResponseRecorded(msgspec.Struct, kw_only=True):
    dialog_id: UUID
    version: int
    status: str = "recorded"


_encode = msgspec.json.Encoder().encode
SUBMIT_RESPONSE = RawOperation(
    method="POST",
    operation_id="submitResponse",
    summary="Answer a survey",
    description=(
        "Submit your one response to the version of the questionnaire you answered; a second"
        " is refused with 409, bad answers with 422 naming every question and reason. In an"
        " anonymous survey the response names nobody."
    ),
    tags=("surveys",),
    body=SubmitResponse,
    answer=(201, ResponseRecorded, "The response is recorded"),
    # the tenant of the host (400, 403, 404), the caller (401), the body (400, 413, 415), a
    # request slot (503), and the response's own: answered already or closed (409), an answer
    # the questionnaire refuses (422)
    problems=frozenset({400, 401, 403, 404, 409, 413, 415, 422, 503}),
    security=REQUIRED,
    max_body=2 * 1024 * 1024,  # as every route's: long free texts in many questions
)


def staff_view(questionnaire: Questionnaire) -> QuestionnaireView:
    return QuestionnaireView(
        dialog_id=questionnaire.dialog_id,
        stage=questionnaire.stage_at(utc_now()).value,
        revision=questionnaire.revision,
        newest_version=questionnaire.newest_version,
        author_id=questionnaire.author_id,
        submitted_by=questionnaire.submitted_by,
        approved_by=questionnaire.approved_by,
        opens_at=questionnaire.opens_at,
        form=questionnaire.form,
    )


def _language(asked: str | None, request: Request[Any, Any, Any]) -> str | None:
    if asked:
        return asked
    header = request.headers.get("accept-language", "")
    first = header.split(",")[0].split(";")[0].strip()
    return first if first and first != "*" else None


Language = Annotated[str | None, QueryParameter(max_length=35, pattern=r"^[A-Za-z0-9-]+$")]


class SteeringGroupMembers(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The steering group: the people who approve the municipality's questionnaires."""

    members: Annotated[list[UUID], Meta(max_length=50)]


class SteeringGroupController(Controller):
    path = "/api/v1/steering-group"
    tags = ["surveys"]

    @get(operation_id="getSteeringGroup", summary="Read the steering group")
    async def read(
        self, surveys: Injected[SurveyService], caller: NamedDependency[Caller]
    ) -> SteeringGroupMembers:
        """Who approves the municipality's questionnaires (empty: any administrator who
        wrote none of it), for those who write, review or approve them."""
        group = await surveys.steering_group(caller.tenant_id)
        may_review(caller, group)
        return SteeringGroupMembers(members=sorted(group))

    @put(
        operation_id="setSteeringGroup",
        summary="Name the steering group",
        responses=problems(409, 422),
    )
    async def name(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        data: JSONBody[SteeringGroupMembers],
    ) -> SteeringGroupMembers:
        """Name the people who approve questionnaires, and only they (administrators): each
        an administrator or a committee member here; 422 naming each one who is not. An
        empty list lets any administrator who wrote none of a questionnaire approve it."""
        return SteeringGroupMembers(members=await surveys.set_steering_group(caller, data.members))


class SurveyController(Controller):
    path = "/api/v1/dialogs/{dialog_id:uuid}"
    tags = ["surveys"]

    # -- staff -------------------------------------------------------------------------------

    @put(
        "/questionnaire",
        operation_id="putQuestionnaire",
        summary="Draft or revise a survey's questionnaire",
        responses=problems(409, 422),
    )
    async def put_questionnaire(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[WriteQuestionnaire],
    ) -> QuestionnaireView:
        """Write the whole questionnaire of a survey dialog (administrators): its first draft,
        or a revision of the draft. A submitted or approved questionnaire goes back to draft;
        once the survey has opened, correct it instead. Every problem is named by its path."""
        return staff_view(await surveys.put(caller, dialog_id, data.form))

    @get(
        "/questionnaire/review",
        operation_id="reviewQuestionnaire",
        summary="Read a survey's questionnaire as staff",
        responses=problems(409),
    )
    async def review(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
    ) -> QuestionnaireView:
        """The draft (or the newest version) whole, in every language, with its stage and
        revision: for administrators, approvers and the steering group."""
        return staff_view(await surveys.review(caller, dialog_id))

    @get(
        "/results/survey",
        operation_id="getSurveyResults",
        summary="Read a survey's results so far",
        responses=problems(409, 422),
    )
    async def results(
        self,
        surveys: Injected[SurveyService],
        survey_results: Injected[SurveyResultQueries],
        survey_responses: Injected[SurveyResponseQueries],
        tenant: NamedDependency[TenantEntry],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        by: Annotated[str | None, QueryParameter(max_length=40)] = None,
    ) -> SurveyResultsView:
        """The survey's live results (administrators and analysts): per question the count
        and share of each option, point or place, mean, median and standard deviation of
        points and numbers, and the responses of each day. A count below the municipality's
        minimum group size (5 unless set otherwise) is null with `suppressed: true`. Of free
        text questions (`texts`) only the number of answers and the texts staff approved are
        shown. With `by` (the id of a single choice question) the results are also given
        within the responses of each of its options, suppressed the same way (422 naming `by`
        when it is not such a question)."""
        if not caller.may(Permission.ANALYSE):
            raise Forbidden(f"the role {caller.role.value!r} may not read survey results")
        await surveys.survey(caller.tenant_id, dialog_id)
        minimum = tenant.min_group_size
        results = await survey_results.results(caller.tenant_id, dialog_id, by, minimum=minimum)
        try:
            questionnaire = await surveys.questionnaire(caller.tenant_id, dialog_id)
        except NotFound:
            return results
        texts = free_text_questions(list(questionnaire.versions) or [questionnaire.form])
        published = await survey_responses.published(caller.tenant_id, dialog_id, texts)
        results.texts = text_results(
            {q: published[q] for q in texts if q in published}, minimum=minimum
        )
        return results

    @post(
        "/questionnaire/submit",
        operation_id="submitQuestionnaire",
        summary="Ask for a questionnaire's approval",
        responses=problems(409),
        status_code=200,
    )
    async def submit(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
    ) -> QuestionnaireView:
        """Submit the draft, as it is, for approval by someone who wrote none of it."""
        return staff_view(await surveys.submit(caller, dialog_id))

    @post(
        "/questionnaire/send-back",
        operation_id="sendBackQuestionnaire",
        summary="Send a questionnaire back unapproved",
        responses=problems(409),
        status_code=200,
    )
    async def send_back(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
    ) -> QuestionnaireView:
        """Return a submitted questionnaire to its writers as a draft (comments say why)."""
        return staff_view(await surveys.send_back(caller, dialog_id))

    @post(
        "/questionnaire/approve",
        operation_id="approveQuestionnaire",
        summary="Approve a questionnaire",
        responses=problems(409, 422),
        status_code=200,
    )
    async def approve(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[ApproveQuestionnaire],
    ) -> QuestionnaireView:
        """Approve the submitted questionnaire as of the revision read (409 if it has changed
        since): only someone who may approve surveys and wrote none of it (four eyes)."""
        return staff_view(await surveys.approve(caller, dialog_id, data.revision))

    @post(
        "/questionnaire/schedule",
        operation_id="scheduleQuestionnaire",
        summary="Schedule a questionnaire for the survey's opening",
        responses=problems(409, 422),
        status_code=200,
    )
    async def schedule(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
    ) -> QuestionnaireView:
        """Set the approved questionnaire to go out when its dialog opens (again after the
        dialog's opening was moved); it locks then, as version 1."""
        return staff_view(await surveys.schedule(caller, dialog_id))

    @post(
        "/questionnaire/comments",
        operation_id="commentOnQuestionnaire",
        summary="Comment on a draft questionnaire",
        responses=problems(409, 422),
        status_code=201,
    )
    async def comment(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[CommentOnQuestionnaire],
    ) -> CommentRecorded:
        """Comment on the draft under review, or on one of its questions."""
        recorded = await surveys.comment(caller, dialog_id, data.text, data.question_id)
        return CommentRecorded(
            id=recorded.id, revision=recorded.revision, question_id=recorded.question_id
        )

    @post(
        "/questionnaire/corrections",
        operation_id="correctQuestionnaire",
        summary="Correct an open survey's questionnaire",
        responses=problems(409, 422),
        status_code=200,
    )
    async def correct(
        self,
        surveys: Injected[SurveyService],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[WriteQuestionnaire],
    ) -> QuestionnaireView:
        """Correct the questionnaire of an open survey: the corrected one becomes the next
        version; responses to earlier versions stay as they were."""
        return staff_view(await surveys.correct(caller, dialog_id, data.form))

    # -- respondents -------------------------------------------------------------------------

    @get(
        "/questionnaire",
        operation_id="getQuestionnaire",
        summary="Read a survey's questionnaire to answer it",
        responses=problems(409),
    )
    async def read(
        self,
        request: Request[Any, Any, Any],
        surveys: Injected[SurveyService],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        language: Language = None,
    ) -> RespondentQuestionnaire:
        """The newest version of the questionnaire, in ``language`` (else the first of
        Accept-Language, else the questionnaire's default), options shuffled in the caller's
        own order where the questionnaire says so (the same on every device of theirs)."""
        await visible_dialog(dialogs, tenant.tenant_id, dialog_id, caller, surveys.load_dialog)
        await surveys.survey(tenant.tenant_id, dialog_id)
        questionnaire = await surveys.out(tenant.tenant_id, dialog_id)
        version = questionnaire.newest_version
        shown, resolved = for_respondent(
            questionnaire.form_of(version),
            _language(language, request),
            surveys.respondent_key(caller, dialog_id),
        )
        return RespondentQuestionnaire(
            dialog_id=dialog_id,
            version=version,
            language=resolved,
            answered=await surveys.answered(caller, dialog_id),
            questionnaire=shown,
        )

    @get(
        "/responses/draft",
        operation_id="getResponseDraft",
        summary="Read your unfinished answers",
        responses=problems(409),
    )
    async def read_draft(
        self,
        surveys: Injected[SurveyService],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
    ) -> DraftView:
        """Your answers so far, as saved from any of your devices (404 when there are none)."""
        await visible_dialog(dialogs, tenant.tenant_id, dialog_id, caller, surveys.load_dialog)
        draft = await surveys.draft(caller, dialog_id)
        if draft is None:
            raise NotFound("you have no draft answers to this survey")
        return DraftView(dialog_id=dialog_id, version=draft.version, answers=draft.answers)

    @put(
        "/responses/draft",
        operation_id="saveResponseDraft",
        summary="Save your unfinished answers",
        responses=problems(409, 422),
    )
    async def save_draft(
        self,
        surveys: Injected[SurveyService],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        caller: NamedDependency[Caller],
        dialog_id: FromPath[UUID],
        data: JSONBody[SubmitResponse],
    ) -> DraftView:
        """Keep your answers so far, to resume later (signed in, from another device too).
        They are checked as a response is, except that required questions may wait."""
        await visible_dialog(dialogs, tenant.tenant_id, dialog_id, caller, surveys.load_dialog)
        draft = await surveys.save_draft(caller, dialog_id, data)
        return DraftView(dialog_id=dialog_id, version=draft.version, answers=draft.answers)

    @raw("/responses", SUBMIT_RESPONSE)
    async def respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Submit your one response (see ``SUBMIT_RESPONSE``): a raw operation, as castVote
        is, since a panel answers in bursts when a round's invitation goes out."""
        command: SubmitResponse = await SUBMIT_RESPONSE.read(scope, receive)
        caller = await caller_of(scope)
        dialog_id = cast(UUID, scope["path_params"]["dialog_id"])  # parsed by the router
        surveys: SurveyService = dependency(scope, "surveys")
        dialogs: DialogService = dependency(scope, "dialogs")
        await visible_dialog(dialogs, caller.tenant_id, dialog_id, caller, surveys.load_dialog)
        version = await surveys.respond(caller, dialog_id, command)
        await answer(send, 201, _encode(ResponseRecorded(dialog_id=dialog_id, version=version)))
