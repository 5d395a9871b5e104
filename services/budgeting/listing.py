"""Budget rounds' read model and the queries beside it: each round's districts, rules, phases
and recorded results; its projects with their review (status, costs, the public reason) and
implementation; its ballots by their keyed stream id, for a count of ballots per district and
the count of the results. A ballot row names no voter: its id is the keyed hash its stream has
(an imported file's ballot: an id made of its batch's stream and its place in the batch, as
``BudgetBallotsImported`` has them, so a rebuild files the same rows; an imported project: no
proposer). Who follows which project is kept for a count per project (and whether the reader
follows it), never listed.

A proposer's title, description and place are their personal data: ``PersonErased`` erases
them here as their events now decode (a rebuild gives the same rows), and ends the erased
person's follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.personal import ERASED, ERASURE_EVENT
from services.budgeting.ballots import Ballot, BallotRule
from services.budgeting.domain import District, Phase, PhaseTime, Place, Rules
from services.budgeting.imports import ballots_of, imported_ballot_id
from services.budgeting.results import DistrictResult

ROUND_EVENTS = frozenset(
    {
        "BudgetRoundSetUp",
        "BudgetRulesChanged",
        "BudgetDistrictsChanged",
        "BudgetPhasesScheduled",
        "BudgetResultsRecorded",
        "BudgetFileImported",
    }
)
PROJECT_EVENTS = frozenset(
    {
        "BudgetProjectProposed",
        "BudgetProjectImported",
        "BudgetProjectReviewed",
        "BudgetProjectImplementationUpdated",
    }
)
BALLOT_EVENTS = frozenset({"BudgetBallotCast", "BudgetBallotChanged"})
IMPORTED_BALLOTS = "BudgetBallotsImported"
FOLLOW_EVENTS = frozenset(
    {"BudgetProjectFollowed", "BudgetProjectFollowedAgain", "BudgetProjectUnfollowed"}
)

_encode = msgspec.json.encode


class BudgetListing:
    name = "budget_listing"
    event_types = (
        ROUND_EVENTS
        | PROJECT_EVENTS
        | BALLOT_EVENTS
        | FOLLOW_EVENTS
        | {IMPORTED_BALLOTS, ERASURE_EVENT}
    )
    tables: tuple[str, ...] = (
        "budget_rounds",
        "budget_projects",
        "budget_ballots",
        "budget_project_followers",
    )

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        ballots: dict[tuple[str, UUID], tuple[Any, ...]] = {}
        for r in events:
            t, stream = r.tenant_id, r.stream_id
            if r.event_type == ERASURE_EVENT:
                await conn.execute(
                    "UPDATE budget_projects SET title = $3, description = $3, latitude = NULL,"
                    " longitude = NULL, address = NULL WHERE tenant_id = $1 AND proposer_id = $2",
                    t,
                    stream,
                    ERASED,
                )
                await conn.execute(
                    "DELETE FROM budget_project_followers WHERE tenant_id = $1 AND person_id = $2",
                    t,
                    stream,
                )
                continue
            e = self.codec.decode(r.event_type, r.data, stream, r.version)
            if r.event_type in FOLLOW_EVENTS:  # few: in log order, one statement each
                await self._follow(conn, t, e.project_id, e.person_id, r.event_type)
                continue
            if r.event_type == IMPORTED_BALLOTS:  # a batch of a file's: filed as ballots
                imported = ballots_of(e.district, e.projects, e.votes, e.points)
                for place, one in enumerate(imported):
                    key = (t, imported_ballot_id(stream, place))
                    given = None if one.points is None else list(one.points)
                    ballots[key] = (*key, e.round_id, one.district, list(one.projects), given)
                continue
            if r.event_type in BALLOT_EVENTS:  # many: written together, the latest of each
                b: Ballot = e.ballot
                round_id = e.round_id if r.event_type == "BudgetBallotCast" else None
                earlier = ballots.get((t, stream))
                if round_id is None and earlier is not None:
                    round_id = earlier[2]
                points = None if b.points is None else list(b.points)
                ballots[(t, stream)] = (t, stream, round_id, b.district, list(b.projects), points)
            elif r.event_type in ROUND_EVENTS:
                await self._round(conn, r, e)
            else:
                await self._project(conn, r, e)
        new = [row for row in ballots.values() if row[2] is not None]
        changed = [row for row in ballots.values() if row[2] is None]
        if new:
            await conn.executemany(
                "INSERT INTO budget_ballots (tenant_id, ballot_id, round_id, district, projects,"
                " points) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, ballot_id)"
                " DO UPDATE SET district = excluded.district, projects = excluded.projects,"
                " points = excluded.points",
                new,
            )
        if changed:  # cast in an earlier batch: the row is there
            await conn.executemany(
                "UPDATE budget_ballots SET district = $4, projects = $5, points = $6"
                " WHERE tenant_id = $1 AND ballot_id = $2 AND $3::uuid IS NULL",
                changed,
            )

    async def _follow(
        self, conn: asyncpg.Connection, t: str, project_id: UUID, person_id: UUID, name: str
    ) -> None:
        if name == "BudgetProjectUnfollowed":
            await conn.execute(
                "DELETE FROM budget_project_followers"
                " WHERE tenant_id = $1 AND project_id = $2 AND person_id = $3",
                t,
                project_id,
                person_id,
            )
        else:
            await conn.execute(
                "INSERT INTO budget_project_followers (tenant_id, project_id, person_id)"
                " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                t,
                project_id,
                person_id,
            )

    async def _round(self, conn: asyncpg.Connection, r: RecordedEvent, e: Any) -> None:
        t, stream = r.tenant_id, r.stream_id
        if r.event_type == "BudgetFileImported":
            await conn.execute(
                "UPDATE budget_rounds SET districts = $3::jsonb, rules = $4::jsonb"
                " WHERE tenant_id = $1 AND round_id = $2",
                t,
                stream,
                _encode(e.districts).decode(),
                _encode(e.rules).decode(),
            )
            return
        if r.event_type == "BudgetRoundSetUp":
            await conn.execute(
                "INSERT INTO budget_rounds (tenant_id, round_id, dialog_id, districts, rules,"
                " phases) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb)"
                " ON CONFLICT DO NOTHING",
                t,
                stream,
                e.dialog_id,
                _encode(e.districts).decode(),
                _encode(e.rules).decode(),
                _encode(e.phases).decode(),
            )
            return
        value: Any
        if r.event_type == "BudgetRulesChanged":
            column, value = "rules", e.rules
        elif r.event_type == "BudgetDistrictsChanged":
            column, value = "districts", e.districts
        elif r.event_type == "BudgetPhasesScheduled":
            column, value = "phases", e.phases
        else:
            column, value = "results", e.results
        extra = ", counted_at = $4" if column == "results" else ""
        args: list[Any] = [t, stream, _encode(value).decode()]
        if extra:
            args.append(e.timestamp)
        await conn.execute(
            f"UPDATE budget_rounds SET {column} = $3::jsonb{extra}"
            " WHERE tenant_id = $1 AND round_id = $2",
            *args,
        )

    async def _project(self, conn: asyncpg.Connection, r: RecordedEvent, e: Any) -> None:
        t, stream = r.tenant_id, r.stream_id
        if r.event_type == "BudgetProjectImported":  # on the ballot as the file has it
            await conn.execute(
                "INSERT INTO budget_projects (tenant_id, project_id, round_id, district,"
                " proposer_id, title, description, estimated_cost, feasible, final_cost,"
                " proposed_at, updated_at)"
                " VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, true, $8, $9, $9)"
                " ON CONFLICT DO NOTHING",
                t,
                stream,
                e.round_id,
                e.district,
                e.title,
                e.description,
                e.estimated_cost,
                e.final_cost,
                e.timestamp,
            )
        elif r.event_type == "BudgetProjectProposed":
            place: Place | None = e.place
            await conn.execute(
                "INSERT INTO budget_projects (tenant_id, project_id, round_id, district,"
                " proposer_id, title, description, estimated_cost, latitude, longitude,"
                " address, image, proposed_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)"
                " ON CONFLICT DO NOTHING",
                t,
                stream,
                e.round_id,
                e.district,
                e.proposer_id,
                e.title,
                e.description,
                e.estimated_cost,
                None if place is None else place.latitude,
                None if place is None else place.longitude,
                None if place is None else place.address,
                e.image,
                e.timestamp,
            )
        elif r.event_type == "BudgetProjectReviewed":
            await conn.execute(
                "UPDATE budget_projects SET feasible = $3, reason = $4, final_cost = $5,"
                " updated_at = $6 WHERE tenant_id = $1 AND project_id = $2",
                t,
                stream,
                e.feasible,
                e.reason,
                e.final_cost,
                e.timestamp,
            )
        else:
            await conn.execute(
                "UPDATE budget_projects SET implementation = $3, implementation_note = $4,"
                " implementation_image = $5, updated_at = $6"
                " WHERE tenant_id = $1 AND project_id = $2",
                t,
                stream,
                str(e.status),
                e.note,
                e.image,
                e.timestamp,
            )


class ProjectRow(msgspec.Struct, kw_only=True):
    id: UUID
    district: str
    title: str
    description: str
    estimated_cost: int
    place: Place | None
    image: str | None
    status: str  # proposed, feasible, not-feasible
    reason: str | None  # the review's public reason
    final_cost: int | None
    implementation: str | None
    implementation_note: str | None
    implementation_image: str | None
    proposed_at: datetime
    updated_at: datetime
    followers: int  # how many follow it: never who
    following: bool  # whether the reader follows it


class RoundRow(msgspec.Struct, kw_only=True):
    round_id: UUID
    dialog_id: UUID
    districts: list[District]
    rules: Rules
    phases: list[PhaseTime]
    results: list[DistrictResult] | None
    counted_at: datetime | None

    def phase_at(self, now: datetime) -> Phase | None:
        for p in self.phases:
            if p.opens_at <= now and (p.closes_at is None or now < p.closes_at):
                return p.phase
        return None


def _project_row(r: asyncpg.Record) -> ProjectRow:
    feasible = r["feasible"]
    status = "proposed" if feasible is None else "feasible" if feasible else "not-feasible"
    place = (
        None
        if r["latitude"] is None
        else Place(latitude=r["latitude"], longitude=r["longitude"], address=r["address"])
    )
    return ProjectRow(
        id=r["project_id"],
        district=r["district"],
        title=r["title"],
        description=r["description"],
        estimated_cost=r["estimated_cost"],
        place=place,
        image=r["image"],
        status=status,
        reason=r["reason"],
        final_cost=r["final_cost"],
        implementation=r["implementation"],
        implementation_note=r["implementation_note"],
        implementation_image=r["implementation_image"],
        proposed_at=r["proposed_at"],
        updated_at=r["updated_at"],
        followers=r["followers"],
        following=r["following"],
    )


class BudgetQueries:
    """What the gateway and the round's service read of the read model (one tenant's rows)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def round(self, tenant_id: str, round_id: UUID) -> RoundRow | None:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            r = await conn.fetchrow(
                "SELECT round_id, dialog_id, districts::text, rules::text, phases::text,"
                " results::text, counted_at FROM budget_rounds"
                " WHERE tenant_id = $1 AND round_id = $2",
                tenant_id,
                round_id,
            )
        if r is None:
            return None
        return RoundRow(
            round_id=r["round_id"],
            dialog_id=r["dialog_id"],
            districts=msgspec.json.decode(r["districts"], type=list[District]),
            rules=msgspec.json.decode(r["rules"], type=Rules),
            phases=msgspec.json.decode(r["phases"], type=list[PhaseTime]),
            results=None
            if r["results"] is None
            else msgspec.json.decode(r["results"], type=list[DistrictResult]),
            counted_at=r["counted_at"],
        )

    async def projects(
        self,
        tenant_id: str,
        round_id: UUID,
        district: str | None = None,
        reader: UUID | None = None,
    ) -> list[ProjectRow]:
        """The round's projects (of one district, when given), as proposed, oldest first,
        each with how many follow it and whether ``reader`` (a person) does."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT p.*,"
                " (SELECT count(*) FROM budget_project_followers f WHERE f.tenant_id = $1"
                "  AND f.project_id = p.project_id)::int AS followers,"
                " EXISTS (SELECT FROM budget_project_followers f WHERE f.tenant_id = $1"
                "  AND f.project_id = p.project_id AND f.person_id = $4) AS following"
                " FROM budget_projects p WHERE p.tenant_id = $1 AND p.round_id = $2"
                " AND ($3::text IS NULL OR p.district = $3)"
                " ORDER BY p.district, p.proposed_at, p.project_id",
                tenant_id,
                round_id,
                district,
                reader,
            )
        return [_project_row(r) for r in rows]

    async def project_ids(self, tenant_id: str, round_id: UUID) -> list[UUID]:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT project_id FROM budget_projects WHERE tenant_id = $1 AND round_id = $2"
                " ORDER BY proposed_at, project_id",
                tenant_id,
                round_id,
            )
        return [r["project_id"] for r in rows]

    async def ballot_counts(self, tenant_id: str, round_id: UUID) -> dict[str, int]:
        """How many ballots each district has: never who voted, nor what."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT district, count(*) AS n FROM budget_ballots"
                " WHERE tenant_id = $1 AND round_id = $2 GROUP BY district",
                tenant_id,
                round_id,
            )
        return {r["district"]: int(r["n"]) for r in rows}

    async def ballots(self, tenant_id: str, round_id: UUID) -> list[Ballot]:
        """Every ballot of the round as it stands (the latest of each voter's), in the order
        of their keyed ids (which says nothing of who or when)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT district, projects, points FROM budget_ballots"
                " WHERE tenant_id = $1 AND round_id = $2 ORDER BY ballot_id",
                tenant_id,
                round_id,
            )
        return [
            Ballot(
                district=r["district"],
                projects=tuple(r["projects"]),
                points=None if r["points"] is None else tuple(r["points"]),
            )
            for r in rows
        ]

    async def head(self, tenant_id: str) -> int:
        """The furthest log position of the tenant's events so far."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            value = await conn.fetchval("SELECT coalesce(max(position), 0) FROM events")
        return int(value)


__all__ = ["BallotRule", "BudgetListing", "BudgetQueries", "ProjectRow", "RoundRow"]
