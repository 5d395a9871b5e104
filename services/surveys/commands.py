"""What administrators, approvers and respondents send about surveys (request bodies, checked
by msgspec). None of them carries a tenant, an author, an approver or a respondent: the server
takes those from the caller. Scheduling, submitting and sending back take no body: the dialog
says when the survey opens, and the caller who acts.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

from services.surveys.domain import COMMENT_LENGTH
from services.surveys.questionnaire import ID_LENGTH, MAX_QUESTIONS, Form

QuestionId = Annotated[str, Meta(min_length=1, max_length=ID_LENGTH)]


class WriteQuestionnaire(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole questionnaire: a new draft, a revision of it, or a correction once the
    survey is open (which becomes the next version)."""

    form: Form


class ApproveQuestionnaire(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The approver approves the revision they read, and no later one."""

    revision: Annotated[int, Meta(ge=1)]


class CommentOnQuestionnaire(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=COMMENT_LENGTH)]
    question_id: QuestionId | None = None  # None: about the questionnaire as a whole


class SubmitResponse(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A respondent's answers to one version of the questionnaire, by question id: each as
    the question's type takes it (an option id, a list of them, a number, a text, row id to
    point, a date as YYYY-MM-DD), checked against that version by the questionnaire."""

    version: Annotated[int, Meta(ge=1)]
    answers: Annotated[dict[QuestionId, Any], Meta(max_length=MAX_QUESTIONS)]
