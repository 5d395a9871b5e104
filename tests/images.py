"""Real images for the tests, made with Pillow: uploads are decoded, so fake bytes no longer do."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from fractions import Fraction
from typing import Any

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112
MAKE = 0x010F
# A position in central Lund, as a phone writes it: degrees, minutes, seconds.
LATITUDE = (55.0, 42.0, 17.31)
LONGITUDE = (13.0, 11.0, 27.47)


def encode(image: Image.Image, format_name: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format_name, **options)
    return out.getvalue()


def seeded(seed: str, size: tuple[int, int] = (4, 4)) -> Image.Image:
    """A small RGB image whose pixels (and so whose encoded bytes) differ by ``seed``."""
    width, height = size
    digest = hashlib.sha256(seed.encode()).digest()
    pixels = (digest * (3 * width * height // len(digest) + 1))[: 3 * width * height]
    return Image.frombytes("RGB", size, pixels)


def png(seed: str) -> bytes:
    """A small PNG whose bytes (and so whose id) differ by ``seed``."""
    return encode(seeded(seed), "PNG")


def jpeg(seed: str) -> bytes:
    return encode(seeded(seed, (16, 16)), "JPEG", quality=90)


def webp(seed: str) -> bytes:
    return encode(seeded(seed, (16, 16)), "WEBP", lossless=True)


def exif_with_gps(orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it: the camera, the place it was taken, maybe its orientation."""
    exif = Image.Exif()
    exif[MAKE] = "Tattletale Phone"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: LATITUDE, 3: "E", 4: LONGITUDE})
    if orientation is not None:
        exif[ORIENTATION] = orientation
    return exif


def gps_rationals() -> list[bytes]:
    """The GPS seconds as EXIF stores them (unsigned rationals, in either byte order): what
    must not be found in served bytes."""
    found = []
    for value in (LATITUDE[2], LONGITUDE[2]):
        fraction = Fraction(value).limit_denominator(1_000_000)  # as Pillow writes a float
        for order in (">", "<"):
            found.append(struct.pack(f"{order}II", fraction.numerator, fraction.denominator))
    return found


def photo_with_gps(size: tuple[int, int] = (64, 32), orientation: int | None = None) -> bytes:
    """A JPEG carrying EXIF GPS tags (and an orientation tag when given)."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # left half blue
    return encode(image, "JPEG", exif=exif_with_gps(orientation), quality=95)


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )
