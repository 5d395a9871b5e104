"""Images: sniffing by content, cleaning (decoded, upright, re-encoded without metadata), the
folder and bucket stores' shared behaviour, and uploads over HTTP.

The bucket store runs against a real S3 server (moto's, over HTTP), so what is tested is what
aiobotocore sends and what an S3 server answers.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from moto.server import ThreadedMotoServer
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from events.errors import InvalidInput, UnsupportedType
from gateway import problem_texts
from services.identity.access import Role
from services.identity.service import Limits
from services.media import logos as assets
from services.media.clean import MAX_PIXELS, MAX_SIDE, clean_image, clean_image_now
from services.media.images import MAX_IMAGE_BYTES, ImageStore, StoredImage, sniff_image
from services.media.storage import (
    ImageStoreUnavailable,
    LocalFolderImageStore,
    S3ImageStore,
    image_store_from_url,
)
from tests.api import Town, device_token, staff_token
from tests.images import (
    GPS_IFD,
    ORIENTATION,
    encode,
    exif_with_gps,
    gps_rationals,
    photo_with_gps,
    png,
    png_declaring,
    seeded,
)
from tinget.bootstrap import Addresses, Platform

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(32))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(32))
WEBP = b"RIFF" + (36).to_bytes(4, "little") + b"WEBPVP8 " + bytes(range(28))
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


# --- sniffing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
def test_images_are_recognised_by_their_bytes(content: bytes, content_type: str) -> None:
    assert sniff_image(content) == content_type


def test_an_image_of_exactly_the_limit_is_accepted() -> None:
    content = PNG + b"\x00" * (MAX_IMAGE_BYTES - len(PNG))
    assert sniff_image(content) == "image/png"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is empty"),
        (PNG + b"\x00" * (MAX_IMAGE_BYTES + 1 - len(PNG)), f"{MAX_IMAGE_BYTES + 1} bytes"),
        (b"GIF89a\x01\x00\x01\x00" + bytes(16), "must be a PNG, JPEG or WebP image"),
        (b"just some text, not a picture", "must be a PNG, JPEG or WebP image"),
        (b"RIFX\x00\x00\x00\x00WEBPVP8 ", "must be a PNG, JPEG or WebP image"),
    ],
    ids=["empty", "too-large", "gif", "text", "webp-without-riff"],
)
def test_other_content_is_refused_naming_the_field(content: bytes, reason: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        sniff_image(content, field="photo")
    assert refused.value.field == "photo"
    assert reason in refused.value.reason
    # another type is a 415 at the gateway; empty or too large is a 422 (or a 413 before it)
    assert isinstance(refused.value, UnsupportedType) == ("PNG, JPEG or WebP" in reason)


def test_the_size_refusal_names_the_limit() -> None:
    with pytest.raises(InvalidInput) as refused:
        sniff_image(PNG, max_bytes=10)
    assert refused.value.field == "image"
    assert refused.value.reason == f"is {len(PNG)} bytes; at most 10"


def test_a_logo_is_held_to_the_smaller_logo_limit() -> None:
    logo = PNG + b"\x00" * assets.MAX_LOGO_BYTES
    assert sniff_image(logo) == "image/png"  # fine as a photo
    with pytest.raises(InvalidInput) as refused:
        assets.sniff_image(logo)
    assert refused.value.field == "logo"
    assert f"at most {assets.MAX_LOGO_BYTES}" in refused.value.reason
    assert assets.sniff_image(WEBP) == "image/webp"


# --- cleaning: decoded, upright, re-encoded without metadata ------------------------------


def _open(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


def test_a_photo_loses_its_exif_and_gps_position() -> None:
    photo = photo_with_gps()
    assert _open(photo).getexif().get_ifd(GPS_IFD)  # the upload does carry a position
    assert any(value in photo for value in gps_rationals())
    assert b"Tattletale" in photo

    cleaned = clean_image_now(photo, "photo")

    served = _open(cleaned.content)
    assert served.format == "JPEG"
    assert cleaned.content_type == "image/jpeg"
    assert dict(served.getexif()) == {}
    assert GPS_IFD not in served.getexif()
    assert not served.getexif().get_ifd(GPS_IFD)
    assert "exif" not in served.info
    assert not any(value in cleaned.content for value in gps_rationals())
    assert b"Tattletale" not in cleaned.content
    assert b"Exif\x00\x00" not in cleaned.content
    assert (cleaned.width, cleaned.height) == served.size == (64, 32)


@pytest.mark.parametrize(
    ("orientation", "size", "blue_at"),
    [
        (1, (64, 32), (4, 16)),  # as stored: the left half is blue
        (3, (64, 32), (60, 16)),  # upside down: blue ends up on the right
        (6, (32, 64), (16, 4)),  # turned a quarter clockwise: blue on top
        (8, (32, 64), (16, 60)),  # a quarter anticlockwise: blue at the bottom
    ],
)
def test_a_photo_is_turned_upright_by_its_orientation_tag(
    orientation: int, size: tuple[int, int], blue_at: tuple[int, int]
) -> None:
    cleaned = _open(clean_image_now(photo_with_gps((64, 32), orientation)).content)
    assert cleaned.size == size
    assert ORIENTATION not in cleaned.getexif()  # applied, not left for the browser
    red, green, blue = cleaned.convert("RGB").getpixel(blue_at)  # type: ignore[misc]
    assert blue > 150 > red, (red, green, blue)


def test_a_png_loses_its_text_chunks_exif_and_profile_but_keeps_its_pixels() -> None:
    image = Image.new("RGBA", (24, 12), (10, 120, 200, 128))
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Anna Andersson, Storgatan 1")
    text.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>GPSLatitude 55,42.29N</x:xmpmeta>")
    text.add_text("Comment", "secret", zip=True)
    source = encode(image, "PNG", pnginfo=text, exif=exif_with_gps(), icc_profile=SRGB)
    assert b"Andersson" in source
    assert b"iCCP" in source
    assert b"eXIf" in source

    cleaned = clean_image_now(source)

    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP", b"tIME"):
        assert chunk not in cleaned.content, chunk
    assert b"Andersson" not in cleaned.content
    served = _open(cleaned.content)
    assert (served.format, served.mode, served.size) == ("PNG", "RGBA", (24, 12))
    assert served.tobytes() == image.tobytes()  # PNG stays lossless
    assert dict(served.getexif()) == {}


def test_a_palette_png_keeps_its_transparency() -> None:
    image = Image.new("P", (8, 8), 1)
    image.putpalette([255, 0, 0, 0, 255, 0])
    image.paste(0, (0, 0, 4, 8))
    source = encode(image, "PNG", transparency=0)
    served = _open(clean_image_now(source).content)
    assert served.mode == "P"
    assert served.info.get("transparency") == 0
    assert served.convert("RGBA").getpixel((0, 0)) == (255, 0, 0, 0)
    assert served.convert("RGBA").getpixel((7, 0)) == (0, 255, 0, 255)


@pytest.mark.parametrize("lossless", [True, False])
def test_a_webp_loses_exif_and_xmp_and_stays_as_lossless_as_it_was(lossless: bool) -> None:
    image = seeded("webp", (16, 16))
    source = encode(
        image,
        "WEBP",
        lossless=lossless,
        exif=exif_with_gps(),
        xmp=b"<x:xmpmeta>secret place</x:xmpmeta>",
        icc_profile=SRGB,
    )
    assert b"secret place" in source
    assert b"Tattletale" in source

    cleaned = clean_image_now(source)

    assert cleaned.content_type == "image/webp"
    for marker in (b"EXIF", b"XMP ", b"ICCP", b"secret place", b"Tattletale"):
        assert marker not in cleaned.content, marker
    served = _open(cleaned.content)
    assert served.format == "WEBP"
    assert dict(served.getexif()) == {}
    assert (b"VP8L" in cleaned.content) == lossless
    if lossless:
        assert served.convert("RGB").tobytes() == image.tobytes()


def test_a_jpeg_loses_its_comment_and_colour_profile() -> None:
    source = encode(seeded("p", (16, 16)), "JPEG", comment=b"shot at home", icc_profile=SRGB)
    cleaned = clean_image_now(source)
    served = _open(cleaned.content)
    assert "icc_profile" not in served.info
    assert "comment" not in served.info
    assert b"shot at home" not in cleaned.content


# The sRGB profile under another name: a profile the cleaning must convert from, not skip.
OTHER_RGB = SRGB.replace("sRGB".encode("utf-16-be"), "xRGB".encode("utf-16-be"))


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modes of the images converted from a colour profile to sRGB, as they happen."""
    seen: list[str] = []
    convert = ImageCms.profileToProfile

    def spy(image: Image.Image, *args: Any, **kwargs: Any) -> Image.Image | None:
        seen.append(image.mode)
        return convert(image, *args, **kwargs)

    monkeypatch.setattr(ImageCms, "profileToProfile", spy)
    return seen


@pytest.mark.parametrize(
    ("mode", "format_name", "profile", "converted"),
    [
        ("RGB", "JPEG", OTHER_RGB, ["RGB"]),
        ("RGBA", "PNG", OTHER_RGB, ["RGB"]),  # the alpha channel is set aside and put back
        ("RGB", "JPEG", SRGB, []),  # sRGB already: only the profile is dropped
        ("RGB", "PNG", b"not a colour profile at all", []),  # unreadable: dropped as it is
    ],
)
def test_a_colour_profile_is_applied_then_dropped(
    conversions: list[str], mode: str, format_name: str, profile: bytes, converted: list[str]
) -> None:
    colour = (10, 200, 30, 100)[: len(mode)]
    source = encode(Image.new(mode, (8, 8), colour), format_name, icc_profile=profile)
    assert _open(source).info["icc_profile"] == profile

    cleaned = clean_image_now(source)

    served = _open(cleaned.content)
    assert conversions == converted
    assert "icc_profile" not in served.info
    assert b"iCCP" not in cleaned.content
    assert profile not in cleaned.content
    assert served.mode == mode
    pixel = served.getpixel((4, 4))
    assert isinstance(pixel, tuple)
    assert all(abs(a - b) <= 3 for a, b in zip(pixel, colour, strict=True)), pixel


def test_a_cmyk_jpeg_is_served_as_rgb() -> None:
    source = encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG")
    served = _open(clean_image_now(source).content)
    assert (served.format, served.mode) == ("JPEG", "RGB")
    red, green, blue = served.getpixel((4, 4))  # type: ignore[misc]
    assert red > 200 > 60 > max(green, blue)


@pytest.mark.parametrize("format_name", ["PNG", "WEBP"])
def test_an_animated_image_keeps_only_its_first_frame(format_name: str) -> None:
    frames = [Image.new("RGB", (8, 8), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    source = encode(frames[0], format_name, save_all=True, append_images=frames[1:], lossless=True)
    assert getattr(_open(source), "n_frames", 1) == 2

    served = _open(clean_image_now(source).content)

    assert getattr(served, "n_frames", 1) == 1
    assert served.convert("RGB").getpixel((4, 4)) == (255, 0, 0)


def _half(content: bytes) -> bytes:
    """The first half of a file: cut off in the middle of its pixels."""
    return content[: len(content) // 2]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"\xff\xd8\xff" + b"garbage, not a picture" * 8, "does not decode as JPEG"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "does not decode as PNG"),
        (PNG, "does not decode as PNG"),
        (WEBP, "does not decode as WEBP"),
        (_half(encode(seeded("cut", (64, 64)), "JPEG")), "does not decode as JPEG"),
        (_half(encode(seeded("cut", (64, 64)), "PNG")), "does not decode as PNG"),
    ],
    ids=["jpeg-magic-and-garbage", "png-magic-and-zeros", "png", "webp", "cut-jpeg", "cut-png"],
)
def test_bytes_that_only_look_like_an_image_are_refused(content: bytes, says: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_image_now(content, "photo")
    assert refused.value.field == "photo"
    # Tinget's own reason, never Pillow's words, so it reads in the caller's language
    assert refused.value.reason in (
        f"{says}: not an image",
        f"{says}: the file is damaged or cut short",
    )
    assert problem_texts.reason(refused.value.reason, "sv") not in (None, refused.value.reason)
    assert not isinstance(refused.value, UnsupportedType)  # a 422: it claims to be an image


def test_a_cut_off_upload_is_refused_after_a_report_was_made_in_the_process() -> None:
    """Importing WeasyPrint (the committee report's PDF) sets Pillow's process-wide
    ``LOAD_TRUNCATED_IMAGES``, under which a cut-off image decodes as grey pixels; the report
    undoes it, so uploads are still checked whole after any report."""
    from services.analysis.report import render_pdf

    assert render_pdf("<p>Rapport</p>").startswith(b"%PDF")
    with pytest.raises(InvalidInput, match="does not decode as JPEG"):
        clean_image_now(_half(encode(seeded("cut", (64, 64)), "JPEG")), "photo")


def test_another_type_is_refused_as_unsupported() -> None:
    gif = encode(Image.new("RGB", (4, 4)), "GIF")
    with pytest.raises(UnsupportedType) as refused:
        clean_image_now(gif, "photo")
    assert refused.value.field == "photo"


@pytest.mark.parametrize(
    ("width", "height"),
    [(100_000, 100_000), (1_000_000, 1), (MAX_SIDE + 1, 1), (1, MAX_SIDE + 1)],
)
def test_an_image_declaring_too_many_pixels_is_refused_before_decoding(
    width: int, height: int
) -> None:
    bomb = png_declaring(width, height)
    assert len(bomb) < 200
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        clean_image_now(bomb, "photo")
    assert time.perf_counter() - started < 0.5
    assert refused.value.field == "photo"
    assert "too large" in refused.value.reason or "pixels" in refused.value.reason


def test_an_image_over_the_pixel_count_but_within_the_sides_is_refused() -> None:
    side = 7000  # 49 megapixels: within 8000 a side, over 40 in all
    assert side <= MAX_SIDE
    assert side * side > MAX_PIXELS
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(InvalidInput) as refused:
        clean_image_now(png_declaring(side, side), "photo")
    assert f"{side}x{side} pixels" in refused.value.reason


async def test_cleaning_runs_off_the_event_loop() -> None:
    """While a large photo is decoded and encoded, the event loop keeps running."""
    large = encode(Image.effect_noise((3000, 2000), 64).convert("RGB"), "JPEG", quality=95)
    ticks = 0
    done = asyncio.Event()

    async def tick() -> None:
        nonlocal ticks
        while not done.is_set():
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.perf_counter()
    cleaned = await clean_image(large, max_bytes=len(large))
    took = time.perf_counter() - started
    done.set()
    await ticker
    assert cleaned.width == 3000
    assert took > 0.05  # long enough that a blocked loop would have missed its ticks
    assert ticks >= 3, (ticks, took)


# --- the stores --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A real S3 server on a free local port, with the credentials the AWS SDKs read."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("AWS_ACCESS_KEY_ID", "testing")
        env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            yield f"http://{host}:{port}"
        finally:
            server.stop()


def _bucket_store(endpoint: str, bucket: str | None = None) -> S3ImageStore:
    return S3ImageStore(
        bucket or f"images-{uuid.uuid4().hex[:12]}",
        endpoint_url=endpoint,
        region="eu-north-1",
        access_key_id="testing",
        secret_access_key="testing",
    )


@pytest.fixture
async def s3_store(s3_endpoint: str) -> AsyncIterator[S3ImageStore]:
    async with _bucket_store(s3_endpoint) as store:
        await store.ensure_bucket()
        yield store


@pytest.fixture(params=["folder", "bucket"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ImageStore]:
    if request.param == "folder":
        folder = LocalFolderImageStore(tmp_path / "images")
        await folder.start()
        yield folder
        await folder.close()
    else:
        async with _bucket_store(request.getfixturevalue("s3_endpoint")) as bucket:
            await bucket.ensure_bucket()
            yield bucket


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")],
)
async def test_an_image_comes_back_with_its_type(
    store: ImageStore, content: bytes, content_type: str
) -> None:
    stored = await store.put("lund-kommun", content)
    assert stored == StoredImage(hashlib.sha256(content).hexdigest(), content_type, len(content))
    assert await store.get("lund-kommun", stored.sha256) == (content_type, content)


async def test_putting_the_same_bytes_twice_is_harmless(store: ImageStore) -> None:
    first = await store.put("lund-kommun", PNG)
    second = await store.put("lund-kommun", PNG)
    assert first == second
    assert await store.get("lund-kommun", first.sha256) == ("image/png", PNG)


async def test_a_tenant_cannot_get_another_tenants_image(store: ImageStore) -> None:
    stored = await store.put("lund-kommun", PNG)
    assert await store.get("malmo-stad", stored.sha256) is None
    assert await store.get("_platform", stored.sha256) is None
    assert await store.exists("lund-kommun", stored.sha256)
    assert not await store.exists("malmo-stad", stored.sha256)
    await store.put("malmo-stad", JPEG)
    assert await store.get("lund-kommun", hashlib.sha256(JPEG).hexdigest()) is None


async def test_an_image_never_put_is_absent(store: ImageStore) -> None:
    assert await store.get("lund-kommun", hashlib.sha256(b"never put").hexdigest()) is None
    assert not await store.exists("lund-kommun", hashlib.sha256(b"never put").hexdigest())
    assert not await store.exists("lund-kommun", "../../etc/passwd")


@pytest.mark.parametrize(
    "name",
    [
        "upper",
        "../malmo-stad/{sha}",
        "../../{sha}",
        "{sha}/../{sha}",
        "{sha}x",
        "{short}",
        "",
    ],
)
async def test_a_name_that_is_no_sha256_finds_nothing(store: ImageStore, name: str) -> None:
    stored = await store.put("lund-kommun", PNG)
    await store.put("malmo-stad", PNG)
    sha = stored.sha256
    asked = sha.upper() if name == "upper" else name.format(sha=sha, short=sha[:63])
    assert await store.get("lund-kommun", asked) is None
    assert await store.get("lund-kommun", sha) is not None  # the real name does find it


@pytest.mark.parametrize("tenant", ["", "Lund", "..", "../lund", "lund/kommun", "lund kommun"])
async def test_a_tenant_id_that_is_no_slug_is_refused(store: ImageStore, tenant: str) -> None:
    with pytest.raises(ValueError, match="not a tenant id"):
        await store.put(tenant, PNG)
    with pytest.raises(ValueError, match="not a tenant id"):
        await store.get(tenant, hashlib.sha256(PNG).hexdigest())


async def test_content_that_is_no_image_is_refused_and_not_kept(store: ImageStore) -> None:
    with pytest.raises(InvalidInput):
        await store.put("lund-kommun", b"GIF89a" + bytes(16))
    assert await store.get("lund-kommun", hashlib.sha256(b"GIF89a" + bytes(16)).hexdigest()) is None


# --- what only one store does ------------------------------------------------------------


def _files_under(root: Path) -> dict[Path, bytes]:
    return {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_the_folder_holds_one_file_per_image_and_no_leftovers(tmp_path: Path) -> None:
    store = LocalFolderImageStore(tmp_path)
    stored = await store.put("lund-kommun", PNG)
    await store.put("lund-kommun", PNG)
    assert _files_under(tmp_path) == {Path("lund-kommun", stored.sha256[:2], stored.sha256): PNG}


async def test_the_bucket_holds_the_object_under_tenant_and_hash(s3_store: S3ImageStore) -> None:
    stored = await s3_store.put("lund-kommun", JPEG)
    client = s3_store._open_client()
    head = await client.head_object(Bucket=s3_store.bucket, Key=f"lund-kommun/{stored.sha256}")
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == len(JPEG)


async def test_ensuring_the_bucket_again_keeps_its_images(s3_store: S3ImageStore) -> None:
    stored = await s3_store.put("lund-kommun", PNG)
    await s3_store.ensure_bucket()
    assert await s3_store.get("lund-kommun", stored.sha256) == ("image/png", PNG)


async def test_a_missing_bucket_is_unavailable_not_absent(s3_endpoint: str) -> None:
    async with _bucket_store(s3_endpoint, bucket="never-created") as store:
        with pytest.raises(ImageStoreUnavailable, match="never-created"):
            await store.put("lund-kommun", PNG)
        with pytest.raises(ImageStoreUnavailable) as failed:
            await store.get("lund-kommun", hashlib.sha256(PNG).hexdigest())
    assert failed.value.__cause__ is None
    assert failed.value.__suppress_context__


async def test_an_unreachable_server_is_unavailable() -> None:
    store = S3ImageStore(
        "images",
        endpoint_url="http://127.0.0.1:9",  # the discard port: nothing listens
        region="eu-north-1",
        access_key_id="testing",
        secret_access_key="testing",
    )
    async with store:
        with pytest.raises(ImageStoreUnavailable):
            await store.put("lund-kommun", PNG)


async def test_the_bucket_store_must_be_started() -> None:
    store = _bucket_store("http://127.0.0.1:9")
    with pytest.raises(RuntimeError, match="start"):
        await store.get("lund-kommun", hashlib.sha256(PNG).hexdigest())


# --- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["file:///var/lib/tinget/images", "/var/lib/tinget/images"])
def test_a_path_url_names_a_folder_store(url: str) -> None:
    store = image_store_from_url(url)
    assert isinstance(store, LocalFolderImageStore)
    assert store.root == Path("/var/lib/tinget/images")


def test_an_s3_url_names_a_bucket_store_with_the_environments_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    store = image_store_from_url("s3://tinget-images?endpoint=http://minio:9000&region=eu-north-1")
    assert isinstance(store, S3ImageStore)
    assert (store.bucket, store.endpoint_url, store.region) == (
        "tinget-images",
        "http://minio:9000",
        "eu-north-1",
    )
    assert (store._access_key_id, store._secret_access_key) == ("key-id", "secret")


async def test_a_bucket_store_from_its_url_works(s3_endpoint: str) -> None:
    bucket = f"images-{uuid.uuid4().hex[:12]}"
    store = image_store_from_url(f"s3://{bucket}?endpoint={s3_endpoint}&region=eu-north-1")
    assert isinstance(store, S3ImageStore)
    async with store:
        await store.ensure_bucket()
        stored = await store.put("_platform", WEBP)
        assert await store.get("_platform", stored.sha256) == ("image/webp", WEBP)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/images",
        "",
        "file://otherhost/images",
        "s3://",
        "s3://bucket/some/prefix",
        "s3://bucket?endpiont=http://minio:9000",
    ],
)
def test_other_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="image store URL"):
        image_store_from_url(url)


# --- uploads over HTTP -------------------------------------------------------------------

UPLOADS_PER_PERSON = 5


@pytest.fixture
def platform_addresses(addresses: Addresses) -> Addresses:
    """A small upload limit, so the rate-limit test reaches it in a few requests."""
    limits = Limits(images_per_person=(UPLOADS_PER_PERSON, 600))
    return dataclasses.replace(addresses, limits=limits)


def _stored_files(platform: Platform, town: Town) -> list[Path]:
    folder = platform.addresses.data_dir / "images" / town.slug
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def _upload(
    client: httpx.AsyncClient, town: Town, token: str, content: bytes, content_type: str
) -> httpx.Response:
    """An upload asking for English, whose refusals the tests read."""
    headers = {**town.headers(token, language="en"), "content-type": content_type}
    return await client.post("/api/v1/images", content=content, headers=headers)


async def test_an_uploaded_photo_is_served_without_its_gps_position(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    citizen = await device_token(client, town)
    photo = photo_with_gps()

    upload = await _upload(client, town, citizen, photo, "image/jpeg")

    assert upload.status_code == 201, upload.text
    answer = upload.json()
    served = await client.get(answer["url"], headers=town.headers())
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    image = _open(served.content)
    assert image.format == "JPEG"
    assert "GPSInfo" not in {ExifTags.TAGS.get(tag) for tag in image.getexif()}
    assert dict(image.getexif()) == {}
    assert not any(value in served.content for value in gps_rationals())
    assert b"Tattletale" not in served.content
    # the id, size and stored file are those of the cleaned bytes, not of the upload
    assert answer["id"] == hashlib.sha256(served.content).hexdigest()
    assert answer["id"] != hashlib.sha256(photo).hexdigest()
    assert answer["size"] == len(served.content)
    assert [p.read_bytes() for p in _stored_files(platform, town)] == [served.content]


async def test_an_uploaded_photo_comes_back_upright(client: httpx.AsyncClient, town: Town) -> None:
    citizen = await device_token(client, town)
    sideways = photo_with_gps((64, 32), orientation=6)

    upload = await _upload(client, town, citizen, sideways, "image/jpeg")

    assert upload.status_code == 201, upload.text
    served = _open((await client.get(upload.json()["url"], headers=town.headers())).content)
    assert served.size == (32, 64)
    red, _, blue = served.convert("RGB").getpixel((16, 4))  # type: ignore[misc]
    assert blue > 150 > red


# (name, content, content type sent, status, what the problem says): uploads refused naming
# the body
UNDECODABLE: list[tuple[str, bytes, str, int, str]] = [
    (
        "jpeg-magic-and-garbage",
        b"\xff\xd8\xff" + b"garbage" * 40,
        "image/jpeg",
        422,
        "does not decode as JPEG",
    ),
    ("bomb", png_declaring(100_000, 100_000), "image/png", 422, "too large"),
    ("too-wide", png_declaring(MAX_SIDE + 1, 10), "image/png", 422, "pixels"),
    ("gif", b"GIF89a" + bytes(40), "application/octet-stream", 415, "PNG, JPEG or WebP"),
    ("empty", b"", "image/png", 422, "is empty"),
]


async def test_what_does_not_decode_is_refused_naming_the_body_and_nothing_is_stored(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    for case, content, content_type, status, says in UNDECODABLE:
        # a participant of its own: each case starts from an unused upload limit
        citizen = await device_token(client, town)
        started = time.perf_counter()

        refused = await _upload(client, town, citizen, content, content_type)

        assert time.perf_counter() - started < 2.0, case
        assert refused.status_code == status, (case, refused.text)
        assert refused.headers["content-type"] == "application/problem+json", case
        problem = refused.json()
        assert problem["field"] == "body", (case, problem)
        assert says in problem["detail"], (case, problem)
        assert _stored_files(platform, town) == [], case


async def test_uploads_are_rate_limited_per_person(client: httpx.AsyncClient, town: Town) -> None:
    citizen, other = await device_token(client, town), await device_token(client, town)
    for i in range(UPLOADS_PER_PERSON):
        upload = await _upload(client, town, citizen, png(f"n{i}"), "image/png")
        assert upload.status_code == 201, upload.text

    limited = await _upload(client, town, citizen, png("one more"), "image/png")
    garbage = await _upload(client, town, citizen, b"\xff\xd8\xff garbage", "image/jpeg")
    someone_else = await _upload(client, town, other, png("other"), "image/png")

    assert limited.status_code == 429, limited.text
    assert 1 <= int(limited.headers["retry-after"]) <= 600
    assert limited.json()["retry_after"] == int(limited.headers["retry-after"])
    assert garbage.status_code == 429  # counted before any decoding
    assert someone_else.status_code == 201, someone_else.text


async def test_a_blocked_participant_cannot_upload(
    client: httpx.AsyncClient, platform: Platform, town: Town
) -> None:
    moderator = await staff_token(platform, town, "mod@town.example", Role.MODERATOR)
    troll = await device_token(client, town)
    me = await client.get("/api/v1/me", headers=town.headers(troll))
    person = me.json()["person_id"]
    blocked = await client.post(
        f"/api/v1/people/{person}/block",
        json={"reason": "Posted other people's photos"},
        headers=town.headers(moderator),
    )
    assert blocked.status_code == 200, blocked.text

    refused = await _upload(client, town, troll, png("troll"), "image/png")

    assert refused.status_code == 403, refused.text
    assert "Posted other people's photos" in refused.json()["detail"]
    assert _stored_files(platform, town) == []


async def test_a_tenant_logo_is_stored_cleaned(platform: Platform, town: Town) -> None:
    tenant = await platform.tenants.set_logo(town.slug, photo_with_gps(orientation=6))

    assert tenant.logo_sha256 is not None
    found = await platform.assets.get(town.slug, tenant.logo_sha256)
    assert found is not None
    content_type, content = found
    assert content_type == "image/jpeg"
    assert hashlib.sha256(content).hexdigest() == tenant.logo_sha256
    logo = _open(content)
    assert dict(logo.getexif()) == {}
    assert logo.size == (32, 64)
    assert not any(value in content for value in gps_rationals())
    with pytest.raises(InvalidInput) as refused:
        await platform.tenants.set_logo(town.slug, b"\xff\xd8\xff" + b"garbage" * 40)
    assert refused.value.field == "logo"
