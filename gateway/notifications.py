"""Notifications over HTTP: templates for administrators; a person's list, preferences and push
subscriptions; the one-click unsubscribe link (RFC 8058) that needs no sign-in."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from gateway.edge import Injected
from gateway.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from gateway.problems import problems
from services.identity.access import Caller
from services.notifications.push import PushSubscriptionInput
from services.notifications.service import (
    NotificationPage,
    NotificationService,
    Preference,
    Preferences,
    PushSubscriptionView,
    Unsubscribed,
)
from services.notifications.template_service import ChangeTemplate, TemplateView
from tenants.directory import TenantEntry

Token = Annotated[str, QueryParameter(min_length=1, max_length=500)]


class NotificationTemplateController(Controller):
    path = "/api/v1/notification-templates"
    tags = ["notifications"]

    @get(
        "/",
        operation_id="listNotificationTemplates",
        summary="List the message templates",
        responses=problems(),
    )
    async def list_templates(
        self, notifications: Injected[NotificationService], caller: NamedDependency[Caller]
    ) -> list[TemplateView]:
        """Every message text in every language: the municipality's own, else the built-in one
        (administrators)."""
        return await notifications.templates.list(caller)

    @put(
        "/{kind:str}/{language:str}",
        operation_id="changeNotificationTemplate",
        summary="Change a message template",
        responses=problems(409, 422),
    )
    async def change_template(
        self,
        notifications: Injected[NotificationService],
        caller: NamedDependency[Caller],
        kind: FromPath[str],
        language: FromPath[str],
        data: JSONBody[ChangeTemplate],
    ) -> TemplateView:
        """Write the municipality's own subject and body for one kind and language; only the
        kind's placeholders are allowed (administrators)."""
        templates = notifications.templates
        return await templates.change(caller, kind, language, data)


class MyNotificationController(Controller):
    path = "/api/v1/me"
    tags = ["notifications"]

    @get(
        "/notifications",
        operation_id="listMyNotifications",
        summary="List one's notifications",
        responses=problems(422),
    )
    async def list_notifications(
        self,
        notifications: Injected[NotificationService],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        unread: Annotated[bool, QueryParameter(description="only unread items")] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = DEFAULT_LIMIT,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> NotificationPage:
        """The caller's notifications, newest first, with the number still unread."""
        page, last = await notifications.page(caller, tenant, unread, limit, decode_cursor(cursor))
        page.next_cursor = None if last is None else encode_cursor(*last)
        return page

    @post(
        "/notifications/{notification_id:uuid}/read",
        operation_id="markNotificationRead",
        summary="Mark a notification read",
        responses=problems(),
        status_code=204,
    )
    async def mark_read(
        self,
        notifications: Injected[NotificationService],
        caller: NamedDependency[Caller],
        notification_id: FromPath[UUID],
    ) -> None:
        """Mark one of the caller's notifications read (again is harmless)."""
        await notifications.mark_read(caller, notification_id)

    @get(
        "/notification-preferences",
        operation_id="getNotificationPreferences",
        summary="Read one's notification preferences",
        responses=problems(),
    )
    async def get_preferences(
        self, notifications: Injected[NotificationService], caller: NamedDependency[Caller]
    ) -> list[Preference]:
        """Per kind: e-mail, push and in-app on or off, and e-mail at once or in a daily digest."""
        return await notifications.preferences(caller)

    @put(
        "/notification-preferences",
        operation_id="setNotificationPreferences",
        summary="Set one's notification preferences",
        responses=problems(422),
    )
    async def set_preferences(
        self,
        notifications: Injected[NotificationService],
        caller: NamedDependency[Caller],
        data: JSONBody[Preferences],
    ) -> list[Preference]:
        """Set the kinds listed; the others stay as they are."""
        return await notifications.set_preferences(caller, data)

    @post(
        "/push-subscriptions",
        operation_id="addPushSubscription",
        summary="Register a browser for web push",
        responses=problems(409, 422),
        status_code=201,
    )
    async def add_push_subscription(
        self,
        notifications: Injected[NotificationService],
        caller: NamedDependency[Caller],
        data: JSONBody[PushSubscriptionInput],
    ) -> PushSubscriptionView:
        """Register this browser for web push (the body is ``PushSubscription.toJSON()``)."""
        return await notifications.subscribe_push(caller, data)

    @delete(
        "/push-subscriptions/{subscription_id:uuid}",
        operation_id="removePushSubscription",
        summary="Stop web push to a browser",
        responses=problems(),
    )
    async def remove_push_subscription(
        self,
        notifications: Injected[NotificationService],
        caller: NamedDependency[Caller],
        subscription_id: FromPath[UUID],
    ) -> None:
        """Stop pushing to a browser."""
        await notifications.unsubscribe_push(caller, subscription_id)


class UnsubscribeController(Controller):
    path = "/api/v1/unsubscribe"
    tags = ["notifications"]

    @post(
        "/",
        operation_id="unsubscribe",
        summary="Unsubscribe from e-mails in one click",
        responses=problems(422),
        status_code=200,
    )
    async def unsubscribe(
        self,
        notifications: Injected[NotificationService],
        tenant: NamedDependency[TenantEntry],
        token: Token,
    ) -> Unsubscribed:
        """One-click unsubscribe (RFC 8058): the mail client posts the link from the e-mail's
        List-Unsubscribe header, and that kind of e-mail stops. No sign-in: the link is signed."""
        return await notifications.unsubscribe(tenant.tenant_id, token)
