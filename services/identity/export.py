"""Access on request: everything Tinget holds about one person, as one JSON document.

It gathers the person's record, role, what they wrote (posts and comments with their texts,
from the post listing, where their sealed fields were opened; erased texts read as erased),
their supports, signatures, votes on statements (each vote and each change) and flags, their
in-app notifications, preferences, push subscriptions (counted, as their endpoints are the
browser's), progress, and their citizen panel memberships with their answers to the panels'
background questions, their focus group answers (with the moderator's marks) and the notes
they wrote on focus groups as staff, and when they were linked to a national identity number
at an identity provider's sign-in (the number itself is kept nowhere). Only rows of that
person are read. Ballots are secret: their events name no voter and nothing links them to one,
so the export says that rather than listing them.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from events.db import tenant_transaction
from events.errors import NotFound
from events.repository import AggregateNotFound, Repository
from services.identity.domain import Person

BALLOTS = (
    "Ballots are secret: a ballot's event names no voter and its stream id is a keyed hash, so"
    " nothing held links a ballot to this person and none can be listed here."
)
IDENTITY_LINK = (
    "the person signs in with the municipality's identity provider: what is kept is a keyed"
    " hash of their national identity number (HMAC-SHA256), never the number itself"
)
_OPINIONS = {1: "agree", -1: "disagree", 0: "pass"}  # a vote on a statement, as stored
_POSTS = (
    "SELECT post_id, dialog_id, kind, anonymous, title, body, parent_id, root_id, latitude,"
    " longitude, address, image, status, report_status, created_at, edited_at FROM posts"
    " WHERE tenant_id = $1 AND author_id = $2 ORDER BY created_at, post_id"
)


def _rows(rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


class PersonalDataExport:
    def __init__(self, pool: asyncpg.Pool, repository: Repository) -> None:
        self.pool = pool
        self.repository = repository

    async def of(self, tenant_id: str, person_id: UUID) -> dict[str, Any]:
        """The person's data (``NotFound`` if the tenant has no such person)."""
        try:
            person: Person | None = await self.repository.get(tenant_id, Person, person_id)
        except AggregateNotFound:
            person = None
        async with tenant_transaction(self.pool, tenant_id) as conn:
            record = await conn.fetchrow(
                "SELECT email, display_name, created_at, erased_at FROM people"
                " WHERE tenant_id = $1 AND person_id = $2",
                tenant_id,
                person_id,
            )
            if person is None and record is None:
                raise NotFound(f"no person {person_id}")
            written = _rows(await conn.fetch(_POSTS, tenant_id, person_id))
            endorsements = await conn.fetch(
                "SELECT event_type, (data->>'post_id')::uuid AS post_id,"
                " (data->>'dialog_id')::uuid AS dialog_id, recorded_at FROM events"
                " WHERE tenant_id = $1 AND event_type IN ('SupportGiven', 'PetitionSigned')"
                " AND data->>'person_id' = $2 ORDER BY position",
                tenant_id,
                str(person_id),
            )
            opinions = await conn.fetch(
                "SELECT event_type, (data->>'statement_id')::uuid AS statement_id,"
                " (data->>'dialog_id')::uuid AS dialog_id, (data->>'vote')::int AS vote,"
                " recorded_at FROM events WHERE tenant_id = $1"
                " AND event_type IN ('StatementVoteCast', 'StatementVoteChanged')"
                " AND data->>'person_id' = $2 ORDER BY position",
                tenant_id,
                str(person_id),
            )
            flags = await conn.fetch(
                "SELECT (data->>'post_id')::uuid AS post_id, data->>'reason' AS reason,"
                " recorded_at FROM events WHERE tenant_id = $1 AND event_type = 'PostFlagged'"
                " AND metadata->>'actor' = $2 ORDER BY position",
                tenant_id,
                str(person_id),
            )
            notifications = await conn.fetch(
                "SELECT notification_id, kind, details, created_at, read_at FROM notifications"
                " WHERE tenant_id = $1 AND person_id = $2 ORDER BY created_at",
                tenant_id,
                person_id,
            )
            preferences = await conn.fetch(
                "SELECT kind, email, push, in_app, digest, updated_at FROM"
                " notification_preferences WHERE tenant_id = $1 AND person_id = $2 ORDER BY kind",
                tenant_id,
                person_id,
            )
            subscriptions = await conn.fetchval(
                "SELECT count(*) FROM push_subscriptions WHERE tenant_id = $1 AND person_id = $2",
                tenant_id,
                person_id,
            )
            panels = await conn.fetch(
                "SELECT m.panel_id, m.status, m.via, m.consent_revision, m.invited_at,"
                " m.joined_at, coalesce((SELECT jsonb_object_agg(b.question_id, b.option_id)"
                " FROM panel_background b WHERE b.tenant_id = m.tenant_id"
                " AND b.panel_id = m.panel_id AND b.person_id = m.person_id), '{}') AS background"
                " FROM panel_members m WHERE m.tenant_id = $1 AND m.person_id = $2"
                " AND m.status <> 'none' ORDER BY m.panel_id",
                tenant_id,
                person_id,
            )
            identities = await conn.fetch(
                "SELECT linked_at FROM citizen_identities WHERE tenant_id = $1"
                " AND person_id = $2 ORDER BY linked_at",
                tenant_id,
                person_id,
            )
            focus_answers = await conn.fetch(
                "SELECT answer_id, group_id, item_id, text, pinned, hidden, highlighted,"
                " answered_at FROM focus_group_answers WHERE tenant_id = $1 AND person_id = $2"
                " ORDER BY answered_at, answer_id",
                tenant_id,
                person_id,
            )
            focus_notes = await conn.fetch(
                "SELECT note_id, group_id, item_id, answer_id, text, written_at"
                " FROM focus_group_notes WHERE tenant_id = $1 AND author_id = $2"
                " ORDER BY written_at, note_id",
                tenant_id,
                person_id,
            )
            progress = await conn.fetchrow(
                "SELECT points, posts, comments, endorsements, thresholds, dialogs"
                " FROM gamification_people WHERE tenant_id = $1 AND person_id = $2",
                tenant_id,
                person_id,
            )
        return {
            "tenant": tenant_id,
            "person_id": person_id,
            "record": None if record is None else dict(record),
            "role": None if person is None else person.role,
            "sign_in": None if person is None else person.sign_in,
            "language": None if person is None else person.language,
            "erased": bool(getattr(person, "erased", False))
            or (record is not None and record["erased_at"] is not None),
            "posts": [p for p in written if p["root_id"] is None],
            "comments": [p for p in written if p["root_id"] is not None],
            "supports": [dict(e) for e in endorsements if e["event_type"] == "SupportGiven"],
            "signatures": [dict(e) for e in endorsements if e["event_type"] == "PetitionSigned"],
            "statement_votes": [{**dict(v), "vote": _OPINIONS[v["vote"]]} for v in opinions],
            "flags": _rows(flags),
            "notifications": [
                {**dict(n), "details": msgspec.json.decode(n["details"])} for n in notifications
            ],
            "notification_preferences": _rows(preferences),
            "push_subscriptions": int(subscriptions),
            "progress": None if progress is None else dict(progress),
            "panels": [
                {**dict(p), "background": msgspec.json.decode(p["background"])} for p in panels
            ],
            "focus_group_answers": _rows(focus_answers),
            "focus_group_notes": _rows(focus_notes),
            "ballots": BALLOTS,
            "identity_provider_links": [
                {"linked_at": i["linked_at"], "kept": IDENTITY_LINK} for i in identities
            ],
        }
