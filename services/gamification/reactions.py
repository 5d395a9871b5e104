"""How each event changes the scores: participation and moderation events folded into a
``Scoreboard`` by the rules in force (pure: no database).

A post's row remembers where its submission stands in its author's totals, so a withdrawal or
a moderator's hiding takes back exactly what the submission earned, and a restoring gives it
back; a threshold event names only its post, so the row also says whose post it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from events.model import RecordedEvent
from events.tables import Key
from services.gamification.rules import Rules, Tally
from services.gamification.scoring import DialogKey, PersonKey, Row, Scoreboard
from services.participation.domain import COMMENT

# Where a post's submission stands in its author's totals.
_COUNTED = "counted"
_UNCOUNTED = "uncounted"  # submitted while gamification was off: never in the totals
_HIDDEN = "hidden"  # counted, then hidden by a moderator: restoring it counts it again
_WITHDRAWN = "withdrawn"

# Events about an earlier post, which name it by their stream (participation) or in their
# payload (moderation, whose cases have streams of their own).
_MODERATION_EVENTS = frozenset({"PostHidden", "PostRestored", "AppealDecided"})
ABOUT_A_POST = _MODERATION_EVENTS | {"PostWithdrawn", "ThresholdReached", "SignatureGoalReached"}


def score(
    board: Scoreboard, posts: dict[Key, Row], rules: Rules, recorded: RecordedEvent, event: Any
) -> None:
    """Fold one participation event into the board by the tenant's rules."""
    tenant_id = recorded.tenant_id
    post = posts.get(post_key(recorded, event))
    match recorded.event_type:
        case "PostSubmitted":
            if post is not None:
                return  # seen before
            tally = Tally.COMMENTS if event.kind == COMMENT else Tally.POSTS
            post = posts[(tenant_id, recorded.stream_id)] = {
                "tenant_id": tenant_id,
                "post_id": recorded.stream_id,
                "author_id": event.author_id,
                "dialog_id": event.dialog_id,
                "tally": tally.value,
                "points": rules.points.for_post(event.kind),
                "status": _UNCOUNTED,
            }
            if rules.enabled:
                count_post(board, rules, post)
        case "PostWithdrawn" | "PostHidden":
            if post is None or post["status"] == _WITHDRAWN:
                return
            if post["status"] == _COUNTED:
                board.take_back(
                    rules,
                    tenant_id,
                    post["author_id"],
                    post["dialog_id"],
                    Tally(post["tally"]),
                    post["points"],
                )
                post["status"] = _HIDDEN
            if recorded.event_type == "PostWithdrawn":
                post["status"] = _WITHDRAWN
        case "PostRestored" | "AppealDecided":  # an appeal not upheld restores the post
            restored = recorded.event_type == "PostRestored" or not event.upheld
            if restored and post is not None and post["status"] == _HIDDEN:
                post["status"] = _UNCOUNTED
                if rules.enabled:
                    count_post(board, rules, post)
        case "SupportGiven" | "PetitionSigned":
            if rules.enabled:
                signed = recorded.event_type == "PetitionSigned"
                points = rules.points.signature if signed else rules.points.support
                board.credit(
                    rules, tenant_id, event.person_id, event.dialog_id, Tally.ENDORSEMENTS, points
                )
        case "ThresholdReached" | "SignatureGoalReached":
            if post is not None and rules.enabled:
                board.credit(
                    rules,
                    tenant_id,
                    post["author_id"],
                    post["dialog_id"],
                    Tally.THRESHOLDS,
                    rules.points.threshold_reached,
                )


def count_post(board: Scoreboard, rules: Rules, post: Row) -> None:
    """Credit a post's author with its submission (the points it was submitted for)."""
    board.credit(
        rules,
        post["tenant_id"],
        post["author_id"],
        post["dialog_id"],
        Tally(post["tally"]),
        post["points"],
    )
    post["status"] = _COUNTED


def post_key(recorded: RecordedEvent, event: Any) -> Key:
    """The post an event is about (a new post: itself)."""
    if recorded.event_type in _MODERATION_EVENTS:
        return (recorded.tenant_id, event.post_id)
    return (recorded.tenant_id, recorded.stream_id)


def who(
    decoded: Iterable[tuple[RecordedEvent, Any]], posts: dict[Key, Row]
) -> tuple[set[PersonKey], set[DialogKey]]:
    """The people, and people in dialogs, whose rows the batch may change."""
    authors = {k: (p["author_id"], p["dialog_id"]) for k, p in posts.items()}
    people: set[PersonKey] = set()
    dialogs: set[DialogKey] = set()
    for recorded, event in decoded:
        t = recorded.tenant_id
        match recorded.event_type:
            case "PostSubmitted":
                authors[(t, recorded.stream_id)] = (event.author_id, event.dialog_id)
                found: tuple[UUID, UUID] | None = (event.author_id, event.dialog_id)
            case "SupportGiven" | "PetitionSigned":
                found = (event.person_id, event.dialog_id)
            case "GamificationRulesChanged":
                found = None
            case _:
                found = authors.get(post_key(recorded, event))
        if found is not None:
            people.add((t, found[0]))
            dialogs.add((t, found[1], found[0]))
    return people, dialogs
