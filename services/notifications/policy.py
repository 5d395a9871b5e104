"""The notifier: decides who hears of an event, and records it once as in-app items and
e-mail and push deliveries.

It runs on the projection runtime. Its own small tables (dialog titles, post authors, who took
part in which dialog) are its read model and are rebuilt with it. The items and deliveries are
not: each has an id derived from (event id, recipient, channel) and is inserted with ON CONFLICT
DO NOTHING in the batch's transaction, so a rebuild or a redelivered batch finds them there
already and nothing is shown or sent twice.

Moderation and gamification events are handled by name; one the catalogue does not know (yet)
is simply not subscribed to. An event older than ``FRESH_FOR`` when first seen (a projection
added to a deployment with years of history) becomes an in-app item only, never an e-mail;
this also makes pruning old finished deliveries safe, as a rebuild never re-creates them.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from events.catalogue import Catalogue, PayloadView, UnknownEventType
from events.codec import Codec
from events.model import RecordedEvent
from events.personal import ERASED
from events.store import events_at
from services.notifications import notifier_tables as tables
from services.notifications import project_tables
from services.notifications.facts import (
    FACT_EVENTS,
    NOTIFYING_EVENTS,
    Batch,
    Key,
    Note,
    PostFact,
    administrators,
    answered,
    decide,
    decision_recorded,
    learn,
    merged,
    project_updated,
    report_back_due,
    results,
    title_of,
    title_positions,
    with_titles,
)
from services.notifications.projects import UPDATED, FollowChange, ProjectFact, actor, followers

FRESH_FOR = timedelta(days=2)
TURN = 200  # events a rebuild's writer handles before it lets the batches being written go on

# What the notifier reads of each event it takes. Those without a personal field among them
# are read through the catalogue's views of the fields; the others are decoded whole by the
# codec, which opens them. A post's title and body (sealed under its author's key) are not
# read here: the facts name the event that holds them, opened when a note shows the title.
_FIELDS: dict[str, tuple[str, ...]] = {
    "DialogDrafted": ("details",),
    "DialogDetailsChanged": ("details",),
    "DialogTextsCorrected": ("title", "translations"),
    "PostSubmitted": ("dialog_id", "author_id", "root_id"),
    "PostEdited": (),
    "SupportGiven": ("post_id", "dialog_id", "person_id"),
    "SupportCarriedOver": ("post_id", "person_id"),
    "PostMergedInto": ("into_post_id", "merged_by"),
    "PetitionSigned": ("post_id", "dialog_id", "person_id"),
    "SurveyAnswered": ("dialog_id", "person_id"),
    "TookPartInPoll": ("dialog_id", "person_id"),
    "VotersTookPart": ("dialog_id", "person_ids"),
    "PostAnswered": ("state", "text", "answered_by"),
    "ReportBackReminderDue": ("report_back_by",),
    "DecisionRecorded": (
        "committee",
        "decided_on",
        "text",
        "reference",
        "dialog_ids",
        "post_ids",
        "recorded_by",
    ),
    "PersonJoined": ("role",),
    "RoleChanged": ("role",),
    "ReportStatusChanged": ("status", "message"),
    "ThresholdReached": ("count",),
    "SignatureGoalReached": ("count",),
    "DialogResultsPublished": ("summary", "translations"),
    "PostHidden": ("post_id", "dialog_id", "author_id", "reason"),
    "PostRestored": ("post_id", "dialog_id", "author_id", "reason"),
    "AppealDecided": ("post_id", "dialog_id", "author_id", "reason", "upheld"),
    "BadgeAwarded": ("person_id", "dialog_id", "title", "level"),
    "LevelReached": ("person_id", "name", "welcome"),
    "PanelRoundSent": ("dialog_id", "panel", "recipients"),
    "PanelRoundReminderDue": ("dialog_id", "panel", "recipients"),
    "BudgetRoundSetUp": ("dialog_id",),
    "BudgetProjectProposed": ("round_id", "proposer_id"),  # not its (sealed) title
    "BudgetProjectImported": ("round_id", "proposer_id"),  # nobody's: None
    "BudgetProjectFollowed": ("project_id", "person_id"),
    "BudgetProjectFollowedAgain": ("project_id", "person_id"),
    "BudgetProjectUnfollowed": ("project_id", "person_id"),
    "BudgetProjectImplementationUpdated": ("status", "note", "image"),
}


class Notifier:
    name = "notifier"
    tables: tuple[str, ...] = (
        "notification_dialogs",
        "notification_posts",
        "notification_participants",
        "notification_post_people",
        "notification_administrators",
        "notification_budget_rounds",
        "notification_projects",
        "notification_project_followers",
    )

    def __init__(
        self,
        codec: Codec,
        catalogue: Catalogue,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.codec = codec
        self.clock = clock
        self.event_types = frozenset(
            name for name in FACT_EVENTS | set(NOTIFYING_EVENTS) if _known(catalogue, name)
        )
        self._views: dict[str, PayloadView] = {
            name: catalogue.view(name, fields)
            for name, fields in _FIELDS.items()
            if name in self.event_types and not set(fields) & catalogue.by_name(name).personal
        }

    def decoded(self, events: Sequence[RecordedEvent]) -> list[tuple[RecordedEvent, Any]]:
        """The events with the fields the notifier reads (personal ones opened)."""
        views, decode = self._views, self.codec.decode
        return [
            (r, view.decode(r.data))
            if (view := views.get(r.event_type)) is not None
            else (r, decode(r.event_type, r.data, r.stream_id, r.version))
            for r in events
        ]

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decoded = self.decoded(events)
        batch = await tables.load(conn, decoded)
        took_part: dict[Key, set[UUID]] = {}
        backers: dict[Key, set[UUID]] = {}
        admins: dict[str, set[UUID]] = {}
        following: dict[Key, set[UUID]] = {}
        notes: list[tuple[RecordedEvent, Note]] = []
        note: Note | None
        for recorded, event in decoded:  # in log order: facts first learnt count at once
            if recorded.event_type in FACT_EVENTS:
                learn(batch, recorded, event)
                continue
            if recorded.event_type == "DialogResultsPublished":
                key = (recorded.tenant_id, recorded.stream_id)
                if key not in took_part:
                    took_part[key] = await tables.participants(conn, key)
                note = results(batch, key, event, took_part[key] | _joined(batch, key))
            elif recorded.event_type == "PostAnswered":
                key = (recorded.tenant_id, recorded.stream_id)
                if key not in backers:
                    backers[key] = await tables.post_people(conn, key)
                note = answered(batch, key, event, backers[key] | _backed(batch, key))
            elif recorded.event_type == "PostMergedInto":
                key = (recorded.tenant_id, recorded.stream_id)
                if key not in backers:
                    backers[key] = await tables.post_people(conn, key)
                note = merged(batch, key, event, backers[key] | _backed(batch, key))
            elif recorded.event_type == "DecisionRecorded":
                people: set[UUID] = set()
                for post_id in event.post_ids:
                    key = (recorded.tenant_id, post_id)
                    if key not in backers:
                        backers[key] = await tables.post_people(conn, key)
                    people |= backers[key] | _backed(batch, key) | _author(batch, key)
                for dialog_id in event.dialog_ids:
                    key = (recorded.tenant_id, dialog_id)
                    if key not in took_part:
                        took_part[key] = await tables.participants(conn, key)
                    people |= took_part[key] | _joined(batch, key)
                key = (recorded.tenant_id, recorded.stream_id)
                note = decision_recorded(key, event, people)
            elif recorded.event_type == "ReportBackReminderDue":
                key = (recorded.tenant_id, recorded.stream_id)
                if key[0] not in admins:
                    admins[key[0]] = await tables.administrators(conn, key[0])
                note = report_back_due(
                    batch, key, event, administrators(admins[key[0]], batch.staff, key[0])
                )
            elif recorded.event_type == UPDATED:
                key = (recorded.tenant_id, recorded.stream_id)
                if key not in following:
                    following[key] = await project_tables.followers_of(conn, key)
                people = followers(following[key], batch.follows, key)
                note = project_updated(batch, key, event, people, actor(recorded.metadata))
            else:
                note = decide(batch, recorded, event)
            if note is not None and note.recipients:
                notes.append((recorded, note))
        notes = await self.titled(conn, notes, events)
        await tables.save_facts(conn, tables.facts(batch))
        await tables.record(conn, tables.records(notes, fresh_after=self.clock() - FRESH_FOR))
        await tables.forget_titles(conn, batch.erased, ERASED)

    async def titled(
        self,
        conn: asyncpg.Connection,
        notes: list[tuple[RecordedEvent, Note]],
        batch: Sequence[RecordedEvent],
    ) -> list[tuple[RecordedEvent, Note]]:
        """The notes with the post titles they show opened: from the events of the ``batch``
        that hold them, or else read from the store; each under its author's key (an erased
        author's title reads as erased)."""
        positions = title_positions(notes)
        if not positions:
            return notes
        found = {r.position: r for r in batch if r.position in positions}
        found.update((r.position, r) for r in await events_at(conn, sorted(positions - set(found))))
        await self.codec.prepare(list(found.values()))
        decode = self.codec.decode
        titles = {
            p: title_of(decode(r.event_type, r.data, r.stream_id, r.version))
            for p, r in found.items()
        }
        return [(r, with_titles(note, titles)) for r, note in notes]

    def rebuilding(self) -> NotifierRebuild:
        """How a rebuild writes its batches: the same rows, decided from memory."""
        return NotifierRebuild(self)


def _joined(batch: Batch, key: Key) -> set[UUID]:
    """Who took part in the dialog ``key`` so far in this batch."""
    return {p for t, d, p in batch.joined if (t, d) == key}


def _author(batch: Batch, key: Key) -> set[UUID]:
    post = batch.posts.get(key)
    return set() if post is None else {post.author_id}


def _backed(batch: Batch, key: Key) -> set[UUID]:
    """Who supported, signed or commented on the post ``key`` so far in this batch."""
    return {p for t, post, p in batch.backed if (t, post) == key}


@dataclass(frozen=True)
class _Results:
    """A dialog's results, published in a batch of the rebuild: to everyone who took part
    before the batch (read when it is written) and in it before the results."""

    recorded: RecordedEvent
    event: Any
    title: str
    joined: set[UUID]


@dataclass(frozen=True)
class _Answered:
    """A post's answer given in a batch of the rebuild: to its author and to everyone who
    backed or commented on it before the batch (read when it is written) and in it before
    the answer."""

    recorded: RecordedEvent
    event: Any
    post: PostFact | None
    dialog: str
    backed: set[UUID]


@dataclass(frozen=True)
class _Merged:
    """A duplicate merged in a batch of the rebuild: to the authors of both posts and to
    everyone who backed or commented on the duplicate before the batch (read when it is
    written) and in it before the merge."""

    recorded: RecordedEvent
    event: Any
    known: Batch  # the two posts and the duplicate's dialog, as known at the merge
    backed: set[UUID]


@dataclass(frozen=True)
class _Reminded:
    """A report-back warning in a batch of the rebuild: to the tenant's administrators before
    the batch (read when it is written), with the batch's changes up to it."""

    recorded: RecordedEvent
    event: Any
    dialog: str
    staff: list[tuple[str, UUID, bool]]


@dataclass(frozen=True)
class _DecisionTold:
    """A decision recorded in a batch of the rebuild: to the authors of its posts and those who
    backed or commented on them before the batch (read when it is written) and in it before."""

    recorded: RecordedEvent
    event: Any
    known: set[UUID]  # the posts' authors, and their backers in the batch so far


@dataclass(frozen=True)
class _ProjectUpdated:
    """A budget project's update in a batch of the rebuild: to those who followed it before
    the batch (read when it is written), with the batch's changes up to the update."""

    recorded: RecordedEvent
    event: Any
    known: Batch  # the project and its dialog's title, as known at the update
    changes: list[FollowChange]


@dataclass(frozen=True)
class _Decided:
    """What one batch of a rebuild (positions ``first`` to ``last``) writes."""

    first: int
    last: int
    facts: tables.Facts
    records: tables.Records
    titled: list[tuple[RecordedEvent, Note]]  # notes showing a post's title, opened when written
    results: list[_Results]
    answers: list[_Answered]
    merges: list[_Merged]
    reminders: list[_Reminded]
    decisions: list[_DecisionTold]
    updates: list[_ProjectUpdated]
    fresh_after: datetime


class NotifierRebuild:
    """The notifier as a rebuild runs it, into its emptied fact tables, as their only writer.

    The facts it learns (dialog titles, posts) stay in memory for the whole rebuild instead of
    being read back batch by batch, so the runtime decides the next batch while PostgreSQL
    still writes this one. Each batch is decided by the same code as the live path and writes
    the same rows: its facts, as they stood after it, and its items and deliveries, which a
    rebuild finds recorded before (nothing is shown or sent twice). Who took part in a dialog
    whose results a batch publishes is read from the table, as live: results are rare, and
    the people who took part are too many to keep.
    """

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self._dialogs: dict[Key, str] = {}
        self._posts: dict[Key, PostFact] = {}
        self._rounds: dict[Key, UUID] = {}
        self._projects: dict[Key, ProjectFact] = {}
        self._ids: dict[Any, Any] = {}
        self._decided: deque[_Decided] = deque()

    async def prepare(self, events: Sequence[RecordedEvent]) -> None:
        """Decide a batch of the rebuild (in log order, after the batch before it)."""
        notifier = self.notifier
        taken = [r for r in events if r.event_type in notifier.event_types]
        if not taken:
            return
        await notifier.codec.prepare([r for r in taken if r.event_type not in notifier._views])
        decoded: list[tuple[RecordedEvent, Any]] = []
        for start in range(0, len(taken), TURN):
            decoded += notifier.decoded(taken[start : start + TURN])
            await asyncio.sleep(0)  # let the batches being read and written go on
        batch = Batch(
            dialogs=self._dialogs, posts=self._posts, rounds=self._rounds, projects=self._projects
        )
        notes: list[tuple[RecordedEvent, Note]] = []
        published: list[_Results] = []
        answers: list[_Answered] = []
        merges: list[_Merged] = []
        reminders: list[_Reminded] = []
        decisions: list[_DecisionTold] = []
        updates: list[_ProjectUpdated] = []
        for done, (recorded, event) in enumerate(decoded, start=1):  # as ``Notifier.apply``
            if done % TURN == 0:
                await asyncio.sleep(0)
            if recorded.event_type in FACT_EVENTS:
                learn(batch, recorded, event)
            elif recorded.event_type == "DialogResultsPublished":
                key = (recorded.tenant_id, recorded.stream_id)
                title = batch.dialogs.get(key, "")
                published.append(_Results(recorded, event, title, _joined(batch, key)))
            elif recorded.event_type == "PostAnswered":
                key = (recorded.tenant_id, recorded.stream_id)
                post = batch.posts.get(key)
                dialog = "" if post is None else batch.dialogs.get((key[0], post.dialog_id), "")
                answers.append(_Answered(recorded, event, post, dialog, _backed(batch, key)))
            elif recorded.event_type == "PostMergedInto":
                key = (recorded.tenant_id, recorded.stream_id)
                into = (recorded.tenant_id, event.into_post_id)
                posts = {k: p for k in (key, into) if (p := batch.posts.get(k)) is not None}
                dialogs = {
                    d: batch.dialogs.get(d, "")
                    for p in posts.values()
                    for d in [(recorded.tenant_id, p.dialog_id)]
                }
                known_now = Batch(dialogs=dialogs, posts=posts)
                merges.append(_Merged(recorded, event, known_now, _backed(batch, key)))
            elif recorded.event_type == "ReportBackReminderDue":
                key = (recorded.tenant_id, recorded.stream_id)
                title = batch.dialogs.get(key, "")
                reminders.append(_Reminded(recorded, event, title, list(batch.staff)))
            elif recorded.event_type == "DecisionRecorded":
                known: set[UUID] = set()
                for post_id in event.post_ids:
                    key = (recorded.tenant_id, post_id)
                    known |= _backed(batch, key) | _author(batch, key)
                for dialog_id in event.dialog_ids:
                    known |= _joined(batch, (recorded.tenant_id, dialog_id))
                decisions.append(_DecisionTold(recorded, event, known))
            elif recorded.event_type == UPDATED:
                key = (recorded.tenant_id, recorded.stream_id)
                project = batch.projects.get(key)
                known_then = Batch(dialogs={}, posts={})
                if project is not None:
                    of_dialog = (key[0], project.dialog_id)
                    known_then.projects[key] = project
                    known_then.dialogs[of_dialog] = batch.dialogs.get(of_dialog, "")
                changes = [  # this project's, and erasures
                    c
                    for c in batch.follows
                    if c.tenant_id == key[0] and c.project_id in (key[1], None)
                ]
                updates.append(_ProjectUpdated(recorded, event, known_then, changes))
            elif (note := decide(batch, recorded, event)) is not None and note.recipients:
                notes.append((recorded, note))
        self._share_ids(batch)
        fresh_after = notifier.clock() - FRESH_FOR
        titled: list[tuple[RecordedEvent, Note]] = []
        plain: list[tuple[RecordedEvent, Note]] = []
        for told in notes:
            (titled if title_positions([told]) else plain).append(told)
        records = tables.Records()
        for start in range(0, len(plain), TURN):
            await asyncio.sleep(0)
            records.add(plain[start : start + TURN], fresh_after)
        self._decided.append(
            _Decided(
                first=taken[0].position,
                last=taken[-1].position,
                facts=tables.facts(batch),
                records=records,
                titled=titled,
                results=published,
                answers=answers,
                merges=merges,
                reminders=reminders,
                decisions=decisions,
                updates=updates,
                fresh_after=fresh_after,
            )
        )

    def _share_ids(self, batch: Batch) -> None:
        """Keep each tenant, dialog and author a post learnt in this batch names as one object,
        shared with the posts before, rather than one per event that named it."""
        ids, posts = self._ids, self._posts
        for key in batch.posts_changed:
            post = posts.pop(key)
            tenant_id, post_id = key
            posts[(ids.setdefault(tenant_id, tenant_id), post_id)] = PostFact(
                ids.setdefault(post.dialog_id, post.dialog_id),
                ids.setdefault(post.author_id, post.author_id),
                post.title_at,
            )

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decided = self._decided.popleft() if self._decided else None
        if decided is None or (decided.first, decided.last) != (
            events[0].position,
            events[-1].position,
        ):
            raise RuntimeError("the rebuild writes a batch it has not decided")
        notes = list(decided.titled)
        took_part: dict[Key, set[UUID]] = {}
        for published in decided.results:  # before this batch's facts are written
            recorded = published.recorded
            key = (recorded.tenant_id, recorded.stream_id)
            if key not in took_part:
                took_part[key] = await tables.participants(conn, key)
            note = results(
                Batch(dialogs={key: published.title}, posts={}),
                key,
                published.event,
                took_part[key] | published.joined,
            )
            if note.recipients:
                notes.append((recorded, note))
        backers: dict[Key, set[UUID]] = {}
        for answer in decided.answers:  # likewise, before this batch's facts are written
            recorded = answer.recorded
            key = (recorded.tenant_id, recorded.stream_id)
            if key not in backers:
                backers[key] = await tables.post_people(conn, key)
            post = answer.post
            known = (
                Batch(dialogs={}, posts={})
                if post is None
                else Batch(dialogs={(key[0], post.dialog_id): answer.dialog}, posts={key: post})
            )
            told = answered(known, key, answer.event, backers[key] | answer.backed)
            if told is not None and told.recipients:
                notes.append((recorded, told))
        for merge in decided.merges:  # likewise
            recorded = merge.recorded
            key = (recorded.tenant_id, recorded.stream_id)
            if key not in backers:
                backers[key] = await tables.post_people(conn, key)
            told = merged(merge.known, key, merge.event, backers[key] | merge.backed)
            if told is not None and told.recipients:
                notes.append((recorded, told))
        admins: dict[str, set[UUID]] = {}
        for reminder in decided.reminders:  # likewise
            recorded = reminder.recorded
            key = (recorded.tenant_id, recorded.stream_id)
            if key[0] not in admins:
                admins[key[0]] = await tables.administrators(conn, key[0])
            warned = report_back_due(
                Batch(dialogs={key: reminder.dialog}, posts={}),
                key,
                reminder.event,
                administrators(admins[key[0]], reminder.staff, key[0]),
            )
            if warned.recipients:
                notes.append((recorded, warned))
        for told_of in decided.decisions:  # likewise
            recorded = told_of.recorded
            people = set(told_of.known)
            for post_id in told_of.event.post_ids:
                key = (recorded.tenant_id, post_id)
                if key not in backers:
                    backers[key] = await tables.post_people(conn, key)
                people |= backers[key]
            for dialog_id in told_of.event.dialog_ids:
                key = (recorded.tenant_id, dialog_id)
                if key not in took_part:
                    took_part[key] = await tables.participants(conn, key)
                people |= took_part[key]
            key = (recorded.tenant_id, recorded.stream_id)
            note = decision_recorded(key, told_of.event, people)
            if note.recipients:
                notes.append((recorded, note))
        following: dict[Key, set[UUID]] = {}
        for update in decided.updates:  # likewise
            recorded = update.recorded
            key = (recorded.tenant_id, recorded.stream_id)
            if key not in following:
                following[key] = await project_tables.followers_of(conn, key)
            people = followers(following[key], update.changes, key)
            by = actor(recorded.metadata)
            told = project_updated(update.known, key, update.event, people, by)
            if told is not None and told.recipients:
                notes.append((recorded, told))
        notes = await self.notifier.titled(conn, notes, events)
        await tables.save_facts(conn, decided.facts)
        await tables.record(conn, decided.records)
        if notes:
            await tables.record(conn, tables.records(notes, decided.fresh_after))


def _known(catalogue: Catalogue, name: str) -> bool:
    try:
        catalogue.by_name(name)
    except UnknownEventType:
        return False
    return True
