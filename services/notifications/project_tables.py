"""The notifier's tables of participatory budgets: each round's dialog, each project's dialog,
proposer and where its title is, and who follows which project (rebuilt with the notifier)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from events.model import RecordedEvent
from services.notifications.facts import Batch
from services.notifications.projects import PROJECT_EVENTS, UPDATED, ProjectFact, follow_rows

Key = tuple[str, UUID]


@dataclass(frozen=True)
class ProjectFacts:
    """The rows a batch writes: rounds and projects it learnt, the people whose every follow
    ended (erased), then whether each (tenant, project, person) it touched follows."""

    rounds: list[tuple[str, UUID, UUID]] = field(default_factory=list)
    projects: list[tuple[str, UUID, UUID, UUID | None, int]] = field(default_factory=list)
    unfollowed_all: list[tuple[str, UUID]] = field(default_factory=list)
    follows: dict[tuple[str, UUID, UUID], bool] = field(default_factory=dict)


def facts(batch: Batch) -> ProjectFacts:
    unfollowed_all, follows = follow_rows(batch.follows)
    return ProjectFacts(
        rounds=[(*k, batch.rounds[k]) for k in sorted(batch.rounds_changed)],
        projects=[
            (*k, p.dialog_id, p.proposer_id, p.title_at)
            for k in sorted(batch.projects_changed)
            for p in [batch.projects[k]]
        ],
        unfollowed_all=unfollowed_all,
        follows=follows,
    )


async def load(
    conn: asyncpg.Connection, decoded: list[tuple[RecordedEvent, Any]]
) -> tuple[dict[Key, UUID], dict[Key, ProjectFact]]:
    """The rounds of the projects a batch proposes (their dialogs) and the projects whose
    implementation it updates (read only when it has any)."""
    round_keys = {(r.tenant_id, e.round_id) for r, e in decoded if r.event_type in PROJECT_EVENTS}
    project_keys = {(r.tenant_id, r.stream_id) for r, _ in decoded if r.event_type == UPDATED}
    rounds: dict[Key, UUID] = {}
    projects: dict[Key, ProjectFact] = {}
    if round_keys:
        rows = await conn.fetch(
            "SELECT n.* FROM notification_budget_rounds n"
            " JOIN unnest($1::text[], $2::uuid[]) AS k(t, id)"
            " ON n.tenant_id = k.t AND n.round_id = k.id",
            [k[0] for k in round_keys],
            [k[1] for k in round_keys],
        )
        rounds = {(r["tenant_id"], r["round_id"]): r["dialog_id"] for r in rows}
    if project_keys:
        rows = await conn.fetch(
            "SELECT n.* FROM notification_projects n"
            " JOIN unnest($1::text[], $2::uuid[]) AS k(t, id)"
            " ON n.tenant_id = k.t AND n.project_id = k.id",
            [k[0] for k in project_keys],
            [k[1] for k in project_keys],
        )
        projects = {
            (r["tenant_id"], r["project_id"]): ProjectFact(
                r["dialog_id"], r["proposer_id"], r["title_at"]
            )
            for r in rows
        }
    return rounds, projects


async def followers_of(conn: asyncpg.Connection, key: Key) -> set[UUID]:
    """Who follows the budget project ``key`` (as recorded so far)."""
    rows = await conn.fetch(
        "SELECT person_id FROM notification_project_followers"
        " WHERE tenant_id = $1 AND project_id = $2",
        *key,
    )
    return {r["person_id"] for r in rows}


_FOLLOW = (
    "INSERT INTO notification_project_followers (tenant_id, project_id, person_id)"
    " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING"
)
_UNFOLLOW = (
    "DELETE FROM notification_project_followers f"
    " USING unnest($1::text[], $2::uuid[], $3::uuid[]) AS k(t, project, person)"
    " WHERE f.tenant_id = k.t AND f.project_id = k.project AND f.person_id = k.person"
)


async def save(conn: asyncpg.Connection, facts: ProjectFacts) -> None:
    """Rounds and projects learnt, and who follows what after the batch: the follows of the
    erased ended first, then each (project, person) the batch touched as it left it."""
    if facts.rounds:
        await conn.execute(
            "INSERT INTO notification_budget_rounds (tenant_id, round_id, dialog_id)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[]) ON CONFLICT DO NOTHING",
            *_columns(facts.rounds, 3),
        )
    if facts.projects:
        await conn.execute(
            "INSERT INTO notification_projects"
            " (tenant_id, project_id, dialog_id, proposer_id, title_at)"
            " SELECT * FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::uuid[], $5::bigint[])"
            " ON CONFLICT DO NOTHING",
            *_columns(facts.projects, 5),
        )
    if facts.unfollowed_all:
        await conn.execute(
            "DELETE FROM notification_project_followers f"
            " USING unnest($1::text[], $2::uuid[]) AS k(tenant_id, person_id)"
            " WHERE f.tenant_id = k.tenant_id AND f.person_id = k.person_id",
            *_columns(facts.unfollowed_all, 2),
        )
    keys = sorted(facts.follows)
    for following, statement in ((True, _FOLLOW), (False, _UNFOLLOW)):
        chosen = [k for k in keys if facts.follows[k] is following]
        if chosen:
            await conn.execute(statement, *_columns(chosen, 3))


# The notes already made that show the title of an erased proposer's project ("project").
_FORGET_TITLES = """
WITH gone AS (
    SELECT p.tenant_id, p.project_id::text AS project
    FROM notification_projects p
    JOIN unnest($1::text[], $2::uuid[]) AS e(tenant_id, person_id)
      ON p.tenant_id = e.tenant_id AND p.proposer_id = e.person_id
)
UPDATE {table} n SET details = n.details || jsonb_build_object('title', $3::text)
FROM gone g
WHERE n.tenant_id = g.tenant_id AND n.details ? 'title' AND n.details->>'project' = g.project
"""


async def forget_titles(
    conn: asyncpg.Connection, tenants: list[str], people: list[UUID], text: str
) -> None:
    """Erased proposers' project titles out of the in-app notes and the deliveries made
    before the erasure (sent ones included), each replaced by ``text``."""
    for table in ("notifications", "notification_deliveries"):
        await conn.execute(_FORGET_TITLES.format(table=table), tenants, people, text)


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(width)]
