"""Server-sent events from the live hubs: poll results and opinion maps from a tally hub
(events/live.py), a chat's and a focus group's feeds from a feed hub (events/live_feed.py).

A tally's watcher gets an event now and one each time the value read from the hub answers
differently. A feed's watcher gets every entry its ``Follower`` lets through, once, in order,
each with an id a reconnecting client gives back as ``Last-Event-ID`` (``feed_events``). Both
send a comment every ``KEEPALIVE_SECONDS`` without an event, so proxies keep the connection
and a client that went away is noticed at the next write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, TypeVar
from uuid import UUID

import msgspec
import structlog
from litestar.response import ServerSentEvent, ServerSentEventMessage, Stream

from events.live import TallyHub
from events.live_feed import FeedHub, Overflow, Positioned, Subscription

log = structlog.get_logger(__name__)

KEEPALIVE_SECONDS = 15.0

T = TypeVar("T")


def live_events(
    hub: TallyHub[T],
    tenant_id: str,
    dialog_id: UUID,
    event: str,
    answer: Callable[[T], object],
) -> ServerSentEvent:
    """The dialog's values from ``hub`` as server-sent events named ``event``, each the JSON
    of ``answer(value)``; an answer the same as the last one sent is not sent again."""

    async def events() -> AsyncIterator[ServerSentEventMessage]:
        last: bytes | None = None
        async with hub.watch(tenant_id, dialog_id) as subscription:
            while True:
                value = await subscription.next(KEEPALIVE_SECONDS)
                body = None if value is None else msgspec.json.encode(answer(value))
                if body is not None and body != last:
                    last = body
                    yield ServerSentEventMessage(data=body.decode(), event=event)
                else:
                    # a comment alone: with a data line a browser would fire an empty event
                    yield ServerSentEventMessage(comment="keep-alive", data=None)

    return ServerSentEvent(events())


# -- feeds: every entry to every watcher, once, in order -------------------------------------------

RETRY_MS = 2000  # how long a client waits before it reconnects after the stream ended
BACKLOG_PAGE = 500  # feed entries read at a time for a reconnecting client's backlog
EVENT_STREAM_TYPE = "text/event-stream"
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
_KEEPALIVE = b": keep-alive\r\n\r\n"
_BUSY = b": busy\r\nretry: %d\r\n\r\n" % RETRY_MS

E = TypeVar("E", bound=Positioned)
E_contra = TypeVar("E_contra", bound=Positioned, contravariant=True)


class Follower(Protocol[E_contra]):
    """One watcher's reading of a feed (a chat, a focus group): which entries it sends, as
    what, and the id a client reconnecting from here gives (``last_event_id``)."""

    @property
    def position(self) -> int:
        """The last feed position taken: the stream reads on after it."""
        ...

    @property
    def last_event_id(self) -> int | str: ...

    @property
    def ended(self) -> bool:
        """The watcher may watch no more (removed): the stream ends."""
        ...

    def patience(self, most: float) -> float:
        """How long to wait for entries (at most ``most`` seconds): less when something the
        follower holds falls due before."""
        ...

    def take(self, entries: Sequence[E_contra]) -> bytes:
        """The frames to send of ``entries`` (those after ``position``, in order) and of
        anything held that fell due."""
        ...


def _live(last: int | str) -> bytes:
    """The backlog is sent, what follows is live: an event without an id (a client's last
    event id stays as it was), with the id the stream has reached."""
    return b"event: live\r\ndata: %s\r\n\r\n" % msgspec.json.encode({"last_event_id": last})


def feed_events(
    hub: FeedHub[E],
    backlog: Callable[[int, int], Awaitable[list[E]]],
    tenant_id: str,
    topic_id: UUID,
    follow: Callable[[Subscription[E]], Awaitable[Follower[E]]],
    *,
    replay: bool,
) -> Stream:
    """A feed's topic as server-sent events through one watcher's ``Follower``: with
    ``replay``, first the backlog after the follower's position (``backlog(after, limit)``),
    then an event ``live``, then live entries, each once, in order; a comment every
    ``KEEPALIVE_SECONDS`` without an event.

    The stream joins the topic first and makes its follower (``follow``) and reads its backlog
    only then: an entry committed before the join is in the backlog, one after it reaches the
    queue, one in both is taken once (by position)."""

    async def events() -> AsyncIterator[bytes]:
        async with hub.watch(tenant_id, topic_id) as subscription:
            try:
                follower = await follow(subscription)
                while replay:
                    page = await backlog(follower.position, BACKLOG_PAGE)
                    frames = follower.take(page)
                    if frames:
                        yield frames
                    if follower.ended:
                        return
                    if len(page) < BACKLOG_PAGE:
                        break
            except Exception as error:  # the answer has begun: no 503 can be sent now
                log.warning("feed backlog unavailable; ending the stream", error=repr(error))
                yield _BUSY  # the client reconnects with its last id, after a while
                return
            yield _live(follower.last_event_id)
            while True:
                try:
                    entries = await subscription.next(follower.patience(KEEPALIVE_SECONDS))
                except Overflow:
                    return  # too slow to follow: the client reconnects with its last id
                frames = follower.take(entries)
                if frames:
                    yield frames
                elif not entries:
                    yield _KEEPALIVE
                if follower.ended:
                    return

    return Stream(events(), media_type=EVENT_STREAM_TYPE, headers=STREAM_HEADERS)
