"""Identity: people, their sign-in and roles (read by the services' own records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click
    from eventsourcing.domain import Aggregate


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.identity.domain import Person

    return (Person,)


def _controllers() -> Sequence[type]:
    from gateway.identity import IdentityController
    from gateway.privacy import PrivacyController

    return [IdentityController, PrivacyController]


def _commands() -> Sequence[click.Command]:
    from tinget.commands.identity import people, platform_token

    return [people, platform_token]


IDENTITY = Context(
    "identity",
    aggregates=_aggregates,
    controllers=_controllers,
    provides=lambda app: {"identity": app.identity},
    commands=_commands,
)
