"""Surveys' commands: the questionnaire's way through review by staff, and respondents' drafts
and responses.

Staff put the draft (create or revise), submit it, send it back or approve it (four eyes, naming
the revision read), schedule it for the dialog's opening time, comment on it, and correct it
once the survey is open (a new version). The questionnaire locks when the dialog opens: the
lock is recorded the first time a respondent needs it after the opening.

Respondents answer the newest version (or the one they began with): a draft kept in a keyed
stream they find again from any device as the same person, and one response, in a keyed
stream so that the store refuses a second. See ``services.surveys.responses`` for what each
stream holds and names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from typing import Any
from uuid import UUID

import msgspec
from async_lru import alru_cache

from events.errors import Conflict, InvalidInput, NotFound
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.dialogs.domain import Dialog
from services.dialogs.marks import Marks
from services.dialogs.service import Clock, DialogService, utc_now
from services.identity.access import Caller, Permission, event_metadata
from services.identity.domain import Person
from services.identity.keys import Keys
from services.surveys.commands import SubmitResponse
from services.surveys.domain import (
    STEERING_ROLES,
    Questionnaire,
    QuestionnaireComment,
    Stage,
    SteeringGroup,
    may_review,
    questionnaire_id,
)
from services.surveys.questionnaire import (
    Form,
    MultipleChoice,
    Ranking,
    SingleChoice,
    check_response,
)
from services.surveys.responses import (
    AnonymousResponse,
    NamedResponse,
    Respondent,
    ResponseDraft,
    StoredAnswers,
    respondent_id,
)
from tenants.domain import Tenant, tenant_stream_id

Admit = Callable[[Caller, Dialog], Awaitable[None]]
"""May the caller take part in the dialog now (open, invited, signed in where asked, not
blocked)? Raises with the reason if not: the participation service's admission checks."""

ANSWERED = "you have answered this survey already"
_OUT_TTL = 1.0  # seconds a questionnaire that has gone out is served from memory
LoadDialog = Callable[[str, UUID], Awaitable[Dialog]]


class SurveyService:
    def __init__(
        self,
        repository: Repository,
        dialogs: DialogService,
        keys: Keys,
        admit: Admit,
        marks: Marks,
        clock: Clock = utc_now,
        load_dialog: LoadDialog | None = None,
    ) -> None:
        self.repository = repository
        self.dialogs = dialogs
        self.keys = keys
        self.admit = admit
        self.marks = marks
        self.clock = clock
        self.load_dialog: LoadDialog = load_dialog or dialogs.get
        # Respondents read a questionnaire that has gone out (locked) by the thousand: it is
        # served from memory for up to a second, and forgotten at once when this process
        # corrects it (another process's correction is seen within the second).
        self._out = alru_cache(maxsize=10_000, ttl=_OUT_TTL)(self._going_out)

    # -- reading -----------------------------------------------------------------------------

    async def survey(self, tenant_id: str, dialog_id: UUID) -> Dialog:
        """The survey dialog, or a refusal naming what the dialog takes instead."""
        dialog = await self.load_dialog(tenant_id, dialog_id)
        dialog.policy.ensure_responses()
        return dialog

    async def questionnaire(self, tenant_id: str, dialog_id: UUID) -> Questionnaire:
        try:
            return await self.repository.get(tenant_id, Questionnaire, questionnaire_id(dialog_id))
        except AggregateNotFound:
            raise NotFound(f"the survey {dialog_id} has no questionnaire yet") from None

    async def out(self, tenant_id: str, dialog_id: UUID) -> Questionnaire:
        """The questionnaire as respondents have it: locked, with its lock recorded once the
        opening time has come. Refused while it has not gone out. Read-only: the same object
        serves every respondent for up to a second."""
        return await self._out(tenant_id, dialog_id)

    async def _going_out(self, tenant_id: str, dialog_id: UUID) -> Questionnaire:
        questionnaire = await self.questionnaire(tenant_id, dialog_id)
        now = self.clock()
        if questionnaire.lock_if_due(now):
            try:
                await self.repository.save(tenant_id, questionnaire, metadata=event_metadata(None))
            except ConcurrencyConflict:  # locked (or corrected) meanwhile by another request
                questionnaire = await self.questionnaire(tenant_id, dialog_id)
        if questionnaire.newest_version == 0:
            stage = questionnaire.stage_at(now)
            when = (
                f" at {questionnaire.opens_at.isoformat()}"
                if stage is Stage.SCHEDULED and questionnaire.opens_at is not None
                else ""
            )
            raise Conflict(f"the survey's questionnaire has not gone out{when} (it is {stage})")
        return questionnaire

    # -- staff: the questionnaire's way to respondents ---------------------------------------

    async def put(self, caller: Caller, dialog_id: UUID, form: Form) -> Questionnaire:
        """Draft the survey's questionnaire, or revise the draft."""
        caller.require(Permission.ADMINISTER)
        dialog = await self.survey(caller.tenant_id, dialog_id)
        try:
            questionnaire = await self.questionnaire(caller.tenant_id, dialog.id)
        except NotFound:
            questionnaire = Questionnaire.draft(dialog.id, form, caller)
        else:
            questionnaire.revise(form, caller, self.clock())
        await self._save(caller, questionnaire)
        return questionnaire

    async def submit(self, caller: Caller, dialog_id: UUID) -> Questionnaire:
        questionnaire = await self.questionnaire(caller.tenant_id, dialog_id)
        questionnaire.submit(caller, self.clock())
        await self._save(caller, questionnaire)
        return questionnaire

    async def send_back(self, caller: Caller, dialog_id: UUID) -> Questionnaire:
        questionnaire = await self.questionnaire(caller.tenant_id, dialog_id)
        questionnaire.send_back(caller, await self.steering_group(caller.tenant_id))
        await self._save(caller, questionnaire)
        return questionnaire

    async def approve(self, caller: Caller, dialog_id: UUID, revision: int) -> Questionnaire:
        questionnaire = await self.questionnaire(caller.tenant_id, dialog_id)
        questionnaire.approve(caller, revision, await self.steering_group(caller.tenant_id))
        await self._save(caller, questionnaire)
        return questionnaire

    async def review(self, caller: Caller, dialog_id: UUID) -> Questionnaire:
        """The questionnaire whole, for those who write, review or approve it."""
        may_review(caller, await self.steering_group(caller.tenant_id))
        await self.survey(caller.tenant_id, dialog_id)
        return await self.questionnaire(caller.tenant_id, dialog_id)

    # -- the steering group ------------------------------------------------------------------

    async def steering_group(self, tenant_id: str) -> SteeringGroup:
        """Who approves the tenant's questionnaires, read from the tenant itself (so a change
        holds for the very next approval)."""
        tenant = await self.repository.get(tenant_id, Tenant, tenant_stream_id(tenant_id))
        return frozenset(UUID(member) for member in tenant.steering_group)

    async def set_steering_group(self, caller: Caller, members: Sequence[UUID]) -> list[UUID]:
        """Name the steering group (administrators): its members approve questionnaires, and
        only they. Each is an administrator or a committee member of this municipality; an
        empty list lets any administrator who wrote none of it approve again."""
        caller.require(Permission.ADMINISTER)
        named = list(dict.fromkeys(members))  # in the order given, once each
        errors: list[tuple[str, str]] = []
        for place, person_id in enumerate(named):
            try:
                person = await self.repository.get(caller.tenant_id, Person, person_id)
            except AggregateNotFound:
                errors.append((f"members[{place}]", "is no person of this municipality"))
                continue
            if person.role not in _STEERING_ROLE_NAMES:
                errors.append(
                    (
                        f"members[{place}]",
                        f"is a {person.role}: the steering group is made of administrators"
                        " and committee members",
                    )
                )
        if errors:
            (field, reason), *more = errors
            raise InvalidInput(field, reason, more=more)
        tenant = await self.repository.get(
            caller.tenant_id, Tenant, tenant_stream_id(caller.tenant_id)
        )
        given = [str(member) for member in named]
        if given != tenant.steering_group:
            tenant.change_steering_group(given)
            try:
                await self.repository.save(
                    caller.tenant_id, tenant, metadata=event_metadata(caller)
                )
            except ConcurrencyConflict:
                raise Conflict("the municipality was changed meanwhile; try again") from None
        return named

    async def schedule(self, caller: Caller, dialog_id: UUID) -> Questionnaire:
        """Set the approved questionnaire to go out when the dialog opens (again, after the
        dialog's opening time was moved)."""
        caller.require(Permission.ADMINISTER)
        dialog = await self.survey(caller.tenant_id, dialog_id)
        questionnaire = await self.questionnaire(caller.tenant_id, dialog_id)
        opens_at = dialog.details.opens_at
        now = self.clock()
        if opens_at <= now and questionnaire.stage_at(now) is not Stage.LOCKED:
            raise Conflict(
                f"the dialog opened at {opens_at.isoformat()}: a questionnaire goes out when"
                " its dialog opens, so schedule it before then"
            )
        if questionnaire.schedule(opens_at, caller, now):
            await self._save(caller, questionnaire)
        return questionnaire

    async def comment(
        self, caller: Caller, dialog_id: UUID, text: str, question_id: str | None
    ) -> QuestionnaireComment:
        questionnaire = await self.questionnaire(caller.tenant_id, dialog_id)
        group = await self.steering_group(caller.tenant_id)
        comment = questionnaire.comment(caller, text, question_id, self.clock(), group)
        await self._save(caller, comment)
        return comment

    async def correct(self, caller: Caller, dialog_id: UUID, form: Form) -> Questionnaire:
        """Correct the open survey's questionnaire: the next version."""
        questionnaire = await self.questionnaire(caller.tenant_id, dialog_id)
        questionnaire.correct(form, caller, self.clock())
        await self._save(caller, questionnaire)
        self._out.cache_invalidate(caller.tenant_id, dialog_id)
        return questionnaire

    async def _save(self, caller: Caller, *aggregates: Any) -> None:
        try:
            await self.repository.save(
                caller.tenant_id, *aggregates, metadata=event_metadata(caller)
            )
        except ConcurrencyConflict:
            raise Conflict(
                "the questionnaire was changed meanwhile; read it and try again"
            ) from None

    # -- respondents -------------------------------------------------------------------------

    def respondent_key(self, caller: Caller, dialog_id: UUID) -> bytes:
        """What the caller's shuffled options are ordered by: the same on all their devices."""
        return self.keys.respondent_key(caller.tenant_id, dialog_id, caller.person_id)

    async def _answerable(self, caller: Caller, dialog_id: UUID) -> tuple[Dialog, Questionnaire]:
        dialog = await self.survey(caller.tenant_id, dialog_id)
        await self.admit(caller, dialog)
        return dialog, await self.out(caller.tenant_id, dialog_id)

    async def answered(self, caller: Caller, dialog_id: UUID) -> bool:
        """Whether the caller's response is stored (its keyed stream exists)."""
        stream = self.keys.response_stream(caller.tenant_id, dialog_id, caller.person_id)
        return bool(await self.repository.store.read_stream(caller.tenant_id, stream))

    async def draft(self, caller: Caller, dialog_id: UUID) -> ResponseDraft | None:
        """The caller's unfinished answers, saved from any of their devices, if any."""
        await self.survey(caller.tenant_id, dialog_id)
        stream = self.keys.response_draft_stream(caller.tenant_id, dialog_id, caller.person_id)
        try:
            draft = await self.repository.get(caller.tenant_id, ResponseDraft, stream)
        except AggregateNotFound:
            return None
        return None if draft.discarded else draft

    async def save_draft(
        self, caller: Caller, dialog_id: UUID, command: SubmitResponse
    ) -> ResponseDraft:
        """Keep the caller's answers so far. They are checked as a response is, except that
        required questions may still be unanswered."""
        dialog, questionnaire = await self._answerable(caller, dialog_id)
        if await self.answered(caller, dialog.id):
            raise Conflict(ANSWERED)
        answers = _draft_answers(questionnaire.form_of(command.version), command.answers)
        stream = self.keys.response_draft_stream(caller.tenant_id, dialog.id, caller.person_id)
        try:
            draft = await self.repository.get(caller.tenant_id, ResponseDraft, stream)
        except AggregateNotFound:
            draft = ResponseDraft(
                draft_id=stream, dialog_id=dialog.id, version=command.version, answers=answers
            )
        else:
            if not draft.save(command.version, answers):
                return draft
        try:
            await self.repository.save(
                caller.tenant_id, draft, metadata=event_metadata(caller, hide_actor=True)
            )
        except ConcurrencyConflict:
            raise Conflict(
                "your draft was saved meanwhile from another device; read it and try again"
            ) from None
        return draft

    async def respond(self, caller: Caller, dialog_id: UUID, command: SubmitResponse) -> int:
        """Submit the caller's one response to the survey; a second is refused by the store.
        Answers the version answered. In an anonymous survey nothing recorded with the
        answers names the respondent; that they answered is recorded apart."""
        dialog, questionnaire = await self._answerable(caller, dialog_id)
        checked = questionnaire.check_response(command.version, command.answers)
        answers: StoredAnswers = msgspec.to_builtins(checked)
        tenant_id = caller.tenant_id
        stream = self.keys.response_stream(tenant_id, dialog.id, caller.person_id)
        response: AnonymousResponse | NamedResponse
        if dialog.details.settings.anonymous:
            response = AnonymousResponse(
                response_id=stream,
                dialog_id=dialog.id,
                version=command.version,
                answers=answers,
                signed_in=not caller.anonymous,
            )
        else:
            response = NamedResponse(
                response_id=stream,
                dialog_id=dialog.id,
                person_id=caller.person_id,
                version=command.version,
                answers=answers,
            )
        aggregates: list[Any] = [response]
        draft_stream = self.keys.response_draft_stream(tenant_id, dialog.id, caller.person_id)
        with suppress(AggregateNotFound):
            draft = await self.repository.get(tenant_id, ResponseDraft, draft_stream)
            draft.discard()
            aggregates.append(draft)
        anonymous = dialog.details.settings.anonymous
        try:
            await self.repository.save(
                tenant_id, *aggregates, metadata=event_metadata(caller, hide_actor=anonymous)
            )
        except ConcurrencyConflict:
            # A second response, or the draft saved meanwhile; the first: the mark may have
            # been lost with a crash after the response, so it is made sure of.
            if await self.answered(caller, dialog.id):
                await self._mark(caller, dialog.id)
                raise Conflict(ANSWERED) from None
            raise Conflict(
                "your draft was saved meanwhile from another device; try again"
            ) from None
        await self._mark(caller, dialog.id)
        return command.version

    async def _mark(self, caller: Caller, dialog_id: UUID) -> None:
        """Note that the caller has answered; the mark (``SurveyAnswered``) is recorded later
        with others (services/dialogs/marks.py), apart from the response in the log."""
        await self.marks.note(caller.tenant_id, MARK_KIND, dialog_id, caller.person_id)

    async def has_responded(self, tenant_id: str, dialog_id: UUID, person_id: UUID) -> bool:
        """Whether the person has answered the survey: for reminders to those who have not and
        results to those who have. Says nothing of what they answered."""
        stream = respondent_id(dialog_id, person_id)
        if await self.repository.store.read_stream(tenant_id, stream):
            return True
        return await self.marks.noted(tenant_id, dialog_id, person_id)


MARK_KIND = "survey"
_STEERING_ROLE_NAMES = frozenset(role.value for role in STEERING_ROLES)


def survey_mark(dialog_id: UUID, person_id: UUID) -> Respondent:
    """The mark of one respondent, recorded with its batch."""
    return Respondent(dialog_id=dialog_id, person_id=person_id)


def _draft_answers(form: Form, given: Mapping[str, object]) -> StoredAnswers:
    """A draft's answers, typed, as JSON keeps them: checked as a response's are, except that
    a required question may still be unanswered."""
    answers: StoredAnswers = msgspec.to_builtins(check_response(_optional(form), given))
    return answers


def _optional(form: Form) -> Form:
    """The form with no question required: what a draft is checked against."""
    return msgspec.structs.replace(
        form,
        sections=tuple(
            msgspec.structs.replace(
                section,
                questions=tuple(
                    msgspec.structs.replace(q, required=False) for q in section.questions
                ),
            )
            for section in form.sections
        ),
    )


# The fields of a questionnaire that hold a text in several languages.
_TEXTS = frozenset(
    {"title", "introduction", "description", "text", "help", "label", "min_label", "max_label"}
)


def for_respondent(
    form: Form, language: str | None, respondent: bytes
) -> tuple[dict[str, Any], str]:
    """The questionnaire as one respondent sees it, and the language its texts are in: each
    text in ``language`` (else its primary language, else the default), the options of a
    shuffled question in the respondent's own order (``respondent``: their key)."""
    sections = tuple(
        msgspec.structs.replace(
            section,
            questions=tuple(
                msgspec.structs.replace(q, options=q.presented(respondent))
                if isinstance(q, SingleChoice | MultipleChoice | Ranking)
                else q
                for q in section.questions
            ),
        )
        for section in form.sections
    )
    asked = language or form.default_language
    if asked in form.title:
        resolved = asked
    elif asked.split("-")[0] in form.title:
        resolved = asked.split("-")[0]
    else:
        resolved = form.default_language

    def localized(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: form.text(v, resolved) if k in _TEXTS and isinstance(v, dict) else localized(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):  # to_builtins keeps tuples
            return [localized(v) for v in value]
        return value

    shown: dict[str, Any] = localized(
        msgspec.to_builtins(msgspec.structs.replace(form, sections=sections))
    )
    shown["language"] = resolved
    return shown, resolved
