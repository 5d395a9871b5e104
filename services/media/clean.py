"""Making an uploaded image safe to publish: decoded, upright, re-encoded, without metadata.

A phone photo carries where it was taken (EXIF GPS), the camera and its serial number, the
editing software (XMP), sometimes the owner's name; a PNG may carry any text in its chunks. None
of that may reach the public, and bytes that merely start like an image must not be served as
one. So every upload is decoded with Pillow and written again from its pixels alone:

- the EXIF orientation is applied first, so a photo taken sideways is stored upright;
- the colours are converted to sRGB when the image has another ICC profile, then the profile is
  dropped with everything else (EXIF, XMP, comments, PNG text chunks, timestamps);
- the format stays: JPEG is written again as JPEG (quality 85), PNG as PNG (losslessly, with
  its palette and transparency), WebP as WebP (lossless if it was lossless, else quality 85);
- an animated PNG or WebP keeps its first frame only (a still is what a report or a logo
  shows; animations are not taken);
- an image larger than `MAX_SIDE` pixels on a side or `MAX_PIXELS` in all is refused before
  its pixels are decoded (its header says its size), so a small file declaring huge dimensions
  (a decompression bomb) costs nothing. Pillow's own bomb limit is set to the same figure for
  any other decoding in the process.

The work is CPU-bound (tens to hundreds of milliseconds for a phone photo): `clean_image` runs
it in a worker thread, so the event loop keeps serving other requests meanwhile.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from events.errors import InvalidInput
from services.media.images import MAX_IMAGE_BYTES, sniff_image

MAX_SIDE = 8000  # pixels on either side: more than any phone camera or scanner page needs
MAX_PIXELS = 40_000_000  # 40 megapixels, about 160 MB decoded as RGBA: a bound on memory
JPEG_QUALITY = 85  # visually the same for photos, a third of the size of quality 95
WEBP_QUALITY = 85

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # Pillow itself refuses twice this as a bomb on opening

# The sniffed type -> the Pillow decoders allowed to open it, and the format it is saved in.
_FORMATS: dict[str, tuple[list[str], str]] = {
    "image/jpeg": (["JPEG"], "JPEG"),  # the JPEG decoder also opens MPO (multi-picture) files
    "image/png": (["PNG"], "PNG"),
    "image/webp": (["WEBP"], "WEBP"),
}
# The only `info` entry written back: a palette image's transparent index is pixels, not metadata.
_KEPT_INFO = ("transparency",)
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class CleanImage:
    """An image as re-encoded: only pixels, named by the hash of these bytes, not the upload's."""

    content: bytes
    content_type: str
    width: int
    height: int


async def clean_image(
    content: bytes, field: str = "image", max_bytes: int = MAX_IMAGE_BYTES
) -> CleanImage:
    """`clean_image_now` in a worker thread, so decoding never holds up the event loop."""
    return await asyncio.to_thread(clean_image_now, content, field, max_bytes)


def clean_image_now(
    content: bytes, field: str = "image", max_bytes: int = MAX_IMAGE_BYTES
) -> CleanImage:
    """The upload decoded and re-encoded without metadata (see the module's docstring).

    Refuses (naming `field`): empty or oversized content, a type other than JPEG, PNG or WebP
    (`UnsupportedType`, a 415), and content of such a type that does not decode or is too large
    in pixels (`InvalidInput`, a 422).
    """
    content_type = sniff_image(content, field, max_bytes)
    decoders, format_name = _FORMATS[content_type]
    try:
        with Image.open(io.BytesIO(content), formats=decoders) as image:
            _check_size(image.size, field)
            upright = ImageOps.exif_transpose(image)  # loads the first frame's pixels
            pixels = _to_srgb(upright)
            lossless = format_name == "WEBP" and _webp_is_lossless(content)
            encoded = _encode(pixels, format_name, lossless)
    except Image.DecompressionBombError:
        raise InvalidInput(field, f"is too large; {_LIMITS}") from None
    except UnidentifiedImageError:
        raise InvalidInput(field, f"does not decode as {format_name}: not an image") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        # Pillow reports a broken file as any of these, depending on the decoder and the damage,
        # in words of its own: the reason is Tinget's, so it reads in the caller's language
        raise InvalidInput(
            field, f"does not decode as {format_name}: the file is damaged or cut short"
        ) from None
    return CleanImage(encoded, content_type, pixels.width, pixels.height)


_LIMITS = f"at most {MAX_SIDE} pixels on a side and {MAX_PIXELS:,} pixels in all"


def _check_size(size: tuple[int, int], field: str) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise InvalidInput(field, "has no pixels")
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise InvalidInput(field, f"is {width}x{height} pixels; {_LIMITS}")


def _to_srgb(image: Image.Image) -> Image.Image:
    """The pixels in sRGB (what browsers assume without a profile), with no metadata attached."""
    profile = image.info.get("icc_profile")
    if profile and image.mode in {"RGB", "RGBA", "CMYK"}:
        image = _converted(image, profile)
    if image.mode == "CMYK":
        image = image.convert("RGB")
    image.info = {k: v for k, v in image.info.items() if k in _KEPT_INFO}
    return image


def _converted(image: Image.Image, profile: bytes) -> Image.Image:
    """The image converted from its ICC profile to sRGB. A profile that says it is sRGB needs
    no conversion (one costs about 50 ns a pixel); one that cannot be read is dropped as it is:
    the colours may shift a little, which is better than serving the profile's text."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if image.mode != "CMYK" and "srgb" in ImageCms.getProfileDescription(source).lower():
            return image
        alpha = image.getchannel("A") if image.mode == "RGBA" else None
        base = image.convert("RGB") if alpha is not None else image
        converted = ImageCms.profileToProfile(base, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    if converted is None:
        return image
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _encode(image: Image.Image, format_name: str, lossless: bool) -> bytes:
    options: dict[str, Any]
    if format_name == "JPEG":
        if image.mode not in {"L", "RGB"}:
            image = image.convert("RGB")
        options = {"quality": JPEG_QUALITY, "optimize": True}
    elif format_name == "WEBP":
        options = {"lossless": True} if lossless else {"quality": WEBP_QUALITY}
    else:
        options = {}
    if "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    out = io.BytesIO()
    # No exif=, icc_profile=, pnginfo= or comment=: nothing but the pixels is written.
    image.save(out, format=format_name, **options)
    return out.getvalue()


def _webp_is_lossless(content: bytes) -> bool:
    """Whether a WebP file's (first) image is coded losslessly: its first VP8/VP8L chunk."""
    offset = 12  # after "RIFF", the size and "WEBP"
    while offset + 8 <= len(content):
        kind = content[offset : offset + 4]
        if kind == b"VP8L":
            return True
        if kind == b"VP8 ":
            return False
        if kind == b"ANMF":  # an animation frame: its image chunk follows its 16-byte header
            offset += 8 + 16
            continue
        size = int.from_bytes(content[offset + 4 : offset + 8], "little")
        offset += 8 + size + (size & 1)
    return False
