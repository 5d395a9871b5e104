"""Images: uploaded by participants (re-encoded without metadata), served with cache headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from events.errors import Unavailable
from gateway.content import (
    IMAGE_ANSWERS,
    NOT_MODIFIED,
    alternative_answers_operation,
    raw_body_operation,
)
from gateway.edge import Injected
from gateway.problems import ProblemError, problems
from services.dialogs.service import DialogService
from services.identity.access import Caller
from services.media.images import MAX_IMAGE_BYTES, ImageStore, is_sha256
from services.media.storage import ImageStoreUnavailable
from services.media.uploads import ImageUploads
from services.media.visibility import ImageShowings
from tenants.directory import TenantEntry

# What an upload may be sent as; the type itself is read from the bytes.
UPLOAD_TYPES = ("image/jpeg", "image/png", "image/webp", "application/octet-stream")


class UploadedImage(msgspec.Struct, kw_only=True):
    id: str  # the SHA-256 of the stored (re-encoded) bytes: refer to the image by it in a post
    content_type: str
    size: int
    url: str


async def _publicly_shown(
    showings: ImageShowings,
    dialogs: DialogService,
    tenant_id: str,
    image_id: str,
    viewer: Caller | None,
) -> bool:
    """Whether the image may sit in shared caches: shown in an open dialog's post, or in none.
    One shown only in invite-only dialogs is a 404 to a viewer who sees none of them."""
    shown_in = await showings.dialogs(tenant_id, image_id)
    if not shown_in or any(access != "invited" for _, access in shown_in):
        return True
    for dialog_id, _ in shown_in:
        if await dialogs.admitted(viewer, dialog_id):
            return False
    raise ProblemError(404, "No image", "no image has this id", kind="not-found")


class ImageController(Controller):
    path = "/api/v1/images"
    tags = ["images"]

    @post(
        "/",
        operation_id="uploadImage",
        summary="Upload an image",
        responses=problems(422, 429),
        status_code=201,
        request_max_body_size=MAX_IMAGE_BYTES,  # a larger body is a 413
        opt={"accepts": UPLOAD_TYPES},  # any other content type is a 415 (gateway.content)
        operation_class=raw_body_operation(
            *UPLOAD_TYPES, description="The image's bytes: JPEG, PNG or WebP, at most 5 MiB"
        ),
    )
    async def upload(
        self,
        uploads: Injected[ImageUploads],
        caller: NamedDependency[Caller],
        request: Request[Any, Any, Any],
    ) -> UploadedImage:
        """Upload a JPEG, PNG or WebP image (the raw bytes as the body), at most 5 MiB and
        8000 pixels on a side. It is stored re-encoded, upright and without any metadata (no
        EXIF, GPS position, XMP or text); its id is the hash of the stored bytes. 415 for
        another type, 422 for bytes that do not decode, 429 after (by default) 30 uploads in
        10 minutes, 403 for a blocked participant."""
        content = await request.body()
        try:
            stored = await uploads.upload(caller, content, "body")
        except ImageStoreUnavailable:
            raise Unavailable("the image store does not answer; try again") from None
        return UploadedImage(
            id=stored.sha256,
            content_type=stored.content_type,
            size=stored.size,
            url=f"/api/v1/images/{stored.sha256}",
        )

    @get(
        "/{image_id:str}",
        operation_id="getImage",
        summary="Download an image",
        media_type="application/octet-stream",
        responses={**problems(), 304: NOT_MODIFIED},
        operation_class=alternative_answers_operation("200", IMAGE_ANSWERS),
    )
    async def image(
        self,
        images: Injected[ImageStore],
        image_showings: Injected[ImageShowings],
        dialogs: Injected[DialogService],
        tenant: NamedDependency[TenantEntry],
        viewer: NamedDependency[Caller | None],
        request: Request[Any, Any, Any],
        image_id: FromPath[str],
    ) -> Response[bytes]:
        """An image; its id is its content hash, so it never changes and caches for a year.
        No token is needed, but one that is sent must be valid here (401 otherwise). An image
        shown only in invite-only dialogs is served only to those who see one of them, and
        kept out of shared caches."""
        missing = ProblemError(404, "No image", "no image has this id", kind="not-found")
        if not is_sha256(image_id):
            raise missing
        shared = await _publicly_shown(image_showings, dialogs, tenant.tenant_id, image_id, viewer)

        async def fetch() -> tuple[str, bytes] | None:
            try:
                return await images.get(tenant.tenant_id, image_id)
            except ImageStoreUnavailable:
                raise Unavailable("the image store does not answer; try again") from None

        return await content_addressed(request, image_id, fetch, shared=shared, missing=missing)


async def content_addressed(
    request: Request[Any, Any, Any],
    sha256: str,
    fetch: Callable[[], Awaitable[tuple[str, bytes] | None]],
    *,
    shared: bool,
    missing: ProblemError,
) -> Response[bytes]:
    """A picture whose id is its content hash: it never changes, so it caches for a year
    (``shared``: in shared caches too), and a client that has it gets 304 before its bytes are
    read; ``fetch`` gives (content type, bytes), or None for ``missing``."""
    headers = {
        "ETag": f'"{sha256}"',
        "Cache-Control": f"{'public' if shared else 'private'}, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
    }
    if f'"{sha256}"' in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=304, headers=headers)
    found = await fetch()
    if found is None:
        raise missing
    content_type, content = found
    return Response(content, media_type=content_type, headers=headers)
