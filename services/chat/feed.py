"""The chat's read model: each message as it stands now, and the feed the live stream sends.

``chat_messages`` holds a dialog's messages (pending, shown or hidden, pinned or not), for the
paginated read and the stream's message bodies. ``chat_feed`` holds one row per event that
changes what a watcher sees, keyed by that event's log position, which is the server-sent
event's id. A projection applies a tenant's events in log order, one batch after another, so
a dialog's feed only grows at its end: a reader that saw up to id N and reads the rows after N
later misses nothing and gets nothing twice.

After writing, the projection notifies ``CHAT_CHANNEL`` with '<tenant>:<dialog>' in the same
transaction; the gateway's feed hub (``events.live.FeedHub``) reads the new rows once for all
watchers of the dialog in its process.

What a row sends is read when it is sent: a message hidden since shows participants no text,
and an erased author's message reads ``[erased]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events import tables
from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.personal import ERASED, ERASURE_EVENT
from events.tables import Key, Row

CHAT_CHANNEL = "tinget_chat"  # NOTIFY payload: '<tenant>:<dialog id>'

_MESSAGE_EVENTS = frozenset(
    {
        "ChatMessagePosted",
        "ChatMessageApproved",
        "ChatMessageHidden",
        "ChatMessagePinned",
        "ChatMessageUnpinned",
    }
)


def _evolve(
    row: Row | None, key: Key, recorded: RecordedEvent, event: Any
) -> tuple[Row, str, bool] | None:
    """The message's row after one event, the feed's event name and whether only moderators
    see it; None when the event changes nothing (its message is unknown)."""
    match recorded.event_type:
        case "ChatMessagePosted":
            if row is not None:
                return None
            status = "pending" if event.held else "shown"
            row = {
                "tenant_id": key[0],
                "message_id": key[1],
                "dialog_id": event.dialog_id,
                "position": recorded.position,
                "author_id": event.author_id,
                "anonymous": event.anonymous,
                "by_moderator": event.by_moderator,
                "body": event.body,
                "status": status,
                "pinned": False,
                "moderation_reason": None,
                "created_at": event.timestamp,
            }
            return row, ("pending" if event.held else "message"), event.held
    if row is None:
        return None
    row = dict(row)
    match recorded.event_type:
        case "ChatMessageApproved":
            row["status"] = "shown"
            return row, "message", False
        case "ChatMessageHidden":
            was_shown = row["status"] == "shown"
            row.update(status="hidden", pinned=False, moderation_reason=event.reason)
            return row, "hidden", not was_shown
        case "ChatMessagePinned":
            row["pinned"] = True
            return row, "pinned", False
        case "ChatMessageUnpinned":
            row["pinned"] = False
            return row, "unpinned", False
    return None


class ChatFeed:
    """Messages and the live feed of each dialog's chat."""

    name = "chat_feed"
    event_types = frozenset({*_MESSAGE_EVENTS, ERASURE_EVENT})
    tables: tuple[str, ...] = ("chat_messages", "chat_feed")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec  # the runtime loads the data keys of sealed bodies through it

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        erased = [(r.tenant_id, r.stream_id) for r in events if r.event_type == ERASURE_EVENT]
        messages = [r for r in events if r.event_type != ERASURE_EVENT]
        rows: dict[Key, Row | None] = dict(
            await tables.load(
                conn, "chat_messages", "message_id", ((r.tenant_id, r.stream_id) for r in messages)
            )
        )
        feed: list[tuple[str, UUID, int, UUID, str, bool]] = []
        touched: set[Key] = set()
        for recorded in messages:
            key = (recorded.tenant_id, recorded.stream_id)
            event = self.codec.decode(
                recorded.event_type, recorded.data, recorded.stream_id, recorded.version
            )
            changed = _evolve(rows.get(key), key, recorded, event)
            if changed is None:
                continue
            new, name, moderators_only = changed
            rows[key] = new
            touched.add(key)
            feed.append(
                (key[0], new["dialog_id"], recorded.position, key[1], name, moderators_only)
            )
        written = [row for k in sorted(touched) if (row := rows.get(k)) is not None]
        await tables.upsert(conn, "chat_messages", ("tenant_id", "message_id"), written)
        if feed:
            await conn.execute(
                "INSERT INTO chat_feed"
                " (tenant_id, dialog_id, position, message_id, event, moderators_only)"
                " SELECT * FROM unnest($1::text[], $2::uuid[], $3::bigint[], $4::uuid[],"
                " $5::text[], $6::boolean[]) ON CONFLICT DO NOTHING",
                *[[f[i] for f in feed] for i in range(6)],
            )
            dialogs = sorted({f"{f[0]}:{f[1]}" for f in feed})
            await conn.execute(
                "SELECT pg_notify($1, d) FROM unnest($2::text[]) AS d", CHAT_CHANNEL, dialogs
            )
        if erased:
            # An erased person's messages read as their events now decode (a rebuild agrees).
            await conn.execute(
                "UPDATE chat_messages m SET body = $3"
                " FROM unnest($1::text[], $2::uuid[]) AS k(tenant_id, person_id)"
                " WHERE m.tenant_id = k.tenant_id AND m.author_id = k.person_id",
                [k[0] for k in erased],
                [k[1] for k in erased],
                ERASED,
            )


class ChatMessageView(msgspec.Struct, kw_only=True, omit_defaults=False):
    """A chat message as a watcher sees it. ``body`` is null for a hidden message (to
    participants); ``author_id`` and ``author_name`` are null for a device token's message;
    ``moderation_reason`` shows to moderators only."""

    id: UUID
    dialog_id: UUID
    status: str  # pending (moderators only), shown, hidden
    body: str | None
    author_id: UUID | None
    author_name: str | None
    by_moderator: bool
    pinned: bool
    posted_at: datetime
    moderation_reason: str | None = None


def message_view(row: Any, *, moderator: bool) -> ChatMessageView:
    shown = moderator or row["status"] == "shown"
    named = shown and not row["anonymous"]
    return ChatMessageView(
        id=row["message_id"],
        dialog_id=row["dialog_id"],
        status=row["status"],
        body=row["body"] if shown else None,
        author_id=row["author_id"] if named else None,
        author_name=row["display_name"] if named else None,
        by_moderator=row["by_moderator"],
        pinned=row["pinned"],
        posted_at=row["created_at"],
        moderation_reason=row["moderation_reason"] if moderator else None,
    )


class FeedEntry(msgspec.Struct, frozen=True):
    """One server-sent event of a dialog's chat, encoded once for all its watchers, as the
    bytes of its text/event-stream frame: ``public`` is what participants get (None:
    nothing, such as a message waiting for approval, or one hidden since), ``moderators``
    what moderators get. Its id is ``position``."""

    position: int
    event: str
    public: bytes | None
    moderators: bytes


def sse_frame(position: int, event: str, data: bytes) -> bytes:
    """One server-sent event: its id, name and one line of JSON (msgspec writes no line
    breaks), ended by a blank line."""
    return b"id: %d\r\nevent: %s\r\ndata: %s\r\n\r\n" % (position, event.encode(), data)


_encode = msgspec.json.Encoder().encode

_FEED = (
    "SELECT m.*, f.position AS feed_position, f.event, f.moderators_only, pe.display_name"
    " FROM chat_feed f JOIN chat_messages m"
    " ON m.tenant_id = f.tenant_id AND m.message_id = f.message_id"
    " LEFT JOIN people pe ON pe.tenant_id = m.tenant_id AND pe.person_id = m.author_id"
    " AND pe.erased_at IS NULL"
)

_MESSAGES = (
    "SELECT m.*, pe.display_name FROM chat_messages m"
    " LEFT JOIN people pe ON pe.tenant_id = m.tenant_id AND pe.person_id = m.author_id"
    " AND pe.erased_at IS NULL"
)


def _entry(row: Any) -> FeedEntry:
    position, event = int(row["feed_position"]), row["event"]
    public: bytes | None = None
    # A message event of a message hidden since has nothing left to show participants.
    if not row["moderators_only"] and (event != "message" or row["status"] == "shown"):
        public = sse_frame(position, event, _encode(message_view(row, moderator=False)))
    return FeedEntry(
        position=position,
        event=event,
        public=public,
        moderators=sse_frame(position, event, _encode(message_view(row, moderator=True))),
    )


class ChatQueries:
    """Reads of the chat's read model, on the request role's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def feed(
        self, tenant_id: str, dialog_id: UUID, after: int, limit: int
    ) -> list[FeedEntry]:
        """Up to ``limit`` of the dialog's feed events after position ``after``, in order."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                f"{_FEED} WHERE f.tenant_id = $1 AND f.dialog_id = $2 AND f.position > $3"
                " ORDER BY f.position LIMIT $4",
                tenant_id,
                dialog_id,
                after,
                limit,
            )
        return [_entry(r) for r in rows]

    async def head(self, tenant_id: str, dialog_id: UUID) -> int:
        """The dialog's last feed position (0: none yet)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            value = await conn.fetchval(
                "SELECT coalesce(max(position), 0) FROM chat_feed"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
        return int(value)

    async def messages(
        self,
        tenant_id: str,
        dialog_id: UUID,
        statuses: Sequence[str],
        before: int | None,
        limit: int,
    ) -> tuple[list[asyncpg.Record], int]:
        """Up to ``limit`` of the dialog's messages in ``statuses``, newest first, posted
        before position ``before``; and the dialog's last feed position, read in the same
        snapshot (a stream started after it continues the page without a gap)."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            await conn.execute("SELECT set_config('app.tenant_id', $1, true)", tenant_id)
            rows: list[asyncpg.Record] = await conn.fetch(
                f"{_MESSAGES} WHERE m.tenant_id = $1 AND m.dialog_id = $2"
                " AND m.status = ANY($3::text[])"
                " AND ($4::bigint IS NULL OR m.position < $4)"
                " ORDER BY m.position DESC LIMIT $5",
                tenant_id,
                dialog_id,
                list(statuses),
                before,
                limit,
            )
            head = await conn.fetchval(
                "SELECT coalesce(max(position), 0) FROM chat_feed"
                " WHERE tenant_id = $1 AND dialog_id = $2",
                tenant_id,
                dialog_id,
            )
        return rows, int(head)

    async def pinned(self, tenant_id: str, dialog_id: UUID) -> list[asyncpg.Record]:
        """The dialog's pinned messages, oldest first."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows: list[asyncpg.Record] = await conn.fetch(
                f"{_MESSAGES} WHERE m.tenant_id = $1 AND m.dialog_id = $2 AND m.pinned"
                " ORDER BY m.position",
                tenant_id,
                dialog_id,
            )
        return rows
