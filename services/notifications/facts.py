"""What the notifier knows and decides, as pure functions: the facts a batch teaches it
(dialog titles, post authors, who took part) and, for each notifying event, who hears of it
with which values.

A post's title is personal (sealed under its author's key), so the facts name where it is, the
position of the event that last set it, never the text: a note that shows it holds a
``TitleAt`` that the notifier opens when it records the note (``with_titles``). Nothing the
notifier keeps can then outlive its author's erasure, and learning a post opens nothing."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from events.model import RecordedEvent
from services.notifications.kinds import Channel, Kind
from services.notifications.projects import (
    FOLLOWED,
    PROJECT_FACT_EVENTS,
    UNFOLLOWED,
    UPDATED,
    FollowChange,
    ProjectFact,
    follow_change,
)


class DialogTitle(str):
    """A dialog's title as the notifier knows it: the main text, with its title in each other
    language the municipality wrote one in (``translations``: language -> title). A note
    records those beside it (``expanded``), and a message in a language shows that one."""

    translations: dict[str, str]

    def __new__(cls, title: str, translations: dict[str, str] | None = None) -> DialogTitle:
        made = super().__new__(cls, title)
        made.translations = dict(translations or {})
        return made


def translated_titles(translations: Any) -> dict[str, str]:
    """Language -> title of a dialog's translations (those that give a title)."""
    return {lang: t.title for lang, t in sorted(translations.items()) if t.title}


def expanded(details: dict[str, Any]) -> dict[str, Any]:
    """A note's values as recorded: a dialog's title also as ``dialog:<language>`` for each
    language it has one in (``compose`` chooses)."""
    out = dict(details)
    for name, value in details.items():
        if isinstance(value, DialogTitle):
            out[name] = str(value)
            out.update({f"{name}:{lang}": t for lang, t in value.translations.items()})
    return out


_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tinget.eu/ids/notifications/deliveries")
_NAMESPACE_SHA1 = hashlib.sha1(_NAMESPACE.bytes, usedforsecurity=False)

FACT_EVENTS = frozenset(
    {"DialogDrafted", "DialogDetailsChanged", "DialogTextsCorrected", "PostSubmitted", "PostEdited"}
    | {"SupportGiven", "PetitionSigned", "SupportCarriedOver"}
    | {"SurveyAnswered", "TookPartInPoll", "VotersTookPart"}  # took-part marks
    | {"PersonJoined", "RoleChanged", "PersonErased"}  # who administers each tenant
    | PROJECT_FACT_EVENTS  # budget projects: their dialogs, titles and followers
)
ADMINISTRATOR = "administrator"
NOTIFYING_EVENTS: dict[str, Kind] = {
    "ReportStatusChanged": Kind.REPORT_STATUS,
    "ThresholdReached": Kind.THRESHOLD_REACHED,
    "SignatureGoalReached": Kind.THRESHOLD_REACHED,
    "DialogResultsPublished": Kind.DIALOG_RESULTS,
    "PostAnswered": Kind.POST_ANSWERED,
    "ReportBackReminderDue": Kind.REPORT_BACK_DUE,
    "DecisionRecorded": Kind.DECISION_RECORDED,
    "PostHidden": Kind.MODERATION_DECISION,
    "PostRestored": Kind.MODERATION_DECISION,
    "AppealDecided": Kind.MODERATION_DECISION,
    "BadgeAwarded": Kind.BADGE_EARNED,
    "LevelReached": Kind.LEVEL_REACHED,
    "PanelRoundSent": Kind.PANEL_ROUND,
    "PanelRoundReminderDue": Kind.PANEL_ROUND_REMINDER,
    "PostMergedInto": Kind.POST_MERGED,
    UPDATED: Kind.PROJECT_UPDATED,
}
ON_POST = frozenset(
    {"ReportStatusChanged", "ThresholdReached", "SignatureGoalReached", "PostAnswered"}
)

Key = tuple[str, UUID]


def delivery_id(event_id: str, person_id: str, channel: Channel) -> str:
    """The one id a message about an event to a person by a channel can have: the name-based
    UUID (version 5) of ``event:person:channel`` in Tinget's namespace, as 32 hex digits.
    Worked out without ``uuid.uuid5``, whose UUID object a rebuild made a million times over."""
    digest = _NAMESPACE_SHA1.copy()
    digest.update(f"{event_id}:{person_id}:{channel.value}".encode())
    raw = bytearray(digest.digest()[:16])
    raw[6] = raw[6] & 0x0F | 0x50  # version 5
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    return raw.hex()


def excerpt(text: str, length: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


@dataclass(frozen=True, slots=True)
class PostFact:
    dialog_id: UUID
    author_id: UUID
    title_at: int  # the position of the event whose title (or body's excerpt) names the post


@dataclass(frozen=True, slots=True)
class TitleAt:
    """A post's title in a note's details, to be opened from the event at ``position``."""

    position: int


@dataclass(frozen=True)
class Note:
    """One notification: its kind, who gets it, and the values that fill its texts (a post's
    title as a ``TitleAt`` until it is opened)."""

    kind: Kind
    recipients: tuple[UUID, ...]
    details: dict[str, str | TitleAt]


def title_of(event: Any) -> str:
    """The title a post submitted or edited by ``event`` (opened) is named by; a budget
    project's proposal always has one."""
    return str(event.title or excerpt(getattr(event, "body", "")))


def title_positions(notes: list[tuple[RecordedEvent, Note]]) -> set[int]:
    return {v.position for _, n in notes for v in n.details.values() if isinstance(v, TitleAt)}


def with_titles(note: Note, titles: dict[int, str]) -> Note:
    """``note`` with each title opened (one no longer stored reads as empty)."""
    if not any(isinstance(v, TitleAt) for v in note.details.values()):
        return note
    details: dict[str, str | TitleAt] = {
        k: titles.get(v.position, "") if isinstance(v, TitleAt) else v
        for k, v in note.details.items()
    }
    return Note(note.kind, note.recipients, details)


@dataclass
class Batch:
    """The facts a batch needs, loaded once, and what it learns in log order."""

    dialogs: dict[Key, str]
    posts: dict[Key, PostFact]
    joined: list[tuple[str, UUID, UUID]] = field(default_factory=list)
    # (tenant, post, person) for each support, signature and comment, in log order
    backed: list[tuple[str, UUID, UUID]] = field(default_factory=list)
    # (tenant, person, administrator or not) for each joining, role change and erasure
    staff: list[tuple[str, UUID, bool]] = field(default_factory=list)
    # (tenant, person) for each erasure: the titles of their posts leave the notes already made
    erased: list[tuple[str, UUID]] = field(default_factory=list)
    dialogs_changed: set[Key] = field(default_factory=set)
    posts_changed: set[Key] = field(default_factory=set)
    rounds: dict[Key, UUID] = field(default_factory=dict)  # a budget round's dialog
    projects: dict[Key, ProjectFact] = field(default_factory=dict)
    # who follows which budget project, changed in log order (erasures end every follow)
    follows: list[FollowChange] = field(default_factory=list)
    rounds_changed: set[Key] = field(default_factory=set)
    projects_changed: set[Key] = field(default_factory=set)


def learn(batch: Batch, recorded: RecordedEvent, event: Any) -> None:
    t, stream = recorded.tenant_id, recorded.stream_id
    match recorded.event_type:
        case "DialogDrafted" | "DialogDetailsChanged":
            batch.dialogs[(t, stream)] = DialogTitle(
                event.details.title, translated_titles(event.details.translations)
            )
            batch.dialogs_changed.add((t, stream))
        case "DialogTextsCorrected":
            batch.dialogs[(t, stream)] = DialogTitle(
                event.title, translated_titles(event.translations)
            )
            batch.dialogs_changed.add((t, stream))
        case "PostSubmitted":
            post = PostFact(event.dialog_id, event.author_id, recorded.position)
            batch.posts[(t, stream)] = post
            batch.posts_changed.add((t, stream))
            batch.joined.append((t, event.dialog_id, event.author_id))
            if event.root_id is not None:  # a comment in the thread of its root post
                batch.backed.append((t, event.root_id, event.author_id))
        case "PostEdited":
            known = batch.posts.get((t, stream))
            if known is not None:
                post = PostFact(known.dialog_id, known.author_id, recorded.position)
                batch.posts[(t, stream)] = post
                batch.posts_changed.add((t, stream))
        case "SupportGiven" | "PetitionSigned":
            batch.joined.append((t, event.dialog_id, event.person_id))
            batch.backed.append((t, event.post_id, event.person_id))
        case "SupportCarriedOver":  # they back the post a duplicate was merged into now
            batch.backed.append((t, event.post_id, event.person_id))
        case "SurveyAnswered" | "TookPartInPoll":
            batch.joined.append((t, event.dialog_id, event.person_id))
        case "VotersTookPart":
            batch.joined.extend((t, event.dialog_id, p) for p in event.person_ids)
        case "PersonJoined" if event.role == ADMINISTRATOR:  # others: nothing to undo
            batch.staff.append((t, stream, True))
        case "RoleChanged":
            batch.staff.append((t, stream, event.role == ADMINISTRATOR))
        case "PersonErased":
            batch.staff.append((t, stream, False))
            batch.erased.append((t, stream))
            batch.follows.append(FollowChange(t, None, stream, False))
        case "BudgetRoundSetUp":
            batch.rounds[(t, stream)] = event.dialog_id
            batch.rounds_changed.add((t, stream))
        case "BudgetProjectProposed" | "BudgetProjectImported":
            dialog_id = batch.rounds.get((t, event.round_id))
            if dialog_id is not None:
                batch.projects[(t, stream)] = ProjectFact(
                    dialog_id, event.proposer_id, recorded.position
                )
                batch.projects_changed.add((t, stream))
        case name if name in FOLLOWED or name == UNFOLLOWED:
            batch.follows.append(follow_change(t, name, event))


def decide(batch: Batch, recorded: RecordedEvent, event: Any) -> Note | None:
    """Who hears of ``event`` and with which values, from what is known so far. The results
    of a dialog are decided by ``results`` (they need everyone who took part), a post's
    answer by ``answered`` (everyone who backed or commented on it)."""
    t, name = recorded.tenant_id, recorded.event_type
    kind = NOTIFYING_EVENTS[name]
    if name in ON_POST:
        post = batch.posts.get((t, recorded.stream_id))
        if post is None:
            return None
        details: dict[str, str | TitleAt] = {
            "dialog": batch.dialogs.get((t, post.dialog_id), ""),
            "title": TitleAt(post.title_at),
            "path": f"/posts/{recorded.stream_id}",
        }
        if name == "ReportStatusChanged":
            details.update(status=event.status, message=event.message or "")
        else:
            details["count"] = str(event.count)
        return Note(kind, (post.author_id,), details)
    if name in ("PostHidden", "PostRestored", "AppealDecided"):
        post = batch.posts.get((t, event.post_id))
        status = {"PostHidden": "hidden", "PostRestored": "restored"}.get(name) or (
            "appeal-upheld" if event.upheld else "appeal-rejected"
        )
        details = {
            "dialog": batch.dialogs.get((t, event.dialog_id), ""),
            "title": "" if post is None else TitleAt(post.title_at),
            "status": status,
            "message": event.reason or "",
            "path": f"/posts/{event.post_id}",
        }
        return Note(kind, (event.author_id,), details)
    if name == "BadgeAwarded":
        dialog = "" if event.dialog_id is None else batch.dialogs.get((t, event.dialog_id), "")
        details = {"badge": event.title, "level": str(event.level), "dialog": dialog, "path": "/"}
        return Note(kind, (event.person_id,), details)
    if name == "LevelReached":
        details = {"level": event.name, "message": event.welcome or "", "path": "/"}
        return Note(kind, (event.person_id,), details)
    if name in ("PanelRoundSent", "PanelRoundReminderDue"):
        # to the members the event lists: the sample (still active), or those not answered
        details = {
            "dialog": batch.dialogs.get((t, event.dialog_id), ""),
            "panel": event.panel,
            "path": f"/dialogs/{event.dialog_id}",
        }
        return Note(kind, tuple(event.recipients), details)
    return None


def results(batch: Batch, key: Key, event: Any, people: set[UUID]) -> Note:
    """A dialog's results (or feedback, published again) to everyone who took part: the
    summary also as ``message:<language>`` for each language it was published in besides the
    main one (a budget's count writes them; ``compose`` chooses)."""
    details: dict[str, str | TitleAt] = {
        "dialog": batch.dialogs.get(key, ""),
        "message": event.summary,
        "path": f"/dialogs/{key[1]}",
    }
    details.update({f"message:{lang}": text for lang, text in event.translations.items()})
    return Note(Kind.DIALOG_RESULTS, tuple(sorted(people)), details)


def answered(batch: Batch, key: Key, event: Any, people: set[UUID]) -> Note | None:
    """A post's official answer to its author and everyone who supported, signed or commented
    on it (``people``), not to whoever gave the answer."""
    post = batch.posts.get(key)
    if post is None:
        return None
    details: dict[str, str | TitleAt] = {
        "dialog": batch.dialogs.get((key[0], post.dialog_id), ""),
        "title": TitleAt(post.title_at),
        "status": event.state,
        "message": event.text,
        "path": f"/posts/{key[1]}",
    }
    recipients = (people | {post.author_id}) - {event.answered_by}
    return Note(Kind.POST_ANSWERED, tuple(sorted(recipients)), details)


def merged(batch: Batch, key: Key, event: Any, people: set[UUID]) -> Note | None:
    """A near-duplicate (``key``) merged into another post: to the authors of both and to
    everyone who supported or commented on the duplicate (``people``), not to whoever merged
    it. The link leads to the post it went into."""
    post = batch.posts.get(key)
    if post is None:
        return None
    into = batch.posts.get((key[0], event.into_post_id))
    details: dict[str, str | TitleAt] = {
        "dialog": batch.dialogs.get((key[0], post.dialog_id), ""),
        "title": TitleAt(post.title_at),
        "post": str(key[1]),  # whose title "title" is (the path leads to the other)
        "into": "" if into is None else TitleAt(into.title_at),
        "path": f"/posts/{event.into_post_id}",
    }
    authors = {post.author_id} | (set() if into is None else {into.author_id})
    recipients = (people | authors) - {event.merged_by}
    return Note(Kind.POST_MERGED, tuple(sorted(recipients)), details)


def project_updated(
    batch: Batch, key: Key, event: Any, people: set[UUID], by: UUID | None
) -> Note | None:
    """A funded budget project's implementation update (its status, note and photo) to those
    who follow it (``people``), not to whoever recorded it (``by``). The link leads to the
    budget dialog's page; the project's title is its proposal's, opened when recorded; the
    photo is the path of its image (made a whole link when the message is written)."""
    project = batch.projects.get(key)
    if project is None:
        return None
    details: dict[str, str | TitleAt] = {
        "dialog": batch.dialogs.get((key[0], project.dialog_id), ""),
        "title": TitleAt(project.title_at),
        "project": str(key[1]),  # whose title "title" is (forgotten when its proposer is erased)
        "status": str(event.status),
        "message": event.note or "",
        "photo": f"/api/v1/images/{event.image}" if event.image else "",
        "path": f"/dialogs/{project.dialog_id}",
    }
    recipients = people - {by} if by is not None else people
    return Note(Kind.PROJECT_UPDATED, tuple(sorted(recipients)), details)


def administrators(
    known: set[UUID], changes: list[tuple[str, UUID, bool]], tenant: str
) -> set[UUID]:
    """The tenant's administrators: those ``known`` before a batch, with the batch's changes
    (of every tenant, in log order) so far."""
    now = set(known)
    for t, person, admin in changes:
        if t == tenant:
            (now.add if admin else now.discard)(person)
    return now


def report_back_due(batch: Batch, key: Key, event: Any, admins: set[UUID]) -> Note:
    """A dialog's report-back date is near (or past) and its results are not published: its
    tenant's administrators are warned."""
    details: dict[str, str | TitleAt] = {
        "dialog": batch.dialogs.get(key, ""),
        "date": event.report_back_by.date().isoformat(),
        "path": f"/dialogs/{key[1]}",
    }
    return Note(Kind.REPORT_BACK_DUE, tuple(sorted(admins)), details)


def decision_recorded(key: Key, event: Any, people: set[UUID]) -> Note:
    """A committee's decision to the authors, supporters, signers and commenters of the posts it
    answers (``people``), not to whoever recorded it."""
    details: dict[str, str | TitleAt] = {
        "committee": event.committee,
        "date": event.decided_on.isoformat(),
        "reference": event.reference or "",
        "message": event.text,
        "path": f"/decisions/{key[1]}",
    }
    return Note(Kind.DECISION_RECORDED, tuple(sorted(people - {event.recorded_by})), details)
