"""The staff list: a read model of who holds a staff role in each municipality, since when.

Staff are everyone whose role is moderator, analyst, administrator or committee member; a
participant or an external analyst is not. Names and e-mail addresses are not copied here: the
list joins ``people``, so an erased person's address is gone from it at once, and the
``PersonErased`` event takes them off the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from events.codec import Codec
from events.db import tenant_transaction
from events.model import RecordedEvent

STAFF_ROLES = frozenset({"moderator", "analyst", "administrator", "committee-member"})
ADMINISTRATOR = "administrator"


class StaffMember(msgspec.Struct, kw_only=True):
    person_id: UUID
    name: str | None
    email: str | None
    role: str
    since: datetime  # when they became staff (a change between staff roles keeps it)


class StaffList:
    """Projects ``PersonJoined``, ``RoleChanged`` and ``PersonErased`` into ``staff_members``.

    Idempotent: a joined staff member is inserted once (a repeat changes nothing), a role
    change to another staff role keeps the first ``since``, and leaving the staff deletes."""

    name: str = "staff_list"
    event_types: frozenset[str] = frozenset({"PersonJoined", "RoleChanged", "PersonErased"})
    tables: tuple[str, ...] = ("staff_members",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        for recorded in events:
            key = (recorded.tenant_id, recorded.stream_id)
            if recorded.event_type == "PersonErased":
                await conn.execute(
                    "DELETE FROM staff_members WHERE tenant_id = $1 AND person_id = $2", *key
                )
                continue
            event = self.codec.decode(
                recorded.event_type, recorded.data, recorded.stream_id, recorded.version
            )
            if event.role in STAFF_ROLES:
                await conn.execute(
                    "INSERT INTO staff_members (tenant_id, person_id, role, since)"
                    " VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT (tenant_id, person_id) DO UPDATE SET role = excluded.role",
                    *key,
                    event.role,
                    event.timestamp,
                )
            elif recorded.event_type == "RoleChanged":
                await conn.execute(
                    "DELETE FROM staff_members WHERE tenant_id = $1 AND person_id = $2", *key
                )


class StaffQueries:
    """The staff list of a tenant, under its row-level security (the request role's pool)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def staff(self, tenant_id: str) -> list[StaffMember]:
        """Everyone on the tenant's staff, administrators first, then by when they joined."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT s.person_id, p.display_name AS name, p.email, s.role, s.since"
                " FROM staff_members s LEFT JOIN people p"
                " ON p.tenant_id = s.tenant_id AND p.person_id = s.person_id"
                " WHERE s.tenant_id = $1"
                " ORDER BY s.role <> 'administrator', s.since, s.person_id",
                tenant_id,
            )
        return [StaffMember(**dict(r)) for r in rows]

    async def administrators(self, tenant_id: str) -> list[UUID]:
        """The tenant's administrators as the list shows them (a moment behind the log)."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT person_id FROM staff_members WHERE tenant_id = $1 AND role = $2",
                tenant_id,
                ADMINISTRATOR,
            )
        return [r["person_id"] for r in rows]
