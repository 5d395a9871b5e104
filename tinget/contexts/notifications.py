"""Notifications: templates, in-app items, and the e-mail and push outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from projections.notification_templates import NotificationTemplateListing
from services.notifications.policy import Notifier
from services.notifications.templates import NotificationTemplate
from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click


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
    aggregates=(NotificationTemplate,),
    read_models=lambda app: [
        NotificationTemplateListing(app.codec),
        Notifier(app.codec, app.codec.catalogue),
    ],
    controllers=_controllers,
    provides=lambda app: {"notifications": app.notifications},
    commands=_commands,
)
