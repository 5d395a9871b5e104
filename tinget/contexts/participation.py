"""Participation: posts, comments, supports, signatures and ballots."""

from __future__ import annotations

from projections.polls import PollTallies
from projections.posts import PostListing
from services.participation.domain import Ballot, Post, Signature, Support
from services.participation.policies import ThresholdPolicy
from tinget.contexts.base import Context

PARTICIPATION = Context(
    "participation",
    aggregates=(Post, Support, Signature, Ballot),
    read_models=lambda app: [
        PostListing(app.codec),
        PollTallies(app.codec.catalogue),
        ThresholdPolicy(app.codec, app.participation.record_threshold),
    ],
)
