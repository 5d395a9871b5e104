"""Participation: posts, comments, supports, signatures and ballots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.participation.decisions import Decision
    from services.participation.domain import (
        Ballot,
        Post,
        Signature,
        StatementVote,
        Support,
        Voter,
    )

    return (Post, Support, Signature, Ballot, Voter, Decision, StatementVote)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.decisions import DecisionListing
    from projections.polls import PollTallies
    from projections.posts import PostListing
    from services.participation.policies import ThresholdPolicy

    return [
        PostListing(app.codec),
        PollTallies(app.codec.catalogue),
        DecisionListing(app.codec),
        ThresholdPolicy(app.codec, app.participation.record_threshold),
    ]


def _controllers() -> Sequence[type]:
    from gateway.images import ImageController
    from gateway.polls import PollController
    from gateway.posts import DecisionController, PostController
    from gateway.story import StoryController

    return [PostController, DecisionController, PollController, ImageController, StoryController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    from projections.decisions import DecisionQueries
    from projections.live import TallyHub
    from projections.polls import TallyCounts, TallyQueries
    from projections.posts import PostQueries
    from services.media.visibility import ImageShowings

    pool = app.app_pool
    tally_queries = TallyQueries(pool)
    return {
        "participation": app.participation,
        "uploads": app.uploads,
        "images": app.images,
        "image_showings": ImageShowings(pool),
        "post_queries": PostQueries(pool),
        "decision_queries": DecisionQueries(pool),
        "tally_queries": tally_queries,
        "tallies": TallyHub[TallyCounts](pool, tally_queries.counts),  # live, over LISTEN
    }


PARTICIPATION = Context(
    "participation",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=_provides,
)
