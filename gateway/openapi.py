"""The OpenAPI document, as true as the server: who may call an operation, what it may answer,
and what its bodies may hold.

- **Security.** The bearer scheme (``Authorization: Bearer <token>``) is declared once; an
  operation that needs a caller requires it, one that serves a token's holder and anonymous
  readers alike lists it as optional (``[{"bearer": []}, {}]``), and one that reads no token
  lists none.
- **Problems.** What an operation may answer (a raw operation, gateway/raw.py, declares all
  of it) is worked out from what it takes, by
  :func:`document_operations` when the document is built, plus the problems its own route lists
  (:func:`gateway.problems.problems`: a conflict, a broken rule, a rate limit):

  - the municipality of its host (``tenant``, ``caller`` or ``viewer``): 400 (a bad Host
    header), 403 (the municipality is suspended, or the caller's role may not), 404 (no
    municipality there, or no such thing);
  - a caller (``caller``), or an optional one (``viewer``): 401 (no valid token);
  - a body: 400, 413 (too large), 415 (not its content type);
  - a query, path or header parameter: 400; one of free text, 422 too (a NUL character);
  - a request slot (every operation but health and readiness): 503 with Retry-After (busy,
    or the database away).

- **Bodies.** A request struct that refuses unknown fields says so
  (``additionalProperties: false``), and the limits on the items of a list (a poll option's
  length) are stated as msgspec enforces them (:class:`StrictStructSchemaPlugin`, on top
  of litestar's own struct plugin, which litestar 2 keeps in a private module; the document
  tests fail if it moves).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.datastructures import OpenAPIContext
from litestar._openapi.path_item import create_path_item_for_route, merge_path_item_operations
from litestar._openapi.plugin import OpenAPIPlugin
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    PathItem,
    Schema,
    SecurityRequirement,
    SecurityScheme,
)
from litestar.params import BodyKwarg, DependencyKwarg, ParameterKwarg
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

from gateway.admission import ADMISSION, EXEMPT
from gateway.consistency import document
from gateway.problems import PROBLEMS
from gateway.raw import document_raw

BEARER = "bearer"
COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description=(
                "An access token of this municipality: from a sign-in (e-mail link, PIN), a"
                " device session or a refresh. A token of another municipality is refused."
            ),
        )
    }
)
REQUIRED: list[SecurityRequirement] = [{BEARER: []}]
OPTIONAL: list[SecurityRequirement] = [{BEARER: []}, {}]

_TENANT = frozenset({"tenant", "caller", "viewer"})
# what litestar fills in itself: neither a parameter nor the body
_RESERVED = frozenset({"state", "request", "socket", "scope", "headers", "cookies", "query"})


def _takes_parameters(handler: HTTPRouteHandler, dependencies: set[str]) -> bool:
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in _RESERVED or name in dependencies or name == "data":
            continue
        kwarg = field.kwarg_definition
        if isinstance(kwarg, DependencyKwarg | BodyKwarg):
            continue
        if kwarg is None or isinstance(kwarg, ParameterKwarg):
            return True
    return False


def _takes_text(handler: HTTPRouteHandler, dependencies: set[str]) -> bool:
    """Whether a query parameter or header of ``handler`` is free text, which may be of its
    type and still hold what no stored text may (a NUL character: 422, gateway/strict.py)."""
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in _RESERVED or name in dependencies or name == "data":
            continue
        kwarg = field.kwarg_definition
        if not (kwarg is None or isinstance(kwarg, ParameterKwarg)):
            continue
        types = [t.annotation for t in field.inner_types] or [field.annotation]
        if str in types:
            return True
    return False


def answers_of(handler: HTTPRouteHandler) -> tuple[set[int], list[SecurityRequirement]]:
    """The problems ``handler`` may answer with for what it takes, and its security."""
    dependencies = set(handler.resolve_dependencies())
    uses = set(handler.parsed_fn_signature.parameters) & dependencies
    statuses: set[int] = set()
    security: list[SecurityRequirement] = []
    if "caller" in uses:
        uses.add("caller")
        statuses.add(401)
        security = REQUIRED
    elif "viewer" in uses:
        uses.add("viewer")
        statuses.add(401)
        security = OPTIONAL
    if uses & _TENANT:
        statuses |= {400, 403, 404}
    if "data" in handler.parsed_fn_signature.parameters or handler.opt.get("accepts"):
        statuses |= {400, 413, 415}
    if _takes_parameters(handler, dependencies):
        statuses.add(400)
    if _takes_text(handler, dependencies):
        statuses.add(422)
    if handler.opt.get(ADMISSION) is not EXEMPT:
        statuses.add(503)
    return statuses, security


class DocumentedOpenAPI(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, whose document (built once, when first asked for) also
    states each operation's security and problems (:func:`document_operations`) and the
    read-your-writes headers that middleware and hooks add to every operation
    (gateway/consistency.py). Litestar offers no public hook for this; the app's own plugin
    instance gets this class."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        # litestar's own, with the raw operations (gateway/raw.py) written by the same context
        document_operations(self.app)
        config = self.openapi_config
        openapi = config.to_openapi_schema()
        context = OpenAPIContext(openapi_config=config, plugins=self.app.plugins.openapi)
        paths: dict[str, PathItem] = {}
        for route in self.included_routes.values():
            path = route.path_format or "/"
            item = create_path_item_for_route(context, route)
            if known := paths.get(path):
                item = merge_path_item_operations(known, item, for_path=path)
            paths[path] = item
        document_raw(self.app, context, paths)
        openapi.paths = paths
        openapi.components.schemas = context.schema_registry.generate_components_schemas()
        return document(openapi)


def document_operations(app: Litestar) -> None:
    """Give every operation of ``app`` its security and the problems it may answer (its own
    route's, and those worked out from what it takes), before its document is built."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.include_in_schema:
                continue
            statuses, security = answers_of(handler)
            own = dict(handler.responses or {})
            handler.responses = {**{s: PROBLEMS[s] for s in sorted(statuses)}, **own}
            if security:
                handler.security = security


_STRINGS = msgspec.inspect.StrType
_NUMBERS = (msgspec.inspect.IntType, msgspec.inspect.FloatType)


def _bounds(info: msgspec.inspect.Type) -> dict[str, Any]:
    """The JSON Schema keywords of msgspec's constraints on a string or a number."""
    found: dict[str, Any]
    if isinstance(info, _STRINGS):
        found = {"min_length": info.min_length, "max_length": info.max_length}
        found["pattern"] = info.pattern
    elif isinstance(info, _NUMBERS):
        found = {
            "minimum": info.ge,
            "maximum": info.le,
            "exclusive_minimum": info.gt,
            "exclusive_maximum": info.lt,
            "multiple_of": info.multiple_of,
        }
    else:
        return {}
    return {k: v for k, v in found.items() if v is not None}


def _with_item_bounds(schema: Any, info: msgspec.inspect.Type) -> None:
    """State the bounds of a list's items (``list[Annotated[str, Meta(max_length=200)]]``),
    which litestar leaves out, on ``schema`` (the list's, or a union's that holds it)."""
    if isinstance(info, msgspec.inspect.Metadata):
        _with_item_bounds(schema, info.type)
    elif isinstance(info, msgspec.inspect.UnionType):
        for option in schema.one_of or [] if isinstance(schema, Schema) else []:
            for member in info.types:
                _with_item_bounds(option, member)
    elif (
        isinstance(info, msgspec.inspect.ListType)
        and isinstance(schema, Schema)
        and isinstance(schema.items, Schema)
        and (bounds := _bounds(info.item_type))
    ):
        schema.items = dataclasses.replace(schema.items, **bounds)


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's msgspec struct schemas, with what msgspec enforces that they leave out:
    ``additionalProperties: false`` for a struct that refuses unknown fields, and the
    bounds of list items."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if not isinstance(info, msgspec.inspect.StructType):
            return schema
        if info.forbid_unknown_fields:
            schema.additional_properties = False
        for field in info.fields:
            if schema.properties and field.encode_name in schema.properties:
                _with_item_bounds(schema.properties[field.encode_name], field.type)
        return schema
