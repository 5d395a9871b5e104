"""Tinget's bounded contexts, each declared in its own folder (``services/<context>/context.py``,
``tenants/context.py``): its aggregates (the event catalogue is built from them), its read
models and policies (what a projection worker feeds), its HTTP controllers and what their
handlers are handed, its ``tinget`` commands and its migrations.

The composition root builds the catalogue, the projection worker, the app and the ``tinget``
command by looping over ``CONTEXTS``; their order is the order read models apply a batch in
(a policy whose events another context's read model shows comes first). See docs/contexts.md
for adding one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from events.contexts import Context
from services.analysis.context import ANALYSIS
from services.audit.context import AUDIT
from services.budgeting.context import BUDGETING
from services.chat.context import CHAT
from services.dashboards.context import DASHBOARDS
from services.dialogs.context import DIALOGS
from services.focus_groups.context import FOCUS_GROUPS
from services.gamification.context import GAMIFICATION
from services.identity.context import IDENTITY
from services.moderation.context import MODERATION
from services.notifications.context import NOTIFICATIONS
from services.participation.context import PARTICIPATION
from services.surveys.context import SURVEYS
from tenants.context import TENANTS
from tenants.migrate import in_order

if TYPE_CHECKING:
    from tinget.bootstrap import AppPlatform

# typed with the platform the composition root hands them: mypy checks it has all each needs
CONTEXTS: tuple[Context[AppPlatform], ...] = (
    TENANTS,
    IDENTITY,
    DIALOGS,
    PARTICIPATION,  # its threshold policy records what gamification awards points for
    SURVEYS,
    BUDGETING,
    DASHBOARDS,
    GAMIFICATION,
    MODERATION,
    FOCUS_GROUPS,
    CHAT,  # a discussion's live chat: its messages and the feed its stream sends
    ANALYSIS,  # after the post listing (dialogs, participation) its items are read from
    AUDIT,  # every event of the catalogue, hash-chained per tenant
    NOTIFICATIONS,  # last: tells people of what the others recorded
)


def migrations() -> list[tuple[str, str]]:
    """Every context's migrations (``(name, SQL)``), in the one order they run in."""
    return in_order([migration for context in CONTEXTS for migration in context.migrations()])


__all__ = ["CONTEXTS", "Context", "migrations"]
