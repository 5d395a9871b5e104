"""Where images live: a folder on one machine, or an S3-compatible bucket in production.

Both name an image `<tenant>/.../<sha256>`, so a tenant can only reach its own images, and
both refuse anything but a SHA-256 hex name, so no name can walk out of the tenant's place.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, unquote, urlsplit

from aiobotocore.config import AioConfig  # type: ignore[import-untyped]
from aiobotocore.session import get_session  # type: ignore[import-untyped]
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

from services.media.images import (
    ImageStore,
    StoredImage,
    check_tenant_id,
    image_type,
    is_sha256,
    sniff_image,
)


class ImageStoreUnavailable(Exception):
    """The store could not be reached or refused the request (not: the image is absent)."""


def _stored(content: bytes) -> StoredImage:
    content_type = sniff_image(content)
    return StoredImage(hashlib.sha256(content).hexdigest(), content_type, len(content))


class LocalFolderImageStore:
    """Images as files under `root/<tenant>/<sha[:2]>/<sha>`, for one machine and for tests.

    The content type is not kept: it is sniffed again from the bytes on reading.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    async def start(self) -> None:
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)

    async def close(self) -> None:
        pass

    def _path(self, tenant_id: str, sha256: str) -> Path:
        return self.root / tenant_id / sha256[:2] / sha256

    async def put(self, tenant_id: str, content: bytes) -> StoredImage:
        check_tenant_id(tenant_id)
        stored = _stored(content)
        await asyncio.to_thread(_write_once, self._path(tenant_id, stored.sha256), content)
        return stored

    async def get(self, tenant_id: str, sha256: str) -> tuple[str, bytes] | None:
        check_tenant_id(tenant_id)
        if not is_sha256(sha256):
            return None
        content = await asyncio.to_thread(_read, self._path(tenant_id, sha256))
        if content is None:
            return None
        # Only sniffed images are written, so a file of another type is not one of ours.
        content_type = image_type(content)
        return None if content_type is None else (content_type, content)

    async def exists(self, tenant_id: str, sha256: str) -> bool:
        check_tenant_id(tenant_id)
        if not is_sha256(sha256):
            return False
        return await asyncio.to_thread(self._path(tenant_id, sha256).is_file)


def _write_once(path: Path, content: bytes) -> None:
    """Write via a temporary file and a rename, so a reader never sees half an image."""
    if path.exists():
        return  # content-addressed: the same name holds the same bytes
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _error_code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3ImageStore:
    """Images as objects `<tenant>/<sha>` in one S3-compatible bucket, through one client.

    Use `async with S3ImageStore(...)` or `start()` / `close()`; `ensure_bucket()` creates the
    bucket when it is missing (for development and tests; production buckets are provisioned).
    """

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self._access_key_id = access_key_id
        self._secret_access_key = secret_access_key
        self._stack: contextlib.AsyncExitStack | None = None
        self._client: Any = None

    async def start(self) -> None:
        if self._stack is not None:
            return
        # Servers other than AWS (MinIO, moto, ...) rarely resolve bucket-named host names.
        config = AioConfig(s3={"addressing_style": "path"}) if self.endpoint_url else None
        stack = contextlib.AsyncExitStack()
        self._client = await stack.enter_async_context(
            get_session().create_client(
                "s3",
                region_name=self.region,
                endpoint_url=self.endpoint_url,
                aws_access_key_id=self._access_key_id,
                aws_secret_access_key=self._secret_access_key,
                config=config,
            )
        )
        self._stack = stack

    async def close(self) -> None:
        stack, self._stack, self._client = self._stack, None, None
        if stack is not None:
            await stack.aclose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _open_client(self) -> Any:
        if self._client is None:
            raise RuntimeError("S3ImageStore used before start()")
        return self._client

    def _unavailable(self, error: Exception) -> ImageStoreUnavailable:
        return ImageStoreUnavailable(f"image bucket {self.bucket!r} failed: {error}")

    async def ensure_bucket(self) -> None:
        client = self._open_client()
        try:
            await client.head_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _error_code(error) not in {"404", "NoSuchBucket", "NotFound"}:
                raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        else:
            return
        create: dict[str, Any] = {"Bucket": self.bucket}
        if self.region != "us-east-1":  # the one region that refuses to be named as a location
            create["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            await client.create_bucket(**create)
        except ClientError as error:
            if _error_code(error) != "BucketAlreadyOwnedByYou":
                raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None

    def _key(self, tenant_id: str, sha256: str) -> str:
        return f"{tenant_id}/{sha256}"

    async def put(self, tenant_id: str, content: bytes) -> StoredImage:
        check_tenant_id(tenant_id)
        stored = _stored(content)
        try:
            await self._open_client().put_object(
                Bucket=self.bucket,
                Key=self._key(tenant_id, stored.sha256),
                Body=content,
                ContentType=stored.content_type,
            )
        except (ClientError, BotoCoreError) as error:
            raise self._unavailable(error) from None
        return stored

    async def get(self, tenant_id: str, sha256: str) -> tuple[str, bytes] | None:
        check_tenant_id(tenant_id)
        if not is_sha256(sha256):
            return None
        try:
            response = await self._open_client().get_object(
                Bucket=self.bucket, Key=self._key(tenant_id, sha256)
            )
            async with response["Body"] as body:
                content: bytes = await body.read()
        except ClientError as error:
            if _error_code(error) in {"NoSuchKey", "404"}:
                return None
            raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        return str(response["ContentType"]), content

    async def exists(self, tenant_id: str, sha256: str) -> bool:
        check_tenant_id(tenant_id)
        if not is_sha256(sha256):
            return False
        try:
            await self._open_client().head_object(
                Bucket=self.bucket, Key=self._key(tenant_id, sha256)
            )
        except ClientError as error:
            if _error_code(error) in {"NoSuchKey", "404"}:
                return False
            raise self._unavailable(error) from None
        except BotoCoreError as error:
            raise self._unavailable(error) from None
        return True


_URL_FORMS = "a path, file:///path or s3://bucket?endpoint=http://host:port&region=eu-north-1"


def image_store_from_url(url: str) -> ImageStore:
    """The store a configuration URL names (see `_URL_FORMS`); ValueError for anything else.

    S3 credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; when those are unset,
    botocore's own chain (profiles, instance roles) applies. Region defaults to us-east-1.
    """
    parts = urlsplit(url)
    if parts.scheme == "" and url:
        return LocalFolderImageStore(Path(url))
    if parts.scheme == "file" and parts.netloc in {"", "localhost"} and parts.path:
        return LocalFolderImageStore(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        options = dict(parse_qsl(parts.query))
        unknown = sorted(set(options) - {"endpoint", "region"})
        if not parts.netloc or parts.path not in {"", "/"} or unknown:
            raise ValueError(
                f"image store URL {url!r}: expected s3://bucket with only endpoint and region"
                f" options{f', not {unknown}' if unknown else ''}"
            )
        return S3ImageStore(
            parts.netloc,
            endpoint_url=options.get("endpoint"),
            region=options.get("region", "us-east-1"),
            access_key_id=os.environ.get("AWS_ACCESS_KEY_ID"),
            secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
        )
    raise ValueError(f"image store URL {url!r} is not supported; use {_URL_FORMS}")
