"""Surveys: questionnaires of survey dialogs, their approval and their versions, and the
respondents' drafts and responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.surveys.domain import Questionnaire, QuestionnaireComment
    from services.surveys.responses import (
        AnonymousResponse,
        NamedResponse,
        Respondent,
        ResponseDraft,
    )

    return (
        Questionnaire,
        QuestionnaireComment,
        AnonymousResponse,
        NamedResponse,
        Respondent,
        ResponseDraft,
    )


def _controllers() -> Sequence[type]:
    from gateway.surveys import SurveyController

    return [SurveyController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    return {"surveys": app.surveys}


SURVEYS = Context("surveys", aggregates=_aggregates, controllers=_controllers, provides=_provides)
