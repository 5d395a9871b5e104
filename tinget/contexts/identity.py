"""Identity: people, their sign-in and roles (read by the services' own records)."""

from __future__ import annotations

from collections.abc import Sequence

from services.identity.domain import Person
from tinget.contexts.base import Context


def _controllers() -> Sequence[type]:
    from gateway.identity import IdentityController
    from gateway.privacy import PrivacyController

    return [IdentityController, PrivacyController]


IDENTITY = Context(
    "identity",
    aggregates=(Person,),
    controllers=_controllers,
    provides=lambda app: {"identity": app.identity},
)
