"""Participation: posts, comments, supports, signatures and ballots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from services.media.images import ImageStore
    from services.media.uploads import ImageUploads
    from services.participation.service import ParticipationService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    images: ImageStore
    participation: ParticipationService
    uploads: ImageUploads


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.participation.decisions import Decision
    from services.participation.domain import (
        Ballot,
        Post,
        Signature,
        StatementVote,
        Support,
        Voter,
        Voters,
    )

    return (Post, Support, Signature, Ballot, Voter, Voters, Decision, StatementVote)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.participation.decision_listing import DecisionListing
    from services.participation.merges import MergePolicy
    from services.participation.policies import ThresholdPolicy
    from services.participation.post_listing import PostListing
    from services.participation.tallies import PollTallies

    return [
        PostListing(app.codec),
        PollTallies(app.codec.catalogue),
        DecisionListing(app.codec),
        MergePolicy(app.codec, app.participation.carry_supports),
        ThresholdPolicy(app.codec, app.participation.record_threshold),
    ]


def _provides(app: Needs) -> Mapping[str, object]:
    from events.live import TallyHub
    from services.media.visibility import ImageShowings
    from services.participation.decision_listing import DecisionQueries
    from services.participation.post_listing import PostQueries
    from services.participation.tallies import TALLY_CHANNEL, TallyCounts, TallyQueries

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
        "tallies": TallyHub[TallyCounts](pool, TALLY_CHANNEL, tally_queries.counts),  # live
    }


PARTICIPATION = Context[Needs](
    "participation",
    package="services.participation",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=(
        "gateway.posts:PostController",
        "gateway.posts:DecisionController",
        "gateway.polls:PollController",
        "gateway.images:ImageController",
        "gateway.story:StoryController",
        "gateway.citizen_pages:CitizenPagesController",
    ),
    provides=_provides,
)
