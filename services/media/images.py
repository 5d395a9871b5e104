"""Uploaded images: what counts as one, and the shape of a store that keeps them per tenant.

Citizens upload photos with problem reports and posts, and tenants upload their logo. The type
is always read from the bytes themselves, never from a file name or a Content-Type header a
client chose, so the gateway only ever serves PNG, JPEG or WebP under the type it really is.
What reaches a store has been decoded and re-encoded without metadata first
(`services.media.clean`, through `services.media.uploads.ImageUploads`); a store only checks
the type again, cheaply, and keeps the bytes it is given.
"""

from __future__ import annotations

import re
from typing import Protocol

import msgspec

from events.errors import InvalidInput, UnsupportedType

MAX_IMAGE_BYTES = 5 * 1024 * 1024

# (signature, offset, content type); WebP is a RIFF container whose form type is WEBP.
_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"WEBP", 8, "image/webp"),
)

# Tenant ids become a folder name or a key prefix: only characters that cannot escape either.
_TENANT_ID = re.compile(r"[a-z0-9_][a-z0-9_-]{0,62}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


def image_type(content: bytes) -> str | None:
    """The image type the bytes start with, or None when they are no PNG, JPEG or WebP."""
    for signature, offset, content_type in _SIGNATURES:
        if content[offset : offset + len(signature)] == signature and (
            content_type != "image/webp" or content[:4] == b"RIFF"
        ):
            return content_type
    return None


def sniff_image(content: bytes, field: str = "image", max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """The type an uploaded image claims by its first bytes, refusing empty, oversized and
    non-image content (`UnsupportedType`). That the bytes decode is `clean.clean_image`'s check."""
    if not content:
        raise InvalidInput(field, "is empty")
    if len(content) > max_bytes:
        raise InvalidInput(field, f"is {len(content)} bytes; at most {max_bytes}")
    content_type = image_type(content)
    if content_type is None:
        raise UnsupportedType(field, "must be a PNG, JPEG or WebP image")
    return content_type


def check_tenant_id(value: str) -> str:
    """The tenant id, if it is one (a slug or `_platform`); ValueError for anything else."""
    if not _TENANT_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a tenant id (lowercase letters, digits, - and _)")
    return value


def is_sha256(value: str) -> bool:
    """Whether `value` is a SHA-256 hex digest as stores name images (64 lowercase hex)."""
    return _SHA256.fullmatch(value) is not None


class StoredImage(msgspec.Struct, frozen=True):
    """An image as kept: named by the SHA-256 of its bytes, with its sniffed type and size."""

    sha256: str
    content_type: str
    size: int


class ImageStore(Protocol):
    """Images kept per tenant and content-addressed: one tenant can never read another's.

    `start` and `close` bracket the store's use (a bucket store holds one client open);
    for stores that need nothing they do nothing.
    """

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def put(self, tenant_id: str, content: bytes) -> StoredImage:
        """Keep the image (after sniffing it); putting the same bytes again is harmless.
        Callers pass cleaned bytes (`services.media.clean`), never an upload as it came."""
        ...

    async def get(self, tenant_id: str, sha256: str) -> tuple[str, bytes] | None:
        """The content type and bytes of the tenant's image, or None when it has no such one."""
        ...

    async def exists(self, tenant_id: str, sha256: str) -> bool:
        """Whether the tenant has this image, without reading its bytes."""
        ...
