"""A tenant's identity providers in memory: configured, set again, removed."""

from __future__ import annotations

import json

import pytest

from events.errors import NotFound
from services.identity.domain import ProviderSettings, SignInProviders, sign_in_providers_id
from tests.domain.gwt import CODEC, given, then, then_payloads


def settings(name: str = "idp", **changes: object) -> ProviderSettings:
    fields: dict[str, object] = {
        "name": name,
        "issuer": "https://idp.lund.example",
        "client_id": "tinget",
        "client_secret_sealed": "c2VhbGVk",
        "signs_in": "citizens",
        "scopes": ("openid",),
        "identity_claim": "personal_number",
    }
    fields.update(changes)
    return ProviderSettings(**fields)  # type: ignore[arg-type]


def test_one_stream_a_tenant_and_a_provider_is_set_whole() -> None:
    providers = SignInProviders(tenant_id="lund")
    assert providers.id == sign_in_providers_id("lund") != sign_in_providers_id("malmo")
    providers.configure(settings())
    assert then_payloads(providers)[1] == (
        "SignInProviderConfigured",
        {
            "name": "idp",
            "issuer": "https://idp.lund.example",
            "client_id": "tinget",
            "client_secret_sealed": "c2VhbGVk",
            "signs_in": "citizens",
            "scopes": ("openid",),
            "identity_claim": "personal_number",
            "birth_date_from": (),
            "residence_claim": None,
        },
    )
    again = given(providers)
    assert again.providers == {"idp": settings()}


def test_a_provider_tells_the_facts_a_budget_checks_and_an_older_event_tells_none() -> None:
    providers = SignInProviders(tenant_id="lund")
    told = settings(birth_date_from=("birthdate", "personnummer"), residence_claim="kommun")
    providers.configure(told)
    assert given(providers).providers == {"idp": told}
    # a provider configured before version 2 of the event: it told nothing for eligibility
    definition = CODEC.catalogue.by_name("SignInProviderConfigured")
    assert definition.version == 2
    version_1 = {
        "name": "idp",
        "issuer": "https://idp.lund.example",
        "client_id": "tinget",
        "client_secret_sealed": "c2VhbGVk",
        "signs_in": "citizens",
        "scopes": ["openid"],
        "identity_claim": "personal_number",
        "timestamp": "2026-05-04T09:00:00+00:00",
    }
    event = CODEC.decode(
        "SignInProviderConfigured", json.dumps(version_1).encode(), providers.id, 2
    )
    assert (event.birth_date_from, event.residence_claim) == ((), None)


def test_setting_a_provider_again_replaces_it_and_others_stay() -> None:
    providers = SignInProviders(tenant_id="lund")
    providers.configure(settings())
    providers.configure(settings("staff", signs_in="staff", identity_claim=None))
    providers = given(providers)
    providers.configure(settings(client_id="tinget-2"))
    assert given(providers).providers == {
        "idp": settings(client_id="tinget-2"),
        "staff": settings("staff", signs_in="staff", identity_claim=None),
    }


def test_a_provider_is_removed_and_an_unknown_one_is_not_found() -> None:
    providers = SignInProviders(tenant_id="lund")
    providers.configure(settings())
    providers = given(providers)
    providers.remove("idp")
    assert then(providers) == ["SignInProviderRemoved"]
    providers = given(providers)
    assert providers.providers == {}
    with pytest.raises(NotFound):
        providers.remove("idp")
    assert then(providers) == []
