"""Analysis: the analysis group's workspaces over the posts of dialogs, their members and
codebooks, the codes and significance ratings analysts give items, the themes they group
items into, machine suggestions (groups of similar items, near-duplicates) that analysts
decide on, and the opinion maps of statements dialogs (votes on statements, opinion groups)."""

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

    return (Analysis, AnalysisItem, Theme)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.analysis import AnalysisWorkspace
    from projections.opinion import OpinionVotes

    return [AnalysisWorkspace(app.codec), OpinionVotes(app.codec.catalogue)]


def _controllers() -> Sequence[type]:
    from gateway.analysis import AnalysisController
    from gateway.analysis_suggestions import AnalysisSuggestionsController
    from gateway.opinion import OpinionController

    return [AnalysisController, AnalysisSuggestionsController, OpinionController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.analysis import AnalysisQueries
    from projections.live import TallyHub
    from projections.opinion import OPINION_CHANNEL, OpinionMapView, OpinionQueries
    from services.analysis.service import AnalysisService
    from services.analysis.suggestions import SuggestionCache

    opinion_queries = OpinionQueries(app.app_pool)
    return {
        "analyses": AnalysisService(app.repository, app.dialogs),
        "analysis_queries": AnalysisQueries(app.app_pool),
        "suggestion_cache": SuggestionCache(),
        "opinion_queries": opinion_queries,
        # live, over LISTEN on the opinion mapper's channel
        "opinion_maps": TallyHub[OpinionMapView](
            app.app_pool, opinion_queries.view, channel=OPINION_CHANNEL
        ),
    }


ANALYSIS = Context(
    "analysis",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
