"""Surveys: questionnaires of survey dialogs, their approval and their versions, and the
respondents' drafts and responses, their exports and the moderation of free text answers;
citizen panels, their members, the samples their rounds go to and the rounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from projections.panels import PanelQueries
    from projections.runtime import Projection
    from services.surveys.panel_service import PanelService
    from services.surveys.round_service import PanelRoundService
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.surveys.domain import Questionnaire, QuestionnaireComment
    from services.surveys.panels import Membership, Panel, PanelNames, PanelSample
    from services.surveys.responses import (
        AnonymousResponse,
        NamedResponse,
        Respondent,
        ResponseDraft,
    )
    from services.surveys.rounds import PanelRound
    from services.surveys.texts import SurveyTextReview

    return (
        Questionnaire,
        QuestionnaireComment,
        AnonymousResponse,
        NamedResponse,
        Respondent,
        ResponseDraft,
        Panel,
        PanelNames,
        Membership,
        PanelSample,
        SurveyTextReview,
        PanelRound,
    )


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.panel_rounds import PanelRounds
    from projections.panels import PanelListing
    from projections.survey_responses import SurveyResponses
    from projections.survey_results import SurveyResults

    return [
        PanelListing(app.codec),
        SurveyResults(app.codec),
        SurveyResponses(app.codec, app.keys),
        PanelRounds(app.codec),
    ]


def _controllers() -> Sequence[type]:
    from gateway.panel_rounds import PanelRoundController
    from gateway.panels import PanelController
    from gateway.survey_exports import SurveyExportController
    from gateway.surveys import SteeringGroupController, SurveyController

    return [
        SurveyController,
        SteeringGroupController,
        PanelController,
        SurveyExportController,
        PanelRoundController,
    ]


def _panels(app: AppPlatform, panel_queries: PanelQueries) -> PanelService:
    from services.surveys.panel_service import PanelBackground, PanelService

    return PanelService(
        app.repository, app.identity, PanelBackground(app.app_pool), panel_queries.population
    )


def _rounds(app: AppPlatform, panels: PanelService) -> PanelRoundService:
    from services.surveys.round_service import PanelRoundService

    return PanelRoundService(app.repository, panels, app.dialogs, app.surveys)


def panel_rounds(app: AppPlatform) -> PanelRoundService:
    """The panel rounds' service as the round scheduler in the projection worker uses it."""
    from projections.panels import PanelQueries

    return _rounds(app, _panels(app, PanelQueries(app.app_pool)))


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.panel_rounds import PanelRoundQueries
    from projections.panels import PanelQueries
    from projections.survey_responses import SurveyResponseQueries
    from projections.survey_results import SurveyResultQueries
    from services.surveys.texts import SurveyTextService

    panel_queries = PanelQueries(app.app_pool)
    responses = SurveyResponseQueries(app.app_pool)
    panels = _panels(app, panel_queries)
    return {
        "surveys": app.surveys,
        "panels": panels,
        "panel_queries": panel_queries,
        "survey_results": SurveyResultQueries(app.app_pool),
        "survey_responses": responses,
        "survey_texts": SurveyTextService(app.repository, responses.has_text),
        "panel_rounds": _rounds(app, panels),
        "panel_round_queries": PanelRoundQueries(app.app_pool),
    }


SURVEYS = Context(
    "surveys",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
