"""A focus group's live stream: what each watcher is sent of the group's feed, as server-sent
events, and where a reconnecting watcher continues.

The feed (``focus_group_feed``, written by the read model in ``read_model.py``) holds one row
per event that changes what a watcher sees, keyed by the event's log position. A gateway's feed
hub (``events.live_feed.FeedHub``, the chat's) reads a group's new rows once for all its
watchers in the process (``FocusGroupFeed.read``), each as a ``FeedEntry``: the row with the
text/event-stream bodies its audiences get, encoded once (the texts read then: an answer hidden
or an item withdrawn since shows participants nothing, an erased author's answer reads
``[erased]``). Each watcher's ``Follower`` decides which of them it sends, with the id of each.

Staff (moderators and observers, ``StaffFollower``) are sent every row: the guide as it is
prepared, released, scheduled, deleted and withdrawn, follow-ups, every answer and mark, notes,
members, changes. The id of an event is its log position.

A participant (``ParticipantFollower``) is sent what ``views.participant_view`` would show them
as it comes: an item when its release time comes, a withdrawal, the follow-ups to them or to
all, their own answers, and the others' answers (by pseudonym, never a hidden one nor one to a
follow-up to someone else) only once they answered the item themselves, unless the group shows
answers before answering; marks on answers they may see; the group's changes; their own
removal, which ends the stream. Never a note, an observer, anything of another group. The
others' answers (and their marks) withheld until the participant answers are kept, and sent,
in the feed's order, right after the participant's own answer, or when the group comes to show
answers before answering: so the stream shows what the participant's view shows.

A release at a later time is in the feed from when it was recorded, but is sent when its time
comes, after rows recorded later. So a participant's event id says two things: the feed
position read up to, and the last release sent by (time, position): ``P-T-Q``, T in
microseconds since 1970. A release at or before (T, Q) and at or before P was sent; one after
(T, Q) was not, and is held until its time. Reconnecting with that id, the stream holds the
releases at or before P that are after (T, Q) and not replaced since, sends the feed after P
and each held release when its time comes: what was missed, once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.db import tenant_transaction
from events.errors import InvalidInput
from services.focus_groups.domain import FocusGroup, GuideItem
from services.focus_groups.views import (
    NoteView,
    StaffAnswerView,
    member_view,
    staff_follow_up,
    staff_item,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ID_LENGTH = 80  # of a participant's event id: three numbers and two dashes
_DIGITS = 19
_encode = msgspec.json.Encoder().encode


def micros(moment: datetime) -> int:
    """A moment as whole microseconds since 1970 (exact: no floating point)."""
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def body(event: str, data: object) -> bytes:
    """A server-sent event without its id: its name and one line of JSON (msgspec writes no
    line breaks), ended by a blank line. A follower puts the id in front."""
    return b"event: %s\r\ndata: %s\r\n\r\n" % (event.encode(), _encode(data))


# -- what is sent ------------------------------------------------------------------------------


class ReleasedItem(msgspec.Struct, kw_only=True):
    """An item as a participant gets it when it is released (``item``)."""

    id: UUID
    kind: str
    text: str
    image_id: str | None
    video_url: str | None
    released_at: datetime


class FollowUpSent(msgspec.Struct, kw_only=True):
    """A follow-up as a participant gets it (``follow-up``)."""

    id: UUID
    text: str
    to_me_only: bool
    item_id: UUID | None
    sent_at: datetime


class AnswerSeen(msgspec.Struct, kw_only=True):
    """An answer as a participant sees it (``answer``, ``marked``): by pseudonym."""

    id: UUID
    item_id: UUID
    author: str
    mine: bool
    text: str
    pinned: bool
    highlighted: bool
    answered_at: datetime


class Gone(msgspec.Struct, kw_only=True):
    """Something to take away: an item withdrawn (``withdrawn``), an answer hidden
    (``hidden``), an item deleted (``item-deleted``, staff)."""

    id: UUID
    item_id: UUID | None = None


class GroupChanged(msgspec.Struct, kw_only=True):
    """The group's title, description or setting changed (``changed``)."""

    title: str
    description: str
    answers_visible_before_answering: bool


class Removed(msgspec.Struct, kw_only=True):
    """The watcher was removed from the group (``removed``): the stream ends."""

    group_id: UUID


class FeedEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One row of a group's feed as every watcher in a process shares it: what decides who
    gets it, and the event bodies of its audiences, encoded once (None: nothing). ``mine``
    goes to the participant it is theirs (an answer's author, a follow-up's addressee, the
    member removed), ``others`` to the other participants the rules let see it, ``staff`` to
    moderators and observers."""

    position: int
    event: str  # the feed's name of the row
    subject_id: UUID
    target_id: UUID | None
    person_id: UUID | None
    release_at: datetime | None
    cancelled: bool
    visible: bool | None
    private: bool  # an answer to a follow-up to one participant: theirs and staff's alone
    staff: bytes | None
    mine: bytes | None
    others: bytes | None


def _shown_item(item: GuideItem, at: datetime) -> bytes:
    return body(
        "item",
        ReleasedItem(
            id=item.id,
            kind=item.kind,
            text=item.text,
            image_id=item.image_id,
            video_url=item.video_url,
            released_at=at,
        ),
    )


def _entry(group: FocusGroup, row: Any) -> FeedEntry:
    """What a feed row sends each audience, read against the group as it is now: its guide,
    follow-ups and pseudonyms, the answers' texts (an answer hidden since, an item withdrawn
    since, show participants nothing)."""
    event: str = row["event"]
    subject: UUID = row["subject_id"]
    target: UUID | None = row["target_id"]
    staff: bytes | None = None
    mine: bytes | None = None
    others: bytes | None = None
    item = group.items.get(target if event in ("answer", "marked") and target else subject)
    withdrawn = item is not None and item.withdrawn_at is not None
    private = event in ("answer", "marked") and target is not None and group.private_to(target)
    match event:
        case "changed":
            changed = body(
                "changed",
                GroupChanged(
                    title=group.title,
                    description=group.description,
                    answers_visible_before_answering=bool(row["visible"]),
                ),
            )
            staff = mine = others = changed
        case "member-added" | "member-removed":
            staff = body(event, member_view(group, row["person_id"], row["role"]))
            if event == "member-removed":
                mine = body("removed", Removed(group_id=group.id))
        # the guide as it was at the row's moment: the same bytes whenever it is read
        case "item-added" if item is not None:
            added = msgspec.structs.replace(item, release_at=None, withdrawn_at=None)
            staff = body("item", staff_item(added, row["at"]))
        case "released" if item is not None:
            at: datetime = row["release_at"]
            scheduled = msgspec.structs.replace(item, release_at=at, withdrawn_at=None)
            staff = body("released", staff_item(scheduled, row["at"]))
            if not withdrawn:
                others = _shown_item(item, at)
        case "item-deleted":
            staff = body("item-deleted", Gone(id=subject))
        case "withdrawn" if item is not None:
            staff = body("withdrawn", staff_item(item, row["at"]))
            others = body("withdrawn", Gone(id=subject))
        case "follow-up" if (f := group.follow_ups.get(subject)) is not None:
            staff = body("follow-up", staff_follow_up(group, f))
            mine = body(
                "follow-up",
                FollowUpSent(
                    id=f.id,
                    text=f.text,
                    to_me_only=f.to is not None,
                    item_id=f.item_id,
                    sent_at=f.sent_at,
                ),
            )
            others = mine if f.to is None else None
        case "answer" | "marked" if row["answer_text"] is not None and target is not None:
            marks = row if event == "marked" else row["now"]
            pseudonym = group.pseudonym(row["person_id"]) or group.someone()
            staff = body(
                event,
                StaffAnswerView(
                    id=subject,
                    item_id=target,
                    person_id=row["person_id"],
                    pseudonym=pseudonym,
                    text=row["answer_text"],
                    pinned=marks["pinned"],
                    hidden=marks["hidden"],
                    highlighted=marks["highlighted"],
                    answered_at=row["answered_at"],
                ),
            )
            if not withdrawn:

                def seen(own: bool) -> bytes:
                    return body(
                        event,
                        AnswerSeen(
                            id=subject,
                            item_id=target,
                            author=pseudonym,
                            mine=own,
                            text=row["answer_text"],
                            pinned=marks["pinned"],
                            highlighted=marks["highlighted"],
                            answered_at=row["answered_at"],
                        ),
                    )

                mine = seen(True)
                if event == "marked" and row["hidden"]:
                    others = body("hidden", Gone(id=subject, item_id=target))
                elif not row["hidden_now"]:  # hidden since: nothing left to show the others
                    others = seen(False)
        case "note" if row["note_text"] is not None:
            staff = body(
                "note",
                NoteView(
                    id=subject,
                    author_id=row["person_id"],
                    item_id=row["note_item_id"],
                    answer_id=row["note_answer_id"],
                    text=row["note_text"],
                    written_at=row["at"],
                ),
            )
    return FeedEntry(
        position=int(row["position"]),
        event=event,
        subject_id=subject,
        target_id=target,
        person_id=row["person_id"],
        release_at=row["release_at"],
        cancelled=row["cancelled"],
        visible=row["visible"],
        private=bool(private),
        staff=staff,
        mine=mine,
        others=others,
    )


# -- reading the feed --------------------------------------------------------------------------

_FEED = (
    "SELECT f.*, a.text AS answer_text, a.answered_at, a.pinned AS pinned_now,"
    " a.hidden AS hidden_now, a.highlighted AS highlighted_now,"
    " n.text AS note_text, n.item_id AS note_item_id, n.answer_id AS note_answer_id"
    " FROM focus_group_feed f"
    " LEFT JOIN focus_group_answers a ON f.event IN ('answer', 'marked')"
    " AND a.tenant_id = f.tenant_id AND a.answer_id = f.subject_id"
    " LEFT JOIN focus_group_notes n ON f.event = 'note'"
    " AND n.tenant_id = f.tenant_id AND n.note_id = f.subject_id"
    " WHERE f.tenant_id = $1 AND f.group_id = $2"
)

LoadGroup = Callable[[str, UUID], Awaitable[FocusGroup]]


def _rows(records: Sequence[asyncpg.Record]) -> list[dict[str, Any]]:
    """The feed's rows, each with its answer's marks as they are now under ``now``."""
    rows = []
    for r in records:
        row = dict(r)
        row["now"] = {
            "pinned": r["pinned_now"],
            "hidden": r["hidden_now"],
            "highlighted": r["highlighted_now"],
        }
        rows.append(row)
    return rows


class Start(msgspec.Struct, kw_only=True):
    """What a participant's stream knows of the feed up to a position: the group's setting
    then, the items and follow-ups they had answered, the releases not sent yet, and the
    others' answers and marks not sent yet as they had not answered (in the feed's order)."""

    everyone: bool
    answered: set[UUID]
    held: list[FeedEntry]
    withheld: list[FeedEntry]


class FocusGroupFeed:
    """Reads of the groups' feeds, on the request role's pool, and the group from its stream
    (its guide, follow-ups and pseudonyms) to write them out."""

    def __init__(self, pool: asyncpg.Pool, load: LoadGroup) -> None:
        self.pool = pool
        self.load = load

    async def _entries(
        self, tenant_id: str, group_id: UUID, records: Sequence[asyncpg.Record]
    ) -> list[FeedEntry]:
        if not records:
            return []
        group = await self.load(tenant_id, group_id)
        return [_entry(group, row) for row in _rows(records)]

    async def read(self, tenant_id: str, group_id: UUID, after: int, limit: int) -> list[FeedEntry]:
        """Up to ``limit`` of the group's feed rows after position ``after``, in order."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            records = await conn.fetch(
                f"{_FEED} AND f.position > $3 ORDER BY f.position LIMIT $4",
                tenant_id,
                group_id,
                after,
                limit,
            )
        return await self._entries(tenant_id, group_id, records)

    async def head(self, tenant_id: str, group_id: UUID) -> int:
        """The group's last feed position (0: none yet)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            value = await conn.fetchval(
                "SELECT coalesce(max(position), 0) FROM focus_group_feed"
                " WHERE tenant_id = $1 AND group_id = $2",
                tenant_id,
                group_id,
            )
        return int(value)

    async def start(
        self, tenant_id: str, group: FocusGroup, viewer: UUID, position: int, mark: tuple[int, int]
    ) -> Start:
        """A participant's stream as of ``position``: the group's setting then, what the
        viewer had answered by then, the releases at or before it that are after ``mark``
        (time, position) and not replaced: those not sent yet, and, while the group hides
        answers until one answers, the others' answers and marks withheld since it last
        showed them."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            visible = await conn.fetchval(
                "SELECT visible FROM focus_group_feed WHERE tenant_id = $1 AND group_id = $2"
                " AND event IN ('created', 'changed') AND position <= $3"
                " ORDER BY position DESC LIMIT 1",
                tenant_id,
                group.id,
                position,
            )
            answered = await conn.fetch(
                "SELECT DISTINCT target_id FROM focus_group_feed WHERE tenant_id = $1"
                " AND group_id = $2 AND event = 'answer' AND person_id = $3 AND position <= $4",
                tenant_id,
                group.id,
                viewer,
                position,
            )
            everyone = group.answers_visible_before_answering if visible is None else visible
            # the others' answers withheld since the group last showed them (none while it does)
            others = (
                []
                if everyone
                else await conn.fetch(
                    f"{_FEED} AND f.event IN ('answer', 'marked') AND f.position > ("
                    "SELECT coalesce(max(position), 0) FROM focus_group_feed WHERE tenant_id = $1"
                    " AND group_id = $2 AND event IN ('created', 'changed') AND visible"
                    " AND position <= $4)"
                    " AND f.position <= $4 AND f.person_id IS DISTINCT FROM $3"
                    " ORDER BY f.position",
                    tenant_id,
                    group.id,
                    viewer,
                    position,
                )
            )
            held = await conn.fetch(
                f"{_FEED} AND f.event = 'released' AND NOT f.cancelled AND f.position <= $3"
                " AND (f.release_at > $4 OR (f.release_at = $4 AND f.position > $5))"
                " ORDER BY f.release_at, f.position",
                tenant_id,
                group.id,
                position,
                moment(mark[0]),
                mark[1],
            )
        done = {r["target_id"] for r in answered}
        withheld = [_entry(group, row) for row in _rows(others)]
        return Start(
            everyone=everyone,
            answered=done,
            held=[_entry(group, row) for row in _rows(held)],
            withheld=[e for e in withheld if not e.private and e.target_id not in done],
        )


# -- who gets what -----------------------------------------------------------------------------


def _framed(event_id: str, sent: bytes | None) -> bytes:
    return b"" if sent is None else b"id: %s\r\n%s" % (event_id.encode(), sent)


class StaffFollower:
    """A moderator's or observer's reading of the feed: every row, its id its position. The
    stream ends when the watcher is removed from the group (``until_removed``)."""

    def __init__(self, viewer: UUID, position: int, *, until_removed: bool) -> None:
        self.viewer = viewer
        self.position = position
        self.until_removed = until_removed
        self.ended = False

    @property
    def last_event_id(self) -> str:
        return str(self.position)

    def patience(self, most: float) -> float:
        return most

    def take(self, entries: Sequence[FeedEntry]) -> bytes:
        frames = []
        for entry in entries:
            if entry.position <= self.position:
                continue
            self.position = entry.position
            frames.append(_framed(self.last_event_id, entry.staff))
            if (
                self.until_removed
                and entry.event == "member-removed"
                and entry.person_id == self.viewer
            ):
                frames.append(_framed(self.last_event_id, entry.mine))
                self.ended = True
                break
        return b"".join(frames)


class ParticipantFollower:
    """A participant's reading of the feed (see the module's text)."""

    def __init__(
        self,
        viewer: UUID,
        position: int,
        mark: tuple[int, int],
        start: Start,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.viewer = viewer
        self.position = position
        self.mark = mark  # (time, position) of the last release sent
        self.everyone = start.everyone
        self.answered = set(start.answered)
        self.held: dict[UUID, FeedEntry] = {e.subject_id: e for e in start.held}
        # what of the others is sent once the viewer answers (by item or follow-up), in order
        self.withheld: dict[UUID | None, list[FeedEntry]] = {}
        for entry in start.withheld:
            self.withheld.setdefault(entry.target_id, []).append(entry)
        self.shown: list[FeedEntry] = []  # withheld until this row: sent right after it
        self.clock = clock
        self.ended = False

    @property
    def last_event_id(self) -> str:
        return f"{self.position}-{self.mark[0]}-{self.mark[1]}"

    def patience(self, most: float) -> float:
        """Seconds to wait for the feed: at most ``most``, less when a release falls due."""
        if not self.held:
            return most
        due = min(_key(e)[0] for e in self.held.values())
        return max(0.0, min(most, (due - micros(self.clock())) / 1_000_000))

    def take(self, entries: Sequence[FeedEntry]) -> bytes:
        frames = [self._due()]
        for entry in entries:
            if entry.position <= self.position:
                continue
            self.position = entry.position
            frames.append(_framed(self.last_event_id, self._sent(entry)))
            frames.extend(_framed(self.last_event_id, e.others) for e in self.shown)
            self.shown = []
            if entry.event == "released" and entry.subject_id in self.held:
                # its time has come already (a release now): sent here, in the feed's order,
                # after the held ones due before it
                frames.append(self._due(_key(entry)))
            if self.ended:
                return b"".join(frames)
        frames.append(self._due())
        return b"".join(frames)

    def _due(self, until: tuple[int, int] | None = None) -> bytes:
        """The held releases whose time has come (up to ``until``), in order of (time,
        position)."""
        now = micros(self.clock())
        frames = []
        for entry in sorted(self.held.values(), key=_key):
            key = _key(entry)
            if key[0] > now or (until is not None and key > until):
                break
            del self.held[entry.subject_id]
            self.mark = key
            frames.append(_framed(self.last_event_id, entry.others))
        return b"".join(frames)

    def _sent(self, entry: FeedEntry) -> bytes | None:
        """What of ``entry`` goes to the viewer now (None: nothing), keeping what the next
        rows depend on: the setting, what they answered, the releases held."""
        mine = entry.person_id == self.viewer
        match entry.event:
            case "created" | "changed":
                self.everyone = bool(entry.visible)
                if self.everyone:  # all that was withheld, in the feed's order
                    waiting = [e for entries in self.withheld.values() for e in entries]
                    self.shown = sorted(waiting, key=lambda e: e.position)
                    self.withheld = {}
                return entry.others if entry.event == "changed" else None
            case "released":
                if entry.cancelled:
                    return None
                self.held[entry.subject_id] = entry  # a new time replaces the one held
                if _key(entry) <= self.mark:  # its time came before the last one sent
                    del self.held[entry.subject_id]
                    return entry.others
                return None
            case "item-deleted":
                self.held.pop(entry.subject_id, None)
                return None
            case "withdrawn":
                self.held.pop(entry.subject_id, None)
                return entry.others
            case "follow-up":
                return entry.mine if entry.person_id is None or mine else None
            case "answer" | "marked":
                if mine:
                    if entry.target_id is not None and entry.target_id not in self.answered:
                        self.answered.add(entry.target_id)
                        self.shown = self.withheld.pop(entry.target_id, [])
                    return entry.mine
                if entry.private:
                    return None
                if self.everyone or entry.target_id in self.answered:
                    return entry.others
                self.withheld.setdefault(entry.target_id, []).append(entry)
                return None
            case "member-removed" if mine:
                self.ended = True
                return entry.mine
        return None


def _key(entry: FeedEntry) -> tuple[int, int]:
    """A release's place among releases: its time (microseconds), then its position."""
    at = entry.release_at
    return (0 if at is None else micros(at), entry.position)


def participant_cursor(value: str, field: str) -> tuple[int, int, int]:
    """A participant's event id ``P-T-Q`` as its three numbers; 422 naming ``field`` when
    it is none of this stream's."""
    parts = value.strip().split("-")
    if len(parts) != 3 or not all(p.isdigit() and len(p) <= _DIGITS for p in parts):
        raise InvalidInput(field, "must be an event id of this stream")
    position, at, of = (int(p) for p in parts)
    return position, at, of


def staff_cursor(value: str, field: str) -> int:
    """A staff stream's event id (a position); 422 naming ``field`` when it is none."""
    text = value.strip()
    if not text.isdigit() or len(text) > _DIGITS:
        raise InvalidInput(field, "must be an event id of this stream")
    return int(text)


__all__ = [
    "FeedEntry",
    "FocusGroupFeed",
    "ParticipantFollower",
    "StaffFollower",
    "Start",
    "micros",
    "participant_cursor",
    "staff_cursor",
]
