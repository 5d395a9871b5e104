"""Surveys: questionnaires of survey dialogs, their approval and their versions, and the
respondents' drafts and responses, their exports and the moderation of free text answers;
citizen panels, their members, the samples their rounds go to and the rounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from events.repository import Repository
    from services.dialogs.service import DialogService
    from services.identity.keys import Keys
    from services.identity.service import IdentityService
    from services.surveys.panel_listing import PanelQueries
    from services.surveys.panel_service import PanelService
    from services.surveys.round_service import PanelRoundService
    from services.surveys.service import SurveyService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    dialogs: DialogService
    identity: IdentityService
    keys: Keys
    repository: Repository
    surveys: SurveyService


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


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.surveys.panel_listing import PanelListing
    from services.surveys.response_listing import SurveyResponses
    from services.surveys.results import SurveyResults
    from services.surveys.round_listing import PanelRounds

    return [
        PanelListing(app.codec),
        SurveyResults(app.codec),
        SurveyResponses(app.codec, app.keys),
        PanelRounds(app.codec),
    ]


def _panels(app: Needs, panel_queries: PanelQueries) -> PanelService:
    from services.surveys.panel_service import PanelBackground, PanelService

    return PanelService(
        app.repository, app.identity, PanelBackground(app.app_pool), panel_queries.population
    )


def _rounds(app: Needs, panels: PanelService) -> PanelRoundService:
    from services.surveys.round_service import PanelRoundService

    return PanelRoundService(app.repository, panels, app.dialogs, app.surveys)


def panel_rounds(app: Needs) -> PanelRoundService:
    """The panel rounds' service as the round scheduler in the projection worker uses it."""
    from services.surveys.panel_listing import PanelQueries

    return _rounds(app, _panels(app, PanelQueries(app.app_pool)))


def _provides(app: Needs) -> Mapping[str, object]:
    from services.surveys.panel_listing import PanelQueries
    from services.surveys.response_listing import SurveyResponseQueries
    from services.surveys.results import SurveyResultQueries
    from services.surveys.round_listing import PanelRoundQueries
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


SURVEYS = Context[Needs](
    "surveys",
    package="services.surveys",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=(
        "gateway.surveys:SurveyController",
        "gateway.surveys:SteeringGroupController",
        "gateway.panels:PanelController",
        "gateway.survey_exports:SurveyExportController",
        "gateway.panel_rounds:PanelRoundController",
    ),
    provides=_provides,
)
