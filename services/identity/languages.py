"""People's own languages: a read model of ``PersonLanguageChosen``.

A person may ask to be spoken to in one of the languages their municipality offers
(``PUT /api/v1/me/language``). The choice is an event on their ``Person``; this read model
keeps the current one per person, so the notification sender can read the languages of a
whole batch of recipients in one query. A person without a row has no language of their
own: the municipality's default is theirs. A language is no personal data of note and is kept
after an erasure, like the person's notification preferences (an erased person gets no
e-mail: their address is gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import asyncpg

from events.codec import Codec
from events.model import RecordedEvent

LANGUAGE_CHOSEN = "PersonLanguageChosen"


class PersonLanguages:
    """Projects ``PersonLanguageChosen`` into ``person_languages``: the latest choice per
    person (a repeat writes the same row; a cleared choice deletes it)."""

    name: str = "person_languages"
    event_types: frozenset[str] = frozenset({LANGUAGE_CHOSEN})
    tables: tuple[str, ...] = ("person_languages",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        latest: dict[tuple[str, UUID], str | None] = {}
        for recorded in events:
            event = self.codec.decode(
                recorded.event_type, recorded.data, recorded.stream_id, recorded.version
            )
            latest[(recorded.tenant_id, recorded.stream_id)] = event.language
        chosen = [(k, v) for k, v in latest.items() if v is not None]
        cleared = [k for k, v in latest.items() if v is None]
        if chosen:
            await conn.execute(
                "INSERT INTO person_languages (tenant_id, person_id, language)"
                " SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[])"
                " ON CONFLICT (tenant_id, person_id) DO UPDATE SET language = excluded.language",
                [k[0] for k, _ in chosen],
                [k[1] for k, _ in chosen],
                [v for _, v in chosen],
            )
        if cleared:
            await conn.execute(
                "DELETE FROM person_languages p USING unnest($1::text[], $2::uuid[]) AS k(t, id)"
                " WHERE p.tenant_id = k.t AND p.person_id = k.id",
                [k[0] for k in cleared],
                [k[1] for k in cleared],
            )


async def languages_of(
    conn: asyncpg.Connection, people: Iterable[tuple[str, UUID]]
) -> dict[tuple[str, UUID], str]:
    """The own language of each (tenant, person) that has one (a worker's connection, which
    reads across tenants)."""
    keys = sorted(set(people))
    rows = await conn.fetch(
        "SELECT x.tenant_id, x.person_id, x.language FROM person_languages x"
        " JOIN unnest($1::text[], $2::uuid[]) AS k(t, p)"
        " ON x.tenant_id = k.t AND x.person_id = k.p",
        [k[0] for k in keys],
        [k[1] for k in keys],
    )
    return {(r["tenant_id"], r["person_id"]): r["language"] for r in rows}
