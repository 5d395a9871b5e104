"""What the notifier knows of participatory budgets' projects, and who hears of a project's
implementation update: its followers at that moment (pure functions, no database).

A project's title is its proposer's personal data (sealed under their key), so, as for a post,
the notifier keeps where it is (the position of ``BudgetProjectProposed``), never the text; a
project imported from a Pabulib file (``BudgetProjectImported``) has no proposer, and its
title (the file's public name of it) is kept the same way. A project names its round, not its
dialog, so the notifier learns each round's dialog from ``BudgetRoundSetUp``. Who follows what
changes in log order (followed, unfollowed, followed again; every follow of an erased person
ends), and a note goes to those following when the update was recorded, not to whoever
recorded it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec

from events.repository import EventMetadata

Key = tuple[str, UUID]

FOLLOWED = frozenset({"BudgetProjectFollowed", "BudgetProjectFollowedAgain"})
UNFOLLOWED = "BudgetProjectUnfollowed"
PROJECT_EVENTS = frozenset({"BudgetProjectProposed", "BudgetProjectImported"})
PROJECT_FACT_EVENTS = FOLLOWED | PROJECT_EVENTS | {"BudgetRoundSetUp", UNFOLLOWED}
UPDATED = "BudgetProjectImplementationUpdated"


@dataclass(frozen=True, slots=True)
class ProjectFact:
    dialog_id: UUID  # the budget dialog (its page is where the link leads)
    proposer_id: UUID | None  # None: imported from a file
    title_at: int  # the position of the proposal (or import), whose title names the project


@dataclass(frozen=True, slots=True)
class FollowChange:
    """One change of who follows what, in log order."""

    tenant_id: str
    project_id: UUID | None  # None: every project (the person was erased)
    person_id: UUID
    following: bool


def follow_change(tenant_id: str, event_type: str, event: Any) -> FollowChange:
    """The change a follow event makes."""
    return FollowChange(tenant_id, event.project_id, event.person_id, event_type in FOLLOWED)


def followers(known: set[UUID], changes: list[FollowChange], key: Key) -> set[UUID]:
    """Who follows the project ``key``: those ``known`` to before a batch, with the batch's
    changes (of every tenant and project, in log order) so far."""
    now = set(known)
    tenant, project = key
    for c in changes:
        if c.tenant_id != tenant or c.project_id not in (project, None):
            continue
        (now.add if c.following else now.discard)(c.person_id)
    return now


def follow_rows(
    changes: list[FollowChange],
) -> tuple[list[tuple[str, UUID]], dict[tuple[str, UUID, UUID], bool]]:
    """What a batch's changes leave: the people whose every follow ended (erased), and then
    whether each (tenant, project, person) it touched follows (the last change wins)."""
    ended: list[tuple[str, UUID]] = []
    last: dict[tuple[str, UUID, UUID], bool] = {}
    for c in changes:
        if c.project_id is None:
            ended.append((c.tenant_id, c.person_id))
            for k in [k for k in last if (k[0], k[2]) == (c.tenant_id, c.person_id)]:
                last[k] = False
        else:
            last[(c.tenant_id, c.project_id, c.person_id)] = c.following
    return ended, last


_metadata = msgspec.json.Decoder(EventMetadata)


def actor(metadata: bytes) -> UUID | None:
    """Who recorded an event, from its metadata (None when it names nobody)."""
    try:
        found = _metadata.decode(metadata).actor
        return None if found is None else UUID(found)
    except (msgspec.DecodeError, ValueError):
        return None
