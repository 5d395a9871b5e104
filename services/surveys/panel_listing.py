"""Citizen panels' read model: every panel and every membership with its status, and the
queries beside it (panels listed, members per status, counts per stratum, the population a
sample is drawn from).

The background answers are not events: they are read from ``panel_background`` (written by the
request side, emptied by erasure) at query time, joined to the memberships here. An erased
person is in no population or count (their ``people`` row says so) and has no answers left.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events import tables
from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent
from events.tables import Key, Row

_encoder = msgspec.json.Encoder()

PANEL_EVENTS = frozenset({"PanelCreated", "PanelChanged"})
_MEMBER_STATUS = {
    "PanelMembershipOpened": "none",
    "PanelMemberInvited": "invited",
    "PanelMemberJoined": "active",
    "PanelMemberPaused": "paused",
    "PanelMemberResumed": "active",
    "PanelMemberLeft": "left",
}
STATUSES = ("invited", "active", "paused", "left")


def _details(details: Any) -> Row:
    return {
        "name": details.name,
        "description": details.description,
        "consent": details.consent,
        "questions": _encoder.encode(details.questions).decode(),
        "open_sign_up": details.open_sign_up,
    }


def evolve_panel(row: Row | None, key: Key, event_type: str, event: Any) -> Row | None:
    """The panel's row after one event (a pure function of row and event)."""
    if event_type == "PanelCreated":
        return {
            "tenant_id": key[0],
            "panel_id": key[1],
            **_details(event.details),
            "consent_revision": 1,
            "created_at": event.timestamp,
            "updated_at": event.timestamp,
        }
    if row is None:
        return None
    changed = {**row, **_details(event.details), "updated_at": event.timestamp}
    if changed["consent"] != row["consent"]:
        changed["consent_revision"] = row["consent_revision"] + 1
    return changed


def evolve_member(row: Row | None, key: Key, event_type: str, event: Any) -> Row | None:
    """The membership's row after one event."""
    if event_type == "PanelMembershipOpened":
        return {
            "tenant_id": key[0],
            "membership_id": key[1],
            "panel_id": event.panel_id,
            "person_id": event.person_id,
            "status": "none",
            "via": None,
            "consent_revision": None,
            "invited_at": None,
            "joined_at": None,
            "changed_at": event.timestamp,
        }
    if row is None:
        return None
    row = {**row, "status": _MEMBER_STATUS[event_type], "changed_at": event.timestamp}
    if event_type == "PanelMemberInvited":
        row["invited_at"] = event.timestamp
    elif event_type == "PanelMemberJoined":
        row.update(via=event.via, consent_revision=event.consent_revision)
        row["joined_at"] = event.timestamp
    return row


class PanelListing:
    name = "panel_listing"
    event_types = PANEL_EVENTS | frozenset(_MEMBER_STATUS)
    tables: tuple[str, ...] = ("panels", "panel_members")

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        decoded = [
            (r, self.codec.decode(r.event_type, r.data, r.stream_id, r.version)) for r in events
        ]
        for table, id_column, kinds, evolve in (
            ("panels", "panel_id", PANEL_EVENTS, evolve_panel),
            ("panel_members", "membership_id", frozenset(_MEMBER_STATUS), evolve_member),
        ):
            keyed = [
                ((r.tenant_id, r.stream_id), r, e) for r, e in decoded if r.event_type in kinds
            ]
            if not keyed:
                continue
            rows: dict[Key, Row | None] = dict(
                await tables.load(conn, table, id_column, (k for k, _, _ in keyed))
            )
            touched: set[Key] = set()
            for key, recorded, event in keyed:
                rows[key] = evolve(rows.get(key), key, recorded.event_type, event)
                touched.add(key)
            changed = [row for k in sorted(touched) if (row := rows.get(k)) is not None]
            await tables.upsert(conn, table, ("tenant_id", id_column), changed)


class PanelRow(msgspec.Struct, kw_only=True):
    panel_id: UUID
    name: str
    description: str
    consent: str
    consent_revision: int
    questions: list[dict[str, Any]]
    open_sign_up: bool
    members: dict[str, int] | None  # per status (invited, active, paused, left): staff only


class MemberRow(msgspec.Struct, kw_only=True):
    person_id: UUID
    status: str
    via: str | None
    invited_at: str | None
    joined_at: str | None


_COUNTS = (
    "(SELECT coalesce(jsonb_object_agg(s.status, s.n), '{}') FROM (SELECT m.status, count(*) AS n"
    " FROM panel_members m WHERE m.tenant_id = p.tenant_id AND m.panel_id = p.panel_id"
    " AND m.status <> 'none' GROUP BY m.status) s) AS members"
)
# Active members who are not erased (an erased person's people row says so), with their answer
# to the question $3 (none when $3 is NULL).
_POPULATION = (
    "SELECT m.person_id, coalesce(b.option_id, '') AS stratum FROM panel_members m"
    " LEFT JOIN people pe ON pe.tenant_id = m.tenant_id AND pe.person_id = m.person_id"
    " LEFT JOIN panel_background b ON b.tenant_id = m.tenant_id AND b.panel_id = m.panel_id"
    " AND b.person_id = m.person_id AND b.question_id = $3"
    " WHERE m.tenant_id = $1 AND m.panel_id = $2 AND m.status = 'active'"
    " AND pe.erased_at IS NULL"
)


def _panel(row: asyncpg.Record, staff: bool) -> PanelRow:
    counts = msgspec.json.decode(row["members"]) if isinstance(row["members"], str) else {}
    return PanelRow(
        panel_id=row["panel_id"],
        name=row["name"],
        description=row["description"],
        consent=row["consent"],
        consent_revision=row["consent_revision"],
        questions=msgspec.json.decode(row["questions"]),
        open_sign_up=row["open_sign_up"],
        members={s: int(counts.get(s, 0)) for s in STATUSES} if staff else None,
    )


class PanelQueries:
    """Reads of the panel listing, on the request role's pool: one tenant's rows each."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def panels(self, tenant_id: str, viewer: UUID | None, *, staff: bool) -> list[PanelRow]:
        """The tenant's panels by name: every one for staff; otherwise those open to sign-up
        and those the viewer was invited to or is (or was) a member of; the members per status
        only for staff."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                f"SELECT p.*, {_COUNTS} FROM panels p WHERE p.tenant_id = $1 AND ($2 OR"
                " p.open_sign_up OR EXISTS (SELECT 1 FROM panel_members m WHERE"
                " m.tenant_id = p.tenant_id AND m.panel_id = p.panel_id AND m.person_id = $3"
                " AND m.status <> 'none')) ORDER BY p.name, p.panel_id",
                tenant_id,
                staff,
                viewer,
            )
        return [_panel(r, staff) for r in rows]

    async def members(
        self,
        tenant_id: str,
        panel_id: UUID,
        status: str | None,
        after: UUID | None,
        limit: int,
    ) -> list[MemberRow]:
        """Up to ``limit`` memberships of the panel by person id after ``after``, of one status
        or all."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT person_id, status, via, invited_at, joined_at FROM panel_members"
                " WHERE tenant_id = $1 AND panel_id = $2 AND status <> 'none'"
                " AND ($3::text IS NULL OR status = $3)"
                " AND ($4::uuid IS NULL OR person_id > $4) ORDER BY person_id LIMIT $5",
                tenant_id,
                panel_id,
                status,
                after,
                limit,
            )
        return [
            MemberRow(
                person_id=r["person_id"],
                status=r["status"],
                via=r["via"],
                invited_at=None if r["invited_at"] is None else r["invited_at"].isoformat(),
                joined_at=None if r["joined_at"] is None else r["joined_at"].isoformat(),
            )
            for r in rows
        ]

    async def population(
        self, tenant_id: str, panel_id: UUID, question_id: str | None
    ) -> dict[UUID, str]:
        """Every active member of the panel (erased people left out) and their answer to
        ``question_id`` ("" when they have none, or no question is given)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(_POPULATION, tenant_id, panel_id, question_id)
        return {r["person_id"]: r["stratum"] for r in rows}

    async def strata(self, tenant_id: str, panel_id: UUID, question_id: str) -> dict[str, int]:
        """How many active members gave each answer to the question ("" for none)."""
        counts: dict[str, int] = {}
        for stratum in (await self.population(tenant_id, panel_id, question_id)).values():
            counts[stratum] = counts.get(stratum, 0) + 1
        return dict(sorted(counts.items()))
