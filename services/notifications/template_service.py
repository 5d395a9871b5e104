"""Administrators edit their municipality's message texts; senders look them up."""

from __future__ import annotations

from typing import Annotated

import asyncpg
import msgspec
from msgspec import Meta

from events.db import tenant_transaction
from events.errors import Conflict
from events.model import ConcurrencyConflict
from events.repository import AggregateNotFound, Repository
from services.identity.access import Caller, Permission, event_metadata
from services.notifications.defaults import base_language
from services.notifications.kinds import BUILT_IN_LANGUAGES, PLACEHOLDERS, Kind, kind_of
from services.notifications.templates import (
    NotificationTemplate,
    check_template,
    choose,
    template_stream,
)
from tenants import values


class ChangeTemplate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """New texts for one kind of message in one language (the rules are checked on save)."""

    subject: Annotated[str, Meta(max_length=1000)]
    body: Annotated[str, Meta(max_length=50_000)]


class TemplateView(msgspec.Struct, kw_only=True):
    kind: str
    language: str
    subject: str
    body: str
    placeholders: list[str]
    custom: bool  # false: the built-in text, in use until an administrator writes one


def _view(kind: Kind, language: str, texts: tuple[str, str], custom: bool) -> TemplateView:
    return TemplateView(
        kind=kind.value,
        language=language,
        subject=texts[0],
        body=texts[1],
        placeholders=sorted(PLACEHOLDERS[kind]),
        custom=custom,
    )


async def custom_templates(
    conn: asyncpg.Connection, tenant_ids: list[str]
) -> dict[str, dict[tuple[str, str], tuple[str, str]]]:
    """Every custom template of these tenants, from the template listing."""
    rows = await conn.fetch(
        "SELECT tenant_id, kind, language, subject, body FROM notification_templates"
        " WHERE tenant_id = ANY($1::text[])",
        tenant_ids,
    )
    found: dict[str, dict[tuple[str, str], tuple[str, str]]] = {t: {} for t in tenant_ids}
    for r in rows:
        found[r["tenant_id"]][(r["kind"], r["language"])] = (r["subject"], r["body"])
    return found


class TemplateService:
    def __init__(self, repository: Repository, pool: asyncpg.Pool) -> None:
        self.repository = repository
        self.pool = pool

    async def change(
        self, caller: Caller, kind: str, language: str, data: ChangeTemplate
    ) -> TemplateView:
        """Record an administrator's texts, after checking their placeholders."""
        caller.require(Permission.ADMINISTER)
        checked_kind = kind_of(kind)
        tag = values.language(language, "language")
        subject, body = check_template(checked_kind, data.subject, data.body)
        stream = template_stream(checked_kind.value, tag)
        try:
            template = await self.repository.get(caller.tenant_id, NotificationTemplate, stream)
        except AggregateNotFound:
            template = NotificationTemplate(kind=checked_kind.value, language=tag)
        template.change(subject, body)
        try:
            await self.repository.save(caller.tenant_id, template, metadata=event_metadata(caller))
        except ConcurrencyConflict:
            raise Conflict("the template was changed meanwhile; try again") from None
        return _view(checked_kind, tag, (subject, body), custom=True)

    async def custom(self, tenant_id: str, kind: str, language: str) -> tuple[str, str] | None:
        """The tenant's own template, read from its stream (so an edit applies at once)."""
        for tag in dict.fromkeys((language, base_language(language))):
            try:
                template = await self.repository.get(
                    tenant_id, NotificationTemplate, template_stream(kind, tag)
                )
            except AggregateNotFound:
                continue
            if template.subject is not None and template.body is not None:
                return template.subject, template.body
        return None

    async def list(self, caller: Caller) -> list[TemplateView]:
        """Every kind in every built-in language and each language the tenant wrote texts in."""
        caller.require(Permission.ADMINISTER)
        async with tenant_transaction(self.pool, caller.tenant_id) as conn:
            custom = (await custom_templates(conn, [caller.tenant_id]))[caller.tenant_id]
        languages = list(dict.fromkeys([*BUILT_IN_LANGUAGES, *sorted(lang for _, lang in custom)]))
        return [
            _view(kind, tag, choose(kind, tag, custom), custom=(kind.value, tag) in custom)
            for kind in Kind
            for tag in languages
        ]
