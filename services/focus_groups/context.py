"""Focus groups: invite-only groups a moderator leads through a guide of questions and stimuli
released one at a time, the participants' answers and the moderator's marks on them,
follow-ups, the notes of observers (staff), and the live stream each member watches."""

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
    from services.identity.service import IdentityService
    from services.media.images import ImageStore


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    identity: IdentityService
    images: ImageStore
    repository: Repository


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.focus_groups.domain import FocusGroup, FocusGroupAnswer, ObserverNote

    return (FocusGroup, FocusGroupAnswer, ObserverNote)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.focus_groups.read_model import FocusGroupAnswers, FocusGroupListing

    return [FocusGroupListing(app.codec), FocusGroupAnswers(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from events.live_feed import FeedHub
    from services.focus_groups.live import FeedEntry, FocusGroupFeed
    from services.focus_groups.read_model import FOCUS_GROUP_CHANNEL, FocusGroupQueries
    from services.focus_groups.service import FocusGroupService

    service = FocusGroupService(app.repository, app.identity, app.images.exists)
    feed = FocusGroupFeed(app.app_pool, service.get)
    return {
        "focus_groups": service,
        "focus_group_queries": FocusGroupQueries(app.app_pool),
        "focus_group_feed": feed,
        "focus_group_hub": FeedHub[FeedEntry](
            app.app_pool, FOCUS_GROUP_CHANNEL, feed.read, feed.head
        ),
    }


FOCUS_GROUPS = Context[Needs](
    "focus_groups",
    package="services.focus_groups",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=("gateway.focus_groups:FocusGroupController",),
    provides=_provides,
)
