"""A tenant's branding, as JSON and its logo as a cacheable asset."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from gateway.content import IMAGE_ANSWERS, NOT_MODIFIED, alternative_answers_operation
from gateway.problems import ProblemError, problems
from tenants.directory import TenantEntry
from tinget.bootstrap import AppPlatform


class Branding(msgspec.Struct, kw_only=True):
    tenant: str
    name: str
    default_language: str
    primary_colour: str | None
    secondary_colour: str | None
    background_colour: str | None
    background_image_url: str | None
    welcome_text: str | None
    logo_url: str | None


class BrandingController(Controller):
    path = "/api/v1/branding"
    tags = ["branding"]

    @get(
        "/",
        operation_id="getBranding",
        summary="Read the municipality's branding",
        responses=problems(),
        sync_to_thread=False,
    )
    def branding(self, tenant: NamedDependency[TenantEntry]) -> Response[Branding]:
        """The municipality's name, colours, images and welcome text for its pages."""
        body = Branding(
            tenant=tenant.tenant_id,
            name=tenant.name,
            default_language=tenant.default_language,
            primary_colour=tenant.primary_colour,
            secondary_colour=tenant.secondary_colour,
            background_colour=tenant.background_colour,
            background_image_url=tenant.background_image_url,
            welcome_text=tenant.welcome_text,
            logo_url=f"/api/v1/branding/logo?v={tenant.logo_sha256[:16]}"
            if tenant.logo_sha256
            else None,
        )
        return Response(body, headers={"Cache-Control": "public, max-age=60"})

    @get(
        "/logo",
        operation_id="getLogo",
        summary="Download the municipality's logo",
        media_type="application/octet-stream",
        responses={**problems(), 304: NOT_MODIFIED},
        operation_class=alternative_answers_operation("200", IMAGE_ANSWERS),
    )
    async def logo(
        self, tenant: NamedDependency[TenantEntry], state: State, request: Request[Any, Any, Any]
    ) -> Response[bytes]:
        """The logo, with an ETag of its content hash; answers 304 when the client has it."""
        if not tenant.logo_sha256:
            raise ProblemError(404, "No logo", f"{tenant.name} has no logo", kind="not-found")
        etag = f'"{tenant.logo_sha256}"'
        headers = {"ETag": etag, "Cache-Control": "public, max-age=300, must-revalidate"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=304, headers=headers)
        platform: AppPlatform = state.platform
        found = await platform.assets.get(tenant.tenant_id, tenant.logo_sha256)
        if found is None:
            raise ProblemError(404, "No logo", "the logo's bytes are missing", kind="not-found")
        content_type, content = found
        return Response(content, media_type=content_type, headers=headers)
