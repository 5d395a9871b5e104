"""Analysis: the analysis group's workspaces over the posts of dialogs, their members and
codebooks, the codes and significance ratings analysts give items, the themes they group
items into, machine suggestions (groups of similar items, near-duplicates) that analysts
decide on, and the committee's report of an analysis (HTML or PDF)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.analysis.domain import Analysis, AnalysisItem, Theme

    return (Analysis, AnalysisItem, Theme)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.analysis import AnalysisWorkspace

    return [AnalysisWorkspace(app.codec)]


def _controllers() -> Sequence[type]:
    from gateway.analysis import AnalysisController
    from gateway.analysis_report import AnalysisReportController
    from gateway.analysis_suggestions import AnalysisSuggestionsController

    return [AnalysisController, AnalysisSuggestionsController, AnalysisReportController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.analysis import AnalysisQueries
    from projections.analysis_report import ReportQueries
    from services.analysis.service import AnalysisService
    from services.analysis.suggestions import SuggestionCache

    return {
        "analyses": AnalysisService(app.repository, app.dialogs),
        "analysis_queries": AnalysisQueries(app.app_pool),
        "suggestion_cache": SuggestionCache(),
        "report_queries": ReportQueries(app.app_pool),
    }


def _commands() -> Sequence[click.Command]:
    from tinget.commands.analysis import analysis

    return [analysis]


ANALYSIS = Context(
    "analysis",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
    commands=_commands,
)
