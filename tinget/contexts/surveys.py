"""Surveys: questionnaires of survey dialogs, their approval and their versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.surveys.domain import Questionnaire, QuestionnaireComment

    return (Questionnaire, QuestionnaireComment)


SURVEYS = Context("surveys", aggregates=_aggregates)
