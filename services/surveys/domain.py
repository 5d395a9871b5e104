"""Surveys: a questionnaire's way from a draft to the versions respondents answer.

A ``Questionnaire`` belongs to one survey dialog (its stream id follows from the dialog's, so a
dialog has one). It is drafted and revised by the municipality's administrators, submitted for
approval, approved by someone holding the approving permission who wrote none of it (four eyes),
and scheduled to go out when the dialog opens. From then on it is locked: what respondents see
is version 1, and a correction records version 2, 3, ... whole, while earlier versions stay
readable, since each response names the version it answered.

Whether it is locked is decided from its stage and the clock (like a dialog's opening), so a
revision arriving after the opening time is refused even before the lock is recorded.

Comments on a draft under review are ``QuestionnaireComment`` aggregates, one stream each: a
comment's text is its writer's personal data, sealed under the writer's key (not the
questionnaire author's), and a reviewer commenting never collides with the author revising.

Every step names who took it in its event (``by``: the four-eyes rule needs to know who wrote
and who approved), and the service records the caller in the metadata as everywhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import ClassVar
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, Forbidden, InvalidInput
from services.identity.access import Caller, Permission, Role
from services.surveys.questionnaire import Answers, Form, Question, check_form, check_response
from tenants import values

__all__ = [
    "COMMENT_LENGTH",
    "Questionnaire",
    "QuestionnaireComment",
    "Stage",
    "questionnaire_id",
]

_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/surveys")
COMMENT_LENGTH = 2000


def questionnaire_id(dialog_id: UUID) -> UUID:
    """The one questionnaire stream of a survey dialog."""
    return uuid5(_NAMESPACE, f"questionnaire:{dialog_id}")


class Stage(StrEnum):
    DRAFT = "draft"  # being written; revisions and comments welcome
    SUBMITTED = "submitted"  # waiting for someone to approve it
    APPROVED = "approved"  # approved, not scheduled yet
    SCHEDULED = "scheduled"  # goes out when the dialog opens
    LOCKED = "locked"  # out: changed only by a correction, as a new version


_BEFORE_OPENING = frozenset({Stage.DRAFT, Stage.SUBMITTED, Stage.APPROVED, Stage.SCHEDULED})
_UNDER_REVIEW = frozenset({Stage.DRAFT, Stage.SUBMITTED})


def _may_write(caller: Caller) -> None:
    caller.require(Permission.ADMINISTER)


SteeringGroup = frozenset[UUID]
"""Who approves the municipality's questionnaires (the tenant's steering group); empty: any
administrator, or other role that may approve surveys, who wrote none of it."""


STEERING_ROLES = frozenset({Role.ADMINISTRATOR, Role.COMMITTEE_MEMBER})
"""The roles a steering group's members hold: one who has lost it (demoted, a token of the
new role) no longer approves."""


def _in(steering_group: SteeringGroup, caller: Caller) -> bool:
    return caller.person_id in steering_group and caller.role in STEERING_ROLES


def may_review(caller: Caller, steering_group: SteeringGroup) -> None:
    """Administrators, approvers and the steering group's members read and comment drafts."""
    if _in(steering_group, caller):
        return
    if not (caller.may(Permission.ADMINISTER) or caller.may(Permission.APPROVE_SURVEYS)):
        raise Forbidden(f"the role {caller.role.value!r} may not review questionnaires")


def _may_approve(caller: Caller, steering_group: SteeringGroup) -> None:
    if not steering_group:
        caller.require(Permission.APPROVE_SURVEYS)
    elif not _in(steering_group, caller):
        raise Forbidden(
            "questionnaires here are approved (or sent back) by the municipality's steering"
            " group, and you are not in it"
        )


class Questionnaire(Aggregate):
    """The questionnaire of one survey dialog, its stage, and every version that went out."""

    @staticmethod
    def create_id(dialog_id: UUID, author_id: UUID, form: Form) -> UUID:
        return questionnaire_id(dialog_id)

    @classmethod
    def draft(cls, dialog_id: UUID, form: Form, by: Caller) -> Questionnaire:
        """A new draft for the survey dialog, its questionnaire checked as a whole."""
        _may_write(by)
        return cls(dialog_id=dialog_id, author_id=by.person_id, form=check_form(form))

    @event("QuestionnaireDrafted")
    def __init__(self, dialog_id: UUID, author_id: UUID, form: Form) -> None:
        self.dialog_id = dialog_id
        self.author_id = author_id
        self.form = form  # the draft, or the newest version once locked
        self.revision = 1  # counts the draft's changes: an approval names the one it read
        self.writers: set[UUID] = {author_id}  # everyone who wrote any of it
        self.stage = Stage.DRAFT
        self.submitted_by: UUID | None = None
        self.approved_by: UUID | None = None
        self.opens_at: datetime | None = None
        self.versions: list[Form] = []  # versions[n - 1] is version n

    def stage_at(self, now: datetime) -> Stage:
        """The stage as the clock has it: a scheduled questionnaire is locked from the
        opening time on, ahead of the event that records it."""
        if self.stage is Stage.SCHEDULED and self.opens_at is not None and now >= self.opens_at:
            return Stage.LOCKED
        return self.stage

    # -- before the survey opens -------------------------------------------------------------

    def revise(self, form: Form, by: Caller, now: datetime) -> bool:
        """Replace the draft; False (nothing recorded) when it is the questionnaire it has.
        A submitted, approved or scheduled questionnaire goes back to draft: what goes out is
        always what was approved."""
        _may_write(by)
        if self.stage_at(now) not in _BEFORE_OPENING:
            raise Conflict("the survey has opened: correct the questionnaire as a new version")
        form = check_form(form)
        if form == self.form:
            return False
        self._revised(form, by.person_id)
        return True

    @event("QuestionnaireRevised")
    def _revised(self, form: Form, by: UUID) -> None:
        self.form = form
        self.revision += 1
        self.writers.add(by)
        self._back_to_draft()

    def _back_to_draft(self) -> None:
        self.stage = Stage.DRAFT
        self.submitted_by = None
        self.approved_by = None
        self.opens_at = None

    def submit(self, by: Caller, now: datetime) -> None:
        """Ask for approval of the draft as it is."""
        _may_write(by)
        stage = self.stage_at(now)
        if stage is not Stage.DRAFT:
            raise Conflict(f"the questionnaire is {stage.value}; only a draft is submitted")
        self._submitted(by.person_id, self.revision)

    @event("QuestionnaireSubmitted")
    def _submitted(self, by: UUID, revision: int) -> None:
        self.stage = Stage.SUBMITTED
        self.submitted_by = by

    def send_back(self, by: Caller, steering_group: SteeringGroup) -> None:
        """Return a submitted questionnaire to its writers, unapproved (the comments say why):
        someone who could approve it."""
        _may_approve(by, steering_group)
        if self.stage is not Stage.SUBMITTED:
            raise Conflict(f"the questionnaire is {self.stage.value}, not waiting for approval")
        self._sent_back(by.person_id)

    @event("QuestionnaireSentBack")
    def _sent_back(self, by: UUID) -> None:
        self._back_to_draft()

    def approve(self, by: Caller, revision: int, steering_group: SteeringGroup) -> None:
        """Approve the submitted questionnaire, as of the ``revision`` the approver read: only
        a member of the steering group (or, without one, someone who may approve surveys) who
        wrote none of it."""
        _may_approve(by, steering_group)
        if self.stage is not Stage.SUBMITTED:
            raise Conflict(f"the questionnaire is {self.stage.value}, not waiting for approval")
        if revision != self.revision:
            raise Conflict(
                f"revision {self.revision} is waiting for approval, not {revision}: read it first",
                field="revision",
            )
        if by.person_id in self.writers:
            raise Forbidden(
                "a questionnaire is approved by someone who wrote none of it: ask another person"
            )
        self._approved(by.person_id, revision)

    @event("QuestionnaireApproved")
    def _approved(self, by: UUID, revision: int) -> None:
        self.stage = Stage.APPROVED
        self.approved_by = by

    def schedule(self, opens_at: datetime, by: Caller, now: datetime) -> bool:
        """Set the approved questionnaire to go out at ``opens_at`` (the dialog's opening), or
        move that time while it has not come; False when it is the time it has."""
        _may_write(by)
        stage = self.stage_at(now)
        if stage not in (Stage.APPROVED, Stage.SCHEDULED):
            raise Conflict(f"the questionnaire is {stage.value}; only an approved one is scheduled")
        if opens_at <= now:
            raise InvalidInput("opens_at", "must be in the future")
        if opens_at == self.opens_at:
            return False
        self._scheduled(opens_at, by.person_id)
        return True

    @event("QuestionnaireScheduled")
    def _scheduled(self, opens_at: datetime, by: UUID) -> None:
        self.stage = Stage.SCHEDULED
        self.opens_at = opens_at

    # -- from the opening on -----------------------------------------------------------------

    def lock_if_due(self, now: datetime) -> bool:
        """Record, once the opening time has come, that the questionnaire is version 1."""
        if self.stage is Stage.SCHEDULED and self.stage_at(now) is Stage.LOCKED:
            self._locked(1)
            return True
        return False

    @event("QuestionnaireLocked")
    def _locked(self, version: int) -> None:
        self.stage = Stage.LOCKED
        self.versions.append(self.form)

    def correct(self, form: Form, by: Caller, now: datetime) -> bool:
        """Correct the questionnaire of an open survey: the corrected one becomes the next
        version, the earlier ones stay as they were. A question keeps its type across versions
        (answers to it are counted together); a new question takes a new id. False (nothing
        recorded) when it is the newest version already."""
        _may_write(by)
        stage = self.stage_at(now)
        if stage is not Stage.LOCKED:
            raise Conflict(
                f"the questionnaire is {stage.value}; until the survey opens, revise the draft"
            )
        form = check_form(form)
        _ensure_same_types(self.form, form, self.newest_version or 1)
        if form == self.form:
            return False
        self.lock_if_due(now)
        self._corrected(self.newest_version + 1, form, by.person_id)
        return True

    @event("QuestionnaireCorrected")
    def _corrected(self, version: int, form: Form, by: UUID) -> None:
        self.form = form
        self.versions.append(form)
        self.writers.add(by)

    @property
    def newest_version(self) -> int:
        """The newest version respondents answer; 0 before the survey opens."""
        return len(self.versions)

    def form_of(self, number: int) -> Form:
        """Version ``number`` of the questionnaire as respondents saw it."""
        if not 1 <= number <= len(self.versions):
            have = f"versions 1 to {len(self.versions)}" if self.versions else "no version yet"
            raise InvalidInput("version", f"the questionnaire has {have}, not {number}")
        return self.versions[number - 1]

    def check_response(self, version: int, answers: Mapping[str, object]) -> Answers:
        """A response's answers to version ``version``, typed, or every problem of it named."""
        return check_response(self.form_of(version), answers)

    # -- comments ----------------------------------------------------------------------------

    def comment(
        self,
        by: Caller,
        text: str,
        question_id: str | None,
        now: datetime,
        steering_group: SteeringGroup,
    ) -> QuestionnaireComment:
        """A comment on the draft or on one of its questions, while it is written or
        reviewed (not after approval)."""
        may_review(by, steering_group)
        stage = self.stage_at(now)
        if stage not in _UNDER_REVIEW:
            raise Conflict(f"the questionnaire is {stage.value}; comments are for drafts")
        if question_id is not None and self.form.question(question_id) is None:
            raise InvalidInput("question_id", f"{question_id!r} is not a question of the draft")
        return QuestionnaireComment(
            questionnaire_id=self.id,
            dialog_id=self.dialog_id,
            author_id=by.person_id,
            revision=self.revision,
            question_id=question_id,
            text=values.text(text, "text", max_length=COMMENT_LENGTH),
            id=uuid4(),
        )


def _ensure_same_types(current: Form, corrected: Form, version: int) -> None:
    kept = {q.id: q for _, q in current.questions()}
    changed = [
        (f"{path}.type", f"{q.id!r} is a {_tag(kept[q.id])} question in version {version}")
        for path, q in corrected.questions()
        if q.id in kept and _tag(q) != _tag(kept[q.id])
    ]
    if changed:
        raise InvalidInput.of(
            [
                (field, f"{reason}: a question keeps its type; a new one takes a new id")
                for field, reason in changed
            ]
        )


def _tag(question: Question) -> str:
    return str(question.__struct_config__.tag)


class QuestionnaireComment(Aggregate):
    """One person's comment on a draft questionnaire (or one of its questions), as of the
    revision they read. The text is sealed under the writer's key."""

    personal_fields: ClassVar[dict[str, tuple[str, ...]]] = {"QuestionnaireCommented": ("text",)}
    data_subject: ClassVar[str] = "author_id"

    @event("QuestionnaireCommented")
    def __init__(
        self,
        questionnaire_id: UUID,
        dialog_id: UUID,
        author_id: UUID,
        revision: int,
        question_id: str | None,
        text: str,
        *,
        id: UUID,  # eventsourcing takes the aggregate's id by this name
    ) -> None:
        self.questionnaire_id = questionnaire_id
        self.dialog_id = dialog_id
        self.author_id = author_id
        self.revision = revision
        self.question_id = question_id
        self.text = text
