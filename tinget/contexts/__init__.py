"""Tinget's bounded contexts, each declared in one place (a module of this package): its
aggregates (the event catalogue is built from them), its read models and policies (what a
projection worker feeds), its HTTP controllers and what their handlers are handed, and its
``tinget`` commands.

The composition root builds the catalogue, the projection worker, the app and the ``tinget``
command by looping over ``CONTEXTS``; their order is the order read models apply a batch in
(a policy whose events another context's read model shows comes first). See docs/contexts.md
for adding one.
"""

from __future__ import annotations

from tinget.contexts.analysis import ANALYSIS
from tinget.contexts.audit import AUDIT
from tinget.contexts.base import Context
from tinget.contexts.dashboards import DASHBOARDS
from tinget.contexts.dialogs import DIALOGS
from tinget.contexts.gamification import GAMIFICATION
from tinget.contexts.identity import IDENTITY
from tinget.contexts.moderation import MODERATION
from tinget.contexts.notifications import NOTIFICATIONS
from tinget.contexts.participation import PARTICIPATION
from tinget.contexts.surveys import SURVEYS
from tinget.contexts.tenants import TENANTS

CONTEXTS: tuple[Context, ...] = (
    TENANTS,
    IDENTITY,
    DIALOGS,
    PARTICIPATION,  # its threshold policy records what gamification awards points for
    SURVEYS,
    DASHBOARDS,
    GAMIFICATION,
    MODERATION,
    ANALYSIS,  # after the post listing (dialogs, participation) its items are read from
    AUDIT,  # every event of the catalogue, hash-chained per tenant
    NOTIFICATIONS,  # last: tells people of what the others recorded
)

__all__ = ["CONTEXTS", "Context"]
