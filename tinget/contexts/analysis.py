"""Analysis: the analysis group's workspaces over the posts of dialogs, their members and
codebooks, the codes and significance ratings analysts give items, the themes they group
items into, machine suggestions (groups of similar items, near-duplicates) that analysts
decide on, and ideas taken through stages to a committee's decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.analysis.domain import Analysis, AnalysisItem, Theme
    from services.analysis.ideas import Idea, IdeaQuestions

    return (Analysis, AnalysisItem, Theme, Idea, IdeaQuestions)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.analysis import AnalysisWorkspace
    from projections.analysis_ideas import AnalysisIdeas

    return [AnalysisWorkspace(app.codec), AnalysisIdeas(app.codec)]


def _controllers() -> Sequence[type]:
    from gateway.analysis import AnalysisController
    from gateway.analysis_ideas import AnalysisIdeasController, IdeaQuestionsController
    from gateway.analysis_suggestions import AnalysisSuggestionsController

    return [
        AnalysisController,
        AnalysisSuggestionsController,
        AnalysisIdeasController,
        IdeaQuestionsController,
    ]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.analysis import AnalysisQueries
    from projections.analysis_ideas import IdeaQueries
    from services.analysis.idea_service import IdeaService
    from services.analysis.service import AnalysisService
    from services.analysis.suggestions import SuggestionCache

    analyses = AnalysisService(app.repository, app.dialogs)
    return {
        "analyses": analyses,
        "analysis_queries": AnalysisQueries(app.app_pool),
        "suggestion_cache": SuggestionCache(),
        "ideas": IdeaService(app.repository, analyses),
        "idea_queries": IdeaQueries(app.app_pool),
    }


ANALYSIS = Context(
    "analysis",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
