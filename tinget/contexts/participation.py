"""Participation: posts, comments, supports, signatures and ballots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from projections.live import TallyHub
from projections.polls import PollTallies, TallyCounts, TallyQueries
from projections.posts import PostListing, PostQueries
from services.media.visibility import ImageShowings
from services.participation.domain import Ballot, Post, Signature, Support
from services.participation.policies import ThresholdPolicy
from tinget.contexts.base import Context

if TYPE_CHECKING:
    from tinget.bootstrap import AppPlatform


def _controllers() -> Sequence[type]:
    from gateway.images import ImageController
    from gateway.polls import PollController
    from gateway.posts import PostController

    return [PostController, PollController, ImageController]


def _provides(app: AppPlatform) -> Mapping[str, object]:
    pool = app.app_pool
    tally_queries = TallyQueries(pool)
    return {
        "participation": app.participation,
        "uploads": app.uploads,
        "images": app.images,
        "image_showings": ImageShowings(pool),
        "post_queries": PostQueries(pool),
        "tally_queries": tally_queries,
        "tallies": TallyHub[TallyCounts](pool, tally_queries.counts),  # live, over LISTEN
    }


PARTICIPATION = Context(
    "participation",
    aggregates=(Post, Support, Signature, Ballot),
    read_models=lambda app: [
        PostListing(app.codec),
        PollTallies(app.codec.catalogue),
        ThresholdPolicy(app.codec, app.participation.record_threshold),
    ],
    controllers=_controllers,
    provides=_provides,
)
