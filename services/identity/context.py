"""Identity: people, their sign-in and roles (read by the services' own records)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from events.contexts import Context

if TYPE_CHECKING:
    import asyncpg
    from eventsourcing.domain import Aggregate

    from events.codec import Codec
    from events.projection import Projection
    from events.repository import Repository
    from services.identity.keys import Keys
    from services.identity.oidc import OidcSignIn
    from services.identity.service import IdentityService


class _Console(Protocol):
    @property
    def platform_url(self) -> str | None: ...


class Needs(Protocol):
    """What the context's read models and handlers are made from."""

    identity: IdentityService
    app_pool: asyncpg.Pool
    codec: Codec
    repository: Repository
    keys: Keys

    @property
    def addresses(self) -> _Console: ...


def _provides(app: Needs) -> Mapping[str, object]:
    from services.identity.platform_staff import PlatformStaff

    return {
        "identity": app.identity,
        "oidc": _oidc(app),
        "platform_staff": PlatformStaff(app.identity, app.addresses.platform_url),
    }


def _aggregates() -> Sequence[type[Aggregate]]:
    from services.identity.domain import Person, SignInProviders

    return (Person, SignInProviders)


def _read_models(app: Needs) -> Sequence[Projection]:
    from services.identity.languages import PersonLanguages

    return [PersonLanguages(app.codec)]


def _oidc(app: Needs) -> OidcSignIn:
    """Sign-in with the tenants' identity providers, made once: it caches their metadata."""
    from services.identity.oidc import OidcSignIn, loopback_allowed_by_environment

    return OidcSignIn(
        app.app_pool,
        app.repository,
        app.keys,
        app.identity,
        allow_http_loopback=loopback_allowed_by_environment(),
    )


IDENTITY = Context[Needs](
    "identity",
    package="services.identity",
    aggregates=_aggregates,
    read_models=_read_models,
    controller_paths=(
        "gateway.identity:IdentityController",
        "gateway.privacy:PrivacyController",
        "gateway.oidc:OidcController",
        "gateway.pages:PagesController",
    ),
    provides=_provides,
    command_paths=(
        "tinget.commands.identity:people",
        "tinget.commands.identity:platform_token",
        "tinget.commands.platform:platform_staff",
    ),
)
