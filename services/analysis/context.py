"""Analysis: the analysis group's workspaces over the posts of dialogs, their members and
codebooks, the codes and significance ratings analysts give items, the themes they group
items into, and machine suggestions (groups of similar items, near-duplicates) that analysts
decide on."""

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


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    dialogs: DialogService
    repository: Repository


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.analysis.domain import Analysis, AnalysisItem, Codebook, Theme

    return (Analysis, AnalysisItem, Codebook, Theme)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.analysis.read_model import AnalysisWorkspace

    return [AnalysisWorkspace(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from services.analysis.read_model import AnalysisQueries
    from services.analysis.service import AnalysisService
    from services.analysis.suggestions import SuggestionCache

    return {
        "analyses": AnalysisService(app.repository, app.dialogs),
        "analysis_queries": AnalysisQueries(app.app_pool),
        "suggestion_cache": SuggestionCache(),
    }


ANALYSIS = Context[Needs](
    "analysis",
    package="services.analysis",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=(
        "gateway.analysis:AnalysisController",
        "gateway.analysis:TenantCodeController",
        "gateway.analysis_suggestions:AnalysisSuggestionsController",
    ),
    provides=_provides,
)
