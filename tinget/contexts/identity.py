"""Identity: people, their sign-in and roles (read by the services' own records)."""

from __future__ import annotations

from services.identity.domain import Person
from tinget.contexts.base import Context

IDENTITY = Context("identity", aggregates=(Person,))
