"""Notifications: templates, in-app items, and the e-mail and push outbox."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from services.notifications.service import NotificationService


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    codec: Codec
    notifications: NotificationService


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.notifications.templates import NotificationTemplate

    return (NotificationTemplate,)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.notifications.policy import Notifier
    from services.notifications.template_listing import NotificationTemplateListing

    return [NotificationTemplateListing(app.codec), Notifier(app.codec, app.codec.catalogue)]


NOTIFICATIONS = Context[Needs](
    "notifications",
    package="services.notifications",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=(
        "gateway.notifications:NotificationTemplateController",
        "gateway.notifications:MyNotificationController",
        "gateway.notifications:UnsubscribeController",
    ),
    provides=lambda app: {"notifications": app.notifications},
    command_paths=("tinget.commands.notifications:notifications",),
)
