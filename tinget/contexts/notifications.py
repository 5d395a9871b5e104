"""Notifications: templates, in-app items, and the e-mail and push outbox."""

from __future__ import annotations

from projections.notification_templates import NotificationTemplateListing
from services.notifications.policy import Notifier
from services.notifications.templates import NotificationTemplate
from tinget.contexts.base import Context

NOTIFICATIONS = Context(
    "notifications",
    aggregates=(NotificationTemplate,),
    read_models=lambda app: [
        NotificationTemplateListing(app.codec),
        Notifier(app.codec, app.codec.catalogue),
    ],
)
