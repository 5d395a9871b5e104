"""A person taking part in a municipality's dialogs, known to the events by an opaque id only;
and the identity providers a municipality signs people in with."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from events.errors import Conflict, NotFound


class Person(Aggregate):
    """Someone with a role in one tenant. Name and e-mail live in the person record, not here."""

    @staticmethod
    def create_id(person_id: UUID, role: str, sign_in: str) -> UUID:
        return person_id

    @event("PersonJoined")
    def __init__(self, person_id: UUID, role: str, sign_in: str) -> None:
        self.role = role
        self.sign_in = sign_in
        self.erased = False

    def erase(self) -> bool:
        """Record the erasure once (its data key is destroyed first); False if it was already."""
        if getattr(self, "erased", False):
            return False
        self._erased()
        return True

    @event("PersonErased")
    def _erased(self) -> None:
        """The person's data key was destroyed: read models show their texts as erased."""
        self.erased = True

    def change_role(self, role: str) -> None:
        if role == self.role:
            raise Conflict(f"the person has the role {role!r} already", field="role")
        self._role_changed(role)

    @event("RoleChanged")
    def _role_changed(self, role: str) -> None:
        self.role = role

    @property
    def language(self) -> str | None:
        """The language the person asked to be spoken to in (None: the municipality's)."""
        return getattr(self, "_language", None)

    def choose_language(self, language: str | None) -> bool:
        """Record the person's language (None: none of their own); the same again records
        nothing and says so."""
        if language == self.language:
            return False
        self._language_chosen(language)
        return True

    @event("PersonLanguageChosen")
    def _language_chosen(self, language: str | None) -> None:
        self._language = language


_NAMESPACE = uuid5(NAMESPACE_URL, "https://tinget.eu/ids/identity")


def sign_in_providers_id(tenant_id: str) -> UUID:
    """The stream of a tenant's identity providers: one per tenant."""
    return uuid5(_NAMESPACE, f"sign-in-providers:{tenant_id}")


class ProviderSettings(msgspec.Struct, frozen=True, kw_only=True):
    """One identity provider a tenant signs people in with (OpenID Connect).

    ``client_secret_sealed`` is the client secret encrypted under a key derived from the
    deployment's secret (``Keys.provider_secret_key``): the event log never holds it in clear.
    ``birth_date_from`` and ``residence_claim`` say where a sign-in's facts for a budget's
    eligibility come from (``services.identity.eligibility``): the ``birthdate`` claim and/or
    the personnummer in ``identity_claim``, tried in that order, and the claim naming where
    the person lives. Neither: the sign-in tells nothing of the kind.
    """

    name: str
    issuer: str
    client_id: str
    client_secret_sealed: str
    signs_in: str  # "staff" or "citizens"
    scopes: tuple[str, ...]
    identity_claim: str | None  # citizens: the claim carrying the national identity number
    birth_date_from: tuple[str, ...] = ()  # "birthdate", "personnummer", in the order tried
    residence_claim: str | None = None  # the claim whose value is where the person lives


class SignInProviders(Aggregate):
    """A tenant's identity providers, as its administrators configured them.

    Created by ``SignInProvidersCreated`` (a bare marker), then each provider is set whole by
    ``SignInProviderConfigured`` (a new one, or every setting of one again) and taken away by
    ``SignInProviderRemoved``.
    """

    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return sign_in_providers_id(tenant_id)

    class SignInProviderConfigured(Aggregate.Event):
        """Version 2 added ``birth_date_from`` and ``residence_claim``; a version 1 provider
        told nothing for eligibility: none and None."""

        class_version = 2
        name: str
        issuer: str
        client_id: str
        client_secret_sealed: str
        signs_in: str
        scopes: tuple[str, ...]
        identity_claim: str | None
        birth_date_from: tuple[str, ...]
        residence_claim: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("birth_date_from", ())
            state.setdefault("residence_claim", None)

    @event("Created")
    def __init__(self, tenant_id: str) -> None:
        self.providers: dict[str, ProviderSettings] = {}

    def configure(self, settings: ProviderSettings) -> None:
        self._configured(
            settings.name,
            settings.issuer,
            settings.client_id,
            settings.client_secret_sealed,
            settings.signs_in,
            settings.scopes,
            settings.identity_claim,
            settings.birth_date_from,
            settings.residence_claim,
        )

    @event(SignInProviderConfigured)
    def _configured(
        self,
        name: str,
        issuer: str,
        client_id: str,
        client_secret_sealed: str,
        signs_in: str,
        scopes: tuple[str, ...],
        identity_claim: str | None,
        birth_date_from: tuple[str, ...],
        residence_claim: str | None,
    ) -> None:
        self.providers[name] = ProviderSettings(
            name=name,
            issuer=issuer,
            client_id=client_id,
            client_secret_sealed=client_secret_sealed,
            signs_in=signs_in,
            scopes=tuple(scopes),
            identity_claim=identity_claim,
            birth_date_from=tuple(birth_date_from),
            residence_claim=residence_claim,
        )

    def remove(self, name: str) -> None:
        if name not in self.providers:
            raise NotFound(f"no sign-in provider {name!r} here")
        self._removed(name)

    @event("SignInProviderRemoved")
    def _removed(self, name: str) -> None:
        self.providers.pop(name, None)
