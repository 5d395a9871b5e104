"""What a person does with their notifications: read the list, mark items read, choose per
kind and channel, register browsers for push, and leave by a one-click unsubscribe link."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
import msgspec
from msgspec import Meta

from events.db import tenant_transaction
from events.errors import Conflict, InvalidInput, NotFound
from events.texts import choose_language
from services.identity.access import Caller
from services.identity.keys import Keys
from services.identity.languages import languages_of
from services.notifications import unsubscribe
from services.notifications.kinds import NOTIFYING, Digest, Kind, notifying_kind
from services.notifications.push import PushSubscriptionInput, check_subscription
from services.notifications.push_policy import PushPolicy
from services.notifications.template_service import TemplateService, custom_templates
from services.notifications.templates import compose
from tenants.directory import TenantEntry, link_base

MAX_SUBSCRIPTIONS = 20  # browsers per person: bounds the fan-out of one message
_SUBSCRIPTIONS = uuid.uuid5(uuid.NAMESPACE_URL, "https://tinget.eu/ids/push-subscriptions")
_details = msgspec.json.Decoder(dict[str, str])


class NotificationView(msgspec.Struct, kw_only=True):
    id: UUID
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read: bool


class NotificationPage(msgspec.Struct, kw_only=True):
    items: list[NotificationView]
    next_cursor: str | None
    unread: int  # in the whole list, for a badge


class Preference(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Annotated[str, Meta(max_length=40)]
    email: bool = True
    push: bool = True
    in_app: bool = True
    digest: Digest = Digest.IMMEDIATE


class Preferences(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Kinds listed are set as given; kinds left out stay as they are."""

    preferences: Annotated[list[Preference], Meta(max_length=50)]


class PushSubscriptionView(msgspec.Struct, kw_only=True):
    id: UUID


class Unsubscribed(msgspec.Struct, kw_only=True):
    kinds: list[str]
    email: bool = False


class NotificationService:
    def __init__(
        self,
        pool: asyncpg.Pool,
        keys: Keys,
        templates: TemplateService,
        push_policy: PushPolicy | None = None,
    ) -> None:
        self.pool = pool
        self.keys = keys
        self.templates = templates
        self.push_policy = push_policy or PushPolicy()  # which push endpoints are taken

    async def page(
        self,
        caller: Caller,
        tenant: TenantEntry,
        unread_only: bool,
        limit: int,
        after: tuple[datetime, UUID] | None,
    ) -> tuple[NotificationPage, tuple[datetime, UUID] | None]:
        """The caller's items, newest first, in their language (their own, else the tenant's
        default: as their e-mails are); and the last one shown when there are more. Kinds the
        person turned off in the app are left out."""
        visible = (
            " FROM notifications n LEFT JOIN notification_preferences p"
            " ON p.tenant_id = n.tenant_id AND p.person_id = n.person_id AND p.kind = n.kind"
            " WHERE n.tenant_id = $1 AND n.person_id = $2 AND coalesce(p.in_app, true)"
        )
        async with tenant_transaction(self.pool, caller.tenant_id) as conn:
            rows = await conn.fetch(
                f"SELECT n.notification_id, n.kind, n.details::text, n.created_at, n.read_at"
                f"{visible} AND (NOT $3 OR n.read_at IS NULL)"
                " AND ($4::timestamptz IS NULL OR (n.created_at, n.notification_id) < ($4, $5))"
                " ORDER BY n.created_at DESC, n.notification_id DESC LIMIT $6",
                caller.tenant_id,
                caller.person_id,
                unread_only,
                None if after is None else after[0],
                None if after is None else after[1],
                limit + 1,
            )
            unread = await conn.fetchval(
                f"SELECT count(*){visible} AND n.read_at IS NULL",
                caller.tenant_id,
                caller.person_id,
            )
            custom = (await custom_templates(conn, [caller.tenant_id]))[caller.tenant_id]
            own = await languages_of(conn, [(caller.tenant_id, caller.person_id)])
        language = choose_language(
            own.get((caller.tenant_id, caller.person_id)),
            None,
            tenant.languages,
            tenant.default_language,
        )
        base = link_base(tenant)
        items = []
        for r in rows[:limit]:
            message = compose(
                Kind(r["kind"]),
                _details.decode(r["details"]),
                tenant.name,
                language,
                base,
                custom,
                tenant.link_templates,
            )
            items.append(
                NotificationView(
                    id=r["notification_id"],
                    kind=r["kind"],
                    title=message.subject,
                    body=message.body,
                    link=message.link,
                    created_at=r["created_at"],
                    read=r["read_at"] is not None,
                )
            )
        more = None
        if len(rows) > limit:
            more = (rows[limit - 1]["created_at"], rows[limit - 1]["notification_id"])
        return NotificationPage(items=items, next_cursor=None, unread=int(unread)), more

    async def mark_read(self, caller: Caller, notification_id: UUID) -> None:
        async with tenant_transaction(self.pool, caller.tenant_id) as conn:
            found = await conn.fetchval(
                "UPDATE notifications SET read_at = coalesce(read_at, now())"
                " WHERE tenant_id = $1 AND notification_id = $2 AND person_id = $3"
                " RETURNING notification_id",
                caller.tenant_id,
                notification_id,
                caller.person_id,
            )
        if found is None:
            raise NotFound(f"no notification {notification_id}")

    async def preferences(self, caller: Caller) -> list[Preference]:
        """Every kind that can be turned off, as the person set it (defaults: all on, at once)."""
        async with tenant_transaction(self.pool, caller.tenant_id) as conn:
            rows = await conn.fetch(
                "SELECT kind, email, push, in_app, digest FROM notification_preferences"
                " WHERE tenant_id = $1 AND person_id = $2",
                caller.tenant_id,
                caller.person_id,
            )
        chosen = {r["kind"]: msgspec.convert(dict(r), Preference) for r in rows}
        return [chosen.get(k.value, Preference(kind=k.value)) for k in NOTIFYING]

    async def set_preferences(self, caller: Caller, data: Preferences) -> list[Preference]:
        seen: set[str] = set()
        for i, item in enumerate(data.preferences):
            notifying_kind(item.kind, f"preferences[{i}].kind")
            if item.kind in seen:
                raise InvalidInput(f"preferences[{i}].kind", f"{item.kind!r} is listed twice")
            seen.add(item.kind)
        items = data.preferences
        async with tenant_transaction(self.pool, caller.tenant_id) as conn:
            await conn.execute(
                "INSERT INTO notification_preferences"
                " (tenant_id, person_id, kind, email, push, in_app, digest)"
                " SELECT $1, $2, * FROM unnest($3::text[], $4::bool[], $5::bool[], $6::bool[],"
                " $7::text[])"
                " ON CONFLICT (tenant_id, person_id, kind) DO UPDATE SET email = excluded.email,"
                " push = excluded.push, in_app = excluded.in_app, digest = excluded.digest,"
                " updated_at = now()",
                caller.tenant_id,
                caller.person_id,
                [p.kind for p in items],
                [p.email for p in items],
                [p.push for p in items],
                [p.in_app for p in items],
                [p.digest.value for p in items],
            )
        return await self.preferences(caller)

    async def subscribe_push(
        self, caller: Caller, data: PushSubscriptionInput
    ) -> PushSubscriptionView:
        """Register (or renew) a browser; its id follows from the endpoint, which must be on a
        known browser push service (``PushPolicy``)."""
        endpoint, p256dh, auth = check_subscription(data, self.push_policy)
        subscription_id = uuid.uuid5(_SUBSCRIPTIONS, endpoint)
        async with tenant_transaction(self.pool, caller.tenant_id) as conn:
            others = await conn.fetchval(
                "SELECT count(*) FROM push_subscriptions WHERE tenant_id = $1"
                " AND person_id = $2 AND subscription_id <> $3",
                caller.tenant_id,
                caller.person_id,
                subscription_id,
            )
            if others >= MAX_SUBSCRIPTIONS:
                raise Conflict(f"at most {MAX_SUBSCRIPTIONS} browsers; remove one first")
            await conn.execute(
                "INSERT INTO push_subscriptions"
                " (tenant_id, subscription_id, person_id, endpoint, p256dh, auth)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, subscription_id)"
                " DO UPDATE SET person_id = excluded.person_id, p256dh = excluded.p256dh,"
                " auth = excluded.auth",
                caller.tenant_id,
                subscription_id,
                caller.person_id,
                endpoint,
                p256dh,
                auth,
            )
        return PushSubscriptionView(id=subscription_id)

    async def unsubscribe_push(self, caller: Caller, subscription_id: UUID) -> None:
        async with tenant_transaction(self.pool, caller.tenant_id) as conn:
            removed = await conn.fetchval(
                "DELETE FROM push_subscriptions WHERE tenant_id = $1 AND subscription_id = $2"
                " AND person_id = $3 RETURNING subscription_id",
                caller.tenant_id,
                subscription_id,
                caller.person_id,
            )
        if removed is None:
            raise NotFound(f"no push subscription {subscription_id}")

    async def unsubscribe(self, tenant_id: str, token: str) -> Unsubscribed:
        """Turn the e-mails a link names off, without sign-in: the signed token is the proof."""
        claim = unsubscribe.verify(self.keys, token, tenant_id)
        if claim.kind == unsubscribe.ALL_KINDS:
            kinds = [k.value for k in NOTIFYING]
        else:
            kinds = [notifying_kind(claim.kind, "token").value]
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await conn.execute(
                "INSERT INTO notification_preferences (tenant_id, person_id, kind, email)"
                " SELECT $1, $2, unnest($3::text[]), false"
                " ON CONFLICT (tenant_id, person_id, kind)"
                " DO UPDATE SET email = false, updated_at = now()",
                tenant_id,
                claim.person_id,
                kinds,
            )
        return Unsubscribed(kinds=kinds)
