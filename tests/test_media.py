"""Images: sniffing by content, and the folder and bucket stores' shared behaviour.

The bucket store runs against a real S3 server (moto's, over HTTP), so what is tested is what
aiobotocore sends and what an S3 server answers.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from services.errors import InvalidInput
from services.media.images import MAX_IMAGE_BYTES, ImageStore, StoredImage, sniff_image
from services.media.storage import (
    ImageStoreUnavailable,
    LocalFolderImageStore,
    S3ImageStore,
    image_store_from_url,
)
from tenants import assets

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(32))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(32))
WEBP = b"RIFF" + (36).to_bytes(4, "little") + b"WEBPVP8 " + bytes(range(28))


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
