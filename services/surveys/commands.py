"""What administrators, approvers and respondents send about surveys (request bodies, checked
by msgspec). None of them carries a tenant, an author, an approver or a respondent: the server
takes those from the caller. Scheduling, submitting and sending back take no body: the dialog
says when the survey opens, and the caller who acts.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from services.surveys.domain import COMMENT_LENGTH
from services.surveys.questionnaire import (
    ID_LENGTH,
    LONG_TEXT,
    MAX_OPTIONS,
    MAX_QUESTIONS,
    MAX_ROWS,
    NUMBER_LIMIT,
    Form,
)

QuestionId = Annotated[str, Meta(min_length=1, max_length=ID_LENGTH)]
# What an answer may be, as JSON: bounded, so that a body the document allows is one the server
# reads (a number like 1e400 is no answer); the question checks the rest and names it (422).
_Number = (
    Annotated[int, Meta(ge=-int(NUMBER_LIMIT), le=int(NUMBER_LIMIT))]
    | Annotated[float, Meta(ge=-NUMBER_LIMIT, le=NUMBER_LIMIT)]
)
_Id = Annotated[str, Meta(max_length=200)]
AnswerValue = (
    None  # left blank
    | Annotated[str, Meta(max_length=2 * LONG_TEXT)]  # an option id, a text, a date
    | _Number  # a point of a scale, a number
    | Annotated[list[_Id], Meta(max_length=MAX_OPTIONS)]  # option ids, chosen or ranked
    # a matrix: row id to point (keys unbounded here: the document cannot state a bound on
    # them, and the questionnaire names an unknown row)
    | Annotated[dict[str, _Number], Meta(max_length=MAX_ROWS)]
)


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
    answers: Annotated[dict[str, AnswerValue], Meta(max_length=MAX_QUESTIONS)]
