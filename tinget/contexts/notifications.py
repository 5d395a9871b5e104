"""Notifications: templates, in-app items, and the e-mail and push outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click
    from eventsourcing.domain import Aggregate

    from projections.runtime import Projection
    from tinget.bootstrap import AppPlatform


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.notifications.templates import NotificationTemplate

    return (NotificationTemplate,)


def _read_models(app: AppPlatform) -> Sequence[Projection]:
    from projections.notification_templates import NotificationTemplateListing
    from services.notifications.policy import Notifier

    return [NotificationTemplateListing(app.codec), Notifier(app.codec, app.codec.catalogue)]


def _controllers() -> Sequence[type]:
    from gateway.notifications import (
        MyNotificationController,
        NotificationTemplateController,
        UnsubscribeController,
    )

    return [NotificationTemplateController, MyNotificationController, UnsubscribeController]


def _commands() -> Sequence[click.Command]:
    from tinget.commands.notifications import notifications

    return [notifications]


NOTIFICATIONS = Context(
    "notifications",
    aggregates=_aggregates,
    read_models=_read_models,
    controllers=_controllers,
    provides=lambda app: {"notifications": app.notifications},
    commands=_commands,
)
