"""The template listing: each tenant's own message texts, for the sender and administrators."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from events.codec import Codec
from events.model import RecordedEvent


class NotificationTemplateListing:
    name = "notification_templates"
    event_types = frozenset({"NotificationTemplateChanged"})
    tables: tuple[str, ...] = ("notification_templates",)

    def __init__(self, codec: Codec) -> None:
        self.codec = codec

    async def apply(self, conn: asyncpg.Connection, events: Sequence[RecordedEvent]) -> None:
        latest: dict[tuple[str, str, str], tuple[str, str, object]] = {}
        for r in events:  # in log order, so the last change of a template wins
            event = self.codec.decode(r.event_type, r.data, r.stream_id, r.version)
            key = (r.tenant_id, event.kind, event.language)
            latest[key] = (event.subject, event.body, event.timestamp)
        keys = sorted(latest)
        await conn.execute(
            "INSERT INTO notification_templates"
            " (tenant_id, kind, language, subject, body, updated_at)"
            " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
            " $6::timestamptz[])"
            " ON CONFLICT (tenant_id, kind, language) DO UPDATE SET subject = excluded.subject,"
            " body = excluded.body, updated_at = excluded.updated_at",
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [latest[k][0] for k in keys],
            [latest[k][1] for k in keys],
            [latest[k][2] for k in keys],
        )
