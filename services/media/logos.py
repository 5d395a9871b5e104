"""A municipality's logo: checked and re-encoded as participants' images are (see
``services.media.clean``), held to a smaller size. The tenant service gets ``clean_logo``
from the composition root."""

from __future__ import annotations

from services.media import images as media_images
from services.media.clean import CleanImage, clean_image

MAX_LOGO_BYTES = 512 * 1024


def sniff_image(content: bytes, field: str = "logo") -> str:
    """The logo's image type, read from its bytes; logos are held to a smaller size."""
    return media_images.sniff_image(content, field, max_bytes=MAX_LOGO_BYTES)


async def clean_logo(content: bytes, field: str = "logo") -> CleanImage:
    """The logo decoded and re-encoded without metadata, held to the smaller logo size."""
    return await clean_image(content, field, max_bytes=MAX_LOGO_BYTES)
