"""Sign-in with the municipality's identity provider (OpenID Connect) and its configuration."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, put
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect

from gateway.auth import client_address
from gateway.edge import Injected
from gateway.problems import MEDIA_TYPE, _validation, problems
from services.identity.access import Caller
from services.identity.oidc import (
    BROWSER_COOKIE_PATH,
    PAGE_COOKIE_PATH,
    STATE_LIFETIME_SECONDS,
    OidcSignIn,
    ProviderInput,
    ProviderView,
)
from services.identity.tokens import IssuedToken
from tenants.directory import TenantEntry


def _unprocessable(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """A provider's settings that do not fit their schema (an unknown field, a wrong type):
    422 naming the field, as for a value that breaks a rule, so every refusal of the settings
    reads alike."""
    answer = _validation(request, exc)
    body = dict(answer.content)
    body.update(status=422, title="Invalid input")
    return Response(body, status_code=422, media_type=MEDIA_TYPE)


class OidcController(Controller):
    path = "/api/v1"
    tags = ["sign-in and people"]

    @get(
        "/sign-in-providers",
        operation_id="listSignInProviders",
        summary="List the identity providers",
        responses=problems(),
    )
    async def list_providers(
        self,
        oidc: Injected[OidcSignIn],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
    ) -> list[ProviderView]:
        """The municipality's identity providers (administrators), without their client
        secrets, each with the redirect URI to register at the provider."""
        return await oidc.providers(caller, tenant)

    @put(
        "/sign-in-providers/{name:str}",
        operation_id="configureSignInProvider",
        summary="Add or change an identity provider",
        responses=problems(409, 422),
        exception_handlers={ValidationException: _unprocessable},
    )
    async def configure_provider(
        self,
        oidc: Injected[OidcSignIn],
        caller: NamedDependency[Caller],
        tenant: NamedDependency[TenantEntry],
        name: FromPath[str],
        data: JSONBody[ProviderInput],
    ) -> ProviderView:
        """Set an OpenID Connect provider of the municipality (administrators): its issuer
        (https, a public host), client id and client secret (write-only: kept sealed, never
        answered; left out of a change, the one set before is kept), whom it signs in
        (``staff``: by their verified e-mail address, or ``citizens``: by the claim named in
        ``identity_claim`` that carries the national identity number) and its scopes; for
        participatory budgets' minimum age and residence list, where a sign-in's date of
        birth comes from (``birth_date_from``: ``birthdate``, the standard claim, and/or
        ``personnummer``, read from ``identity_claim``, tried in the order given) and the
        claim naming where the person lives (``residence_claim``). A value that breaks a
        rule, or a field this operation does not take, is answered 422 naming the field."""
        return await oidc.configure(caller, tenant, name, data)

    @delete(
        "/sign-in-providers/{name:str}",
        operation_id="removeSignInProvider",
        summary="Remove an identity provider",
        responses=problems(409),
        status_code=204,
    )
    async def remove_provider(
        self,
        oidc: Injected[OidcSignIn],
        caller: NamedDependency[Caller],
        name: FromPath[str],
    ) -> None:
        """Stop signing people in with a provider (administrators); sign-ins under way with
        it are refused when they come back."""
        await oidc.remove(caller, name)

    @get(
        "/sign-in/oidc/callback",
        operation_id="finishOidcSignIn",
        summary="Finish signing in with an identity provider",
        responses=problems(401, 403, 429),
    )
    async def finish(
        self,
        oidc: Injected[OidcSignIn],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        code: Annotated[
            str,
            QueryParameter(description="The code the provider gave", min_length=1, max_length=2000),
        ],
        sign_in_state: Annotated[
            str,
            QueryParameter(
                name="state",
                description="The state the sign-in began with",
                min_length=1,
                max_length=200,
            ),
        ],
    ) -> IssuedToken:
        """Trade the ``code`` and ``state`` the identity provider sent the browser back with
        (to the municipality's page ``/sign-in/oidc/callback``) for a token pair. Each state
        works once, for ten minutes; the provider's ID token must verify (signature, issuer,
        audience, times, nonce). Staff are found by their verified e-mail address (403 when
        no staff member has it); citizens by their national identity number, one person per
        number. The tokens are answered as JSON, never in a URL. Where the provider's settings
        ask for them, the date of birth and the residence claim's value ride in the tokens,
        sealed (only Tinget reads them, for a budget's ballot), and are kept nowhere else."""
        return await oidc.finish(
            tenant, code, sign_in_state, client_address(request), request.cookies
        )

    @get(
        "/sign-in/oidc/{provider:str}",
        operation_id="startOidcSignIn",
        summary="Sign in with an identity provider",
        responses=problems(429),
        status_code=303,
    )
    async def start(
        self,
        oidc: Injected[OidcSignIn],
        tenant: NamedDependency[TenantEntry],
        request: Request[Any, Any, Any],
        provider: FromPath[str],
    ) -> Redirect:
        """Send the browser to the municipality's identity provider ``provider`` (its
        authorization endpoint, with PKCE, a state and a nonce kept here); it comes back to
        the municipality's page ``/sign-in/oidc/callback``. Another municipality's provider
        is not known on this host (404)."""
        started = await oidc.start(tenant, provider, client_address(request))
        binding = [
            Cookie(
                key=started.cookie_name,
                value=started.cookie_value,
                path=path,
                max_age=STATE_LIFETIME_SECONDS,
                httponly=True,
                secure=request.url.scheme == "https",
                samesite="lax",  # sent when the provider sends the browser back, not to others
            )
            for path in (BROWSER_COOKIE_PATH, PAGE_COOKIE_PATH)
        ]
        return Redirect(started.authorization_url, status_code=303, cookies=binding)
