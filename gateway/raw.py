"""Raw operations: a handler that is an ASGI app itself, with its OpenAPI operation declared
beside it.

castVote takes thousands of votes a second during a council webcast. Served as an ordinary
litestar route, each vote paid for a request object, the kwargs model, the signature model's
conversion, dependency resolution, the before-request hooks and the response machinery:
about 100 µs of the gateway's 400 µs per vote (``python -m bench vote``, side by side). A raw
operation is the route itself, not a second door beside one: litestar routes the request to
it (path parameters parsed, the app's middleware around it, domain errors answered as
problems by the app's exception handlers), and the handler reads its body, its caller and
its answer straight from ASGI.

Litestar leaves two things out for such a route, which this module supplies:

- **the OpenAPI document**: litestar documents HTTP routes only, so a raw handler declares
  its operation (:class:`RawOperation`, in its ``opt``), and :func:`document_raw` writes it
  into the document with litestar's own schema generation, as a route of the same shape
  would be documented;
- **path parameters under a method**: litestar 2.x keeps an ASGI route's path parameters
  under ``"asgi"`` but looks them up under the request's method, which fails with a
  ``KeyError`` (a 500) for every request to an ASGI route with a path parameter;
  :func:`route_raw_operations` lets every method find them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Any

from litestar import Litestar, asgi
from litestar._asgi.routing_trie.types import RouteTrieNode
from litestar._openapi.datastructures import OpenAPIContext
from litestar._openapi.schema_generation import SchemaCreator
from litestar.di import Provide
from litestar.exceptions import ClientException, MethodNotAllowedException, ValidationException
from litestar.handlers import ASGIRouteHandler
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Parameter,
    PathItem,
    RequestBody,
    SecurityRequirement,
)
from litestar.routes import ASGIRoute
from litestar.types import Receive, Scope, Send
from litestar.typing import FieldDefinition

from gateway.auth import authenticate
from gateway.problems import PROBLEMS
from gateway.strict import StrictBody
from services.identity.access import Caller

RAW = "tinget_raw_operation"  # where a raw handler keeps its declaration, in its opt
JSON = "application/json"

RawHandler = Callable[..., Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class RawOperation:
    """What the OpenAPI document says of a raw handler: as an ``@post`` route would declare
    it. ``body`` is the JSON body's type, read strictly (:meth:`read`); ``answer`` the
    success's status, type and description; ``problems`` every problem status it may answer
    (the ones an ordinary route gets worked out from what it takes, listed here in full)."""

    method: str
    operation_id: str
    summary: str
    description: str
    tags: tuple[str, ...]
    body: type[Any]
    answer: tuple[int, type[Any], str]
    problems: frozenset[int]
    security: list[SecurityRequirement] = field(default_factory=list)
    max_body: int = 16 * 1024
    also: tuple[tuple[int, type[Any], str], ...] = ()  # other successes (a ballot replaced: 200)
    reader: StrictBody = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reader", StrictBody(self.body))

    async def read(self, scope: Scope, receive: Receive) -> Any:
        """The request's body as ``body`` (strictly, as every route reads JSON); 413 beyond
        ``max_body``, 400 naming the field otherwise."""
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                raise ClientException("the request ended before its body")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise ClientException(
                    f"the body is larger than {self.max_body} bytes", status_code=413
                )
            chunks.append(chunk)
            more = message.get("more_body", False)
        if size == 0:
            raise ValidationException(
                "the body is missing", extra=[{"key": "data", "message": "'data'"}]
            )
        return self.reader.decode(b"".join(chunks))


def raw(path: str, operation: RawOperation) -> Callable[[RawHandler], ASGIRouteHandler]:
    """A raw handler at ``path`` (``async def (self, scope, receive, send)``), documented as
    ``operation``: it is called for the operation's method only; ``OPTIONS`` is answered
    with 204 and the other methods with 405, each naming the allowed ones as a route's are.
    Its body's content type is checked by the content guard like any route's."""
    allow = f"OPTIONS, {operation.method}"

    def decorate(fn: RawHandler) -> ASGIRouteHandler:
        @functools.wraps(fn)
        async def handle(self: Any, scope: Scope, receive: Receive, send: Send) -> None:
            method = scope.get("method")
            if method == operation.method:
                await fn(self, scope, receive, send)
            elif method == "OPTIONS":
                await send(
                    {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [(b"allow", allow.encode())],
                    }
                )
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                raise MethodNotAllowedException(headers={"allow": allow})

        return asgi(path, copy_scope=False, opt={RAW: operation, "accepts": (JSON,)})(handle)

    return decorate


async def answer(send: Send, status: int, body: bytes) -> None:
    """Send a JSON answer already encoded, as it is (no response object, no encoder)."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def caller_of(scope: Scope) -> Caller:
    """The verified caller of a raw handler's request (401 without a valid token for the
    tenant of its host), its two headers read in one pass over the scope."""
    host = authorization = None
    for name, value in scope["headers"]:
        if name == b"host":
            host = value.decode("latin-1")
        elif name == b"authorization":
            authorization = value.decode("latin-1")
    return await authenticate(scope["litestar_app"].state, host, authorization)


def dependency(scope: Scope, name: str) -> Any:
    """The ready object the composition root provides as ``name`` (a service: gateway/app.py
    ``provided``), for a raw handler, which litestar does not inject: its provider resolved
    once and kept in the handler's opt, its value read per request (it may be handed over)."""
    handler = scope["route_handler"]
    key = f"tinget_dependency_{name}"
    provider: Provide | None = handler.opt.get(key)
    if provider is None:
        provider = handler.opt[key] = handler.resolve_dependencies()[name]
    return provider.value


def raw_routes(app: Litestar) -> Iterator[tuple[ASGIRoute, RawOperation]]:
    for route in app.routes:
        if isinstance(route, ASGIRoute) and RAW in route.route_handler.opt:
            yield route, route.route_handler.opt[RAW]


class _EveryMethod(dict[Any, Any]):
    """A node's path parameters, found under any method (litestar 2.x asks under the
    request's method for an ASGI route, whose parameters it keeps under ``"asgi"``)."""

    def __missing__(self, key: Any) -> Any:
        if key == "asgi":
            raise KeyError(key)
        return self["asgi"]


def route_raw_operations(app: Litestar) -> None:
    """Let every raw route's request find its path parameters (see the module's text)."""
    templates = {route.path_format for route, _ in raw_routes(app)}
    pending: list[RouteTrieNode] = [app.asgi_router.root_route_map_node]
    while pending:
        node = pending.pop()
        pending.extend(node.children.values())
        if node.is_asgi and node.path_template in templates:
            node.path_parameters = _EveryMethod(node.path_parameters)


def document_raw(app: Litestar, context: OpenAPIContext, paths: dict[str, PathItem]) -> None:
    """Write every raw operation of ``app`` into ``paths``, its schemas into ``context``'s
    registry, as litestar documents an HTTP route."""
    creator = SchemaCreator.from_openapi_context(context, prefer_alias=False)

    def content(media_type: str, annotation: Any) -> dict[str, OpenAPIMediaType]:
        schema = creator.for_field_definition(FieldDefinition.from_annotation(annotation))
        return {media_type: OpenAPIMediaType(schema=schema)}

    for route, declared in raw_routes(app):
        parameters = [
            Parameter(
                name=name,
                param_in="path",
                required=True,
                schema=creator.for_field_definition(
                    FieldDefinition.from_annotation(definition.type)
                ),
            )
            for name, definition in route.path_parameters.items()
        ]
        responses: dict[str, OpenAPIResponse] = {
            str(status): OpenAPIResponse(description=description, content=content(JSON, answer))
            for status, answer, description in (declared.answer, *declared.also)
        }
        for problem in sorted(declared.problems):
            spec = PROBLEMS[problem]
            responses[str(problem)] = OpenAPIResponse(
                description=spec.description,
                content=content(spec.media_type, spec.data_container),
            )
        operation = Operation(
            tags=list(declared.tags),
            summary=declared.summary,
            description=declared.description,
            operation_id=declared.operation_id,
            parameters=parameters or None,  # type: ignore[arg-type]
            request_body=RequestBody(content=content(JSON, declared.body), required=True),
            responses=responses,  # type: ignore[arg-type]
            security=declared.security or None,
            deprecated=False,
        )
        item = paths.setdefault(route.path_format, PathItem())
        setattr(item, declared.method.lower(), operation)
