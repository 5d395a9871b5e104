"""Chat: a discussion's live chat or moderated live blog (rooms, messages, slow mode)."""

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
    from services.participation.service import ParticipationService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    app_pool: asyncpg.Pool
    codec: Codec
    repository: Repository
    dialogs: DialogService
    participation: ParticipationService


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.chat.domain import ChatMessage, ChatPace, ChatRoom

    return (ChatRoom, ChatMessage, ChatPace)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.chat.feed import ChatFeed

    return [ChatFeed(app.codec)]


def _provides(app: Needs) -> Mapping[str, object]:
    from events.live_feed import FeedHub
    from services.chat.feed import CHAT_CHANNEL, ChatQueries, FeedEntry
    from services.chat.service import ChatService

    queries = ChatQueries(app.app_pool)
    return {
        "chat": ChatService(app.repository, app.dialogs, app.participation),
        "chat_queries": queries,
        "chat_hub": FeedHub[FeedEntry](app.app_pool, CHAT_CHANNEL, queries.feed, queries.head),
    }


CHAT = Context[Needs](
    "chat",
    package="services.chat",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=("gateway.chat:ChatController",),
    provides=_provides,
)
