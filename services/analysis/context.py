"""Analysis: the analysis group's workspaces over the posts, comments and free text survey
answers of dialogs, their members and codebooks, the codes and significance ratings analysts
give items, the themes they group items into, machine suggestions (groups of similar items,
near-duplicates) that analysts decide on, ideas taken through stages to a committee's
decision, the opinion maps of statements dialogs (votes on statements, opinion groups), and
the committee's report of an analysis (HTML or PDF)."""

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


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    dialogs: DialogService
    identity: IdentityService
    keys: Keys
    repository: Repository


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.analysis.domain import Analysis, AnalysisItem, Codebook, Theme
    from services.analysis.ideas import Idea, IdeaQuestions

    return (Analysis, AnalysisItem, Codebook, Theme, Idea, IdeaQuestions)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.analysis.answers import AnalysisAnswers
    from services.analysis.idea_listing import AnalysisIdeas
    from services.analysis.opinion_maps import OpinionVotes
    from services.analysis.read_model import AnalysisWorkspace

    return [
        AnalysisWorkspace(app.codec),
        AnalysisAnswers(app.codec, app.keys),
        AnalysisIdeas(app.codec),
        OpinionVotes(app.codec.catalogue),
    ]


def _provides(app: Needs) -> Mapping[str, object]:
    from events.live import TallyHub
    from services.analysis.answers import AnswerQueries
    from services.analysis.idea_listing import IdeaQueries
    from services.analysis.idea_service import IdeaService
    from services.analysis.opinion_maps import OPINION_CHANNEL, OpinionMapView, OpinionQueries
    from services.analysis.read_model import AnalysisQueries
    from services.analysis.report_queries import ReportQueries
    from services.analysis.service import AnalysisService
    from services.analysis.suggestions import SuggestionCache

    answers = AnswerQueries(app.app_pool)
    opinion_queries = OpinionQueries(app.app_pool)
    analyses = AnalysisService(app.repository, app.dialogs, app.identity, answers.dialog_of)
    return {
        "analyses": analyses,
        "ideas": IdeaService(app.repository, analyses),
        "idea_queries": IdeaQueries(app.app_pool),
        "opinion_queries": opinion_queries,
        # live, over LISTEN on the opinion mapper's channel
        "opinion_maps": TallyHub[OpinionMapView](
            app.app_pool, OPINION_CHANNEL, opinion_queries.view
        ),
        "analysis_queries": AnalysisQueries(app.app_pool),
        "suggestion_cache": SuggestionCache(),
        "report_queries": ReportQueries(app.app_pool),
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
        "gateway.analysis_members:AnalysisMemberController",
        "gateway.analysis_report:AnalysisReportController",
        "gateway.analysis_ideas:AnalysisIdeasController",
        "gateway.analysis_ideas:IdeaQuestionsController",
        "gateway.opinion:OpinionController",
    ),
    provides=_provides,
    command_paths=("tinget.commands.analysis:analysis",),
)
