"""Request content types: a body the operation does not take is refused with 415, naming the
``content-type`` header; and the OpenAPI description of bodies and answers litestar cannot
infer (raw image uploads, an export in two formats).

An operation with a ``data`` parameter takes the media type of that parameter (JSON for every
request struct here). An operation that reads its raw body names what it takes in its route
options as ``opt={"accepts": (...)}``. A body sent to either with another content type, or with
none, is refused before the handler runs, so nothing is read or written. Operations that take
no body (``/publish``, ``/supports``, the one-click unsubscribe that mail clients post as a
form) are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from litestar.enums import RequestEncodingType, ScopeType
from litestar.handlers import BaseRouteHandler, HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import BodyKwarg
from litestar.types import ASGIApp, Receive, Scope, Send

from gateway.problems import ProblemError

JSON = "application/json"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


_ACCEPTS = "tinget_accepts"  # where a handler's worked-out media types are kept, in its opt


def _media_types(handler: BaseRouteHandler) -> frozenset[str] | None:
    """The media types ``handler``'s body may have, or None when it takes no body. Worked out
    once per handler and kept in its own ``opt``, so it lives and dies with the handler. A raw
    handler (gateway/raw.py) declares them; a route takes its ``data`` parameter's."""
    if _ACCEPTS in handler.opt:
        known: frozenset[str] | None = handler.opt[_ACCEPTS]
        return known
    accepts = _declared(handler.opt.get("accepts"))
    if accepts is None and isinstance(handler, HTTPRouteHandler):
        data = handler.parsed_fn_signature.parameters.get("data")
        if data is None:
            accepts = None
        else:
            kwarg = data.kwarg_definition
            encoding = (
                kwarg.media_type if isinstance(kwarg, BodyKwarg) else RequestEncodingType.JSON
            )
            accepts = frozenset({encoding.value if isinstance(encoding, Enum) else str(encoding)})
    handler.opt[_ACCEPTS] = accepts
    return accepts


def _declared(accepts: object) -> frozenset[str] | None:
    """The media types a route declares it takes (``opt={"accepts": (...)}``), if any."""
    if not isinstance(accepts, tuple | list | frozenset) or not accepts:
        return None
    return frozenset(str(t).lower() for t in accepts)


def _body_headers(scope: Scope) -> tuple[bool, bytes | None]:
    """Whether the request has a body, and its content type, from one pass over the headers."""
    length: bytes | None = None
    chunked = False
    content_type: bytes | None = None
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"content-length":
            length = value
        elif name == b"transfer-encoding":
            chunked = True
    has_body = length.strip() not in (b"", b"0") if length is not None else chunked
    return has_body, content_type


def _essence(content_type: str) -> str:
    """``application/json; charset=utf-8`` -> ``application/json``."""
    return content_type.split(";", 1)[0].strip().lower()


def _fits(given: str, accepts: frozenset[str]) -> bool:
    if given in accepts:
        return True
    # application/merge-patch+json and the like are JSON too (RFC 6839)
    return JSON in accepts and given.startswith("application/") and given.endswith("+json")


def content_type_guard(app: ASGIApp) -> ASGIApp:
    """Refuse, with a 415 problem naming ``content-type``, a body the operation does not take."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope.get("method") not in _BODY_METHODS:
            await app(scope, receive, send)
            return
        handler = scope.get("route_handler")
        accepts = _media_types(handler) if handler is not None else None
        if accepts is None:
            await app(scope, receive, send)
            return
        has_body, raw = _body_headers(scope)
        if not has_body:
            await app(scope, receive, send)
            return
        given = _essence(raw.decode("latin-1")) if raw is not None else ""
        # RFC 9110 8.3: without a Content-Type a recipient may assume application/octet-stream;
        # an operation that takes raw bytes (and reads their type from the bytes) does.
        if not given and "application/octet-stream" in accepts:
            given = "application/octet-stream"
        if not _fits(given, accepts):
            wanted = ", ".join(sorted(accepts))
            shown = repr(given) if given else "none"
            raise ProblemError(
                415,
                "Unsupported media type",
                f"content-type: {shown} is not taken here; send {wanted}",
                kind="unsupported-media-type",
                field="content-type",
                errors=[{"field": "content-type", "reason": f"must be one of: {wanted}"}],
            )
        await app(scope, receive, send)

    return middleware


def _binary() -> Schema:
    return Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)


def raw_body_operation(*media_types: str, description: str) -> type[Operation]:
    """An operation class documenting a raw request body of ``media_types``, for handlers that
    read ``request.body()`` themselves (litestar documents ``data`` parameters only)."""

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={t: OpenAPIMediaType(schema=_binary()) for t in media_types},
                description=description,
                required=True,
            )

    return RawBodyOperation


def alternative_answers_operation(status: str, content: dict[str, Schema]) -> type[Operation]:
    """An operation class documenting an answer that comes in several media types (an export
    as CSV or JSON), which a litestar response spec, of one media type, cannot say."""

    @dataclass
    class AlternativeAnswersOperation(Operation):
        def __post_init__(self) -> None:
            answer = (self.responses or {}).get(status)
            if isinstance(answer, OpenAPIResponse):
                answer.content = {t: OpenAPIMediaType(schema=s) for t, s in content.items()}

    return AlternativeAnswersOperation


# An image as Tinget serves it: the type read from its bytes when it was stored.
IMAGE_ANSWERS = {t: _binary() for t in ("image/jpeg", "image/png", "image/webp")}

# The answer to a conditional GET whose ETag the client has already.
NOT_MODIFIED = ResponseSpec(
    data_container=None, description="Not modified: the copy the client has is current"
)

# Server-sent events: a stream that stays open; each event is named (``tally``) and carries its
# JSON in ``data``; a keep-alive is a comment with empty data.
EVENT_STREAM = {
    "text/event-stream": Schema(
        type=OpenAPIType.OBJECT,
        properties={
            "event": Schema(type=OpenAPIType.STRING),
            "data": Schema(type=OpenAPIType.STRING, content_media_type="application/json"),
            "id": Schema(type=OpenAPIType.STRING),
            "retry": Schema(type=OpenAPIType.INTEGER),
        },
        required=["data"],
    )
}
