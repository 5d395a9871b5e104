"""Identity: people, their sign-in and roles (read by the services' own records)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from services.identity.domain import Person
from tinget.contexts.base import Context

if TYPE_CHECKING:
    import click


def _controllers() -> Sequence[type]:
    from gateway.identity import IdentityController
    from gateway.privacy import PrivacyController

    return [IdentityController, PrivacyController]


def _commands() -> Sequence[click.Command]:
    from tinget.commands.identity import people, platform_token

    return [people, platform_token]


IDENTITY = Context(
    "identity",
    aggregates=(Person,),
    controllers=_controllers,
    provides=lambda app: {"identity": app.identity},
    commands=_commands,
)
