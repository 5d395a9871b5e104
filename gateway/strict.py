"""Input read as strictly as the OpenAPI document describes it.

Litestar converts every handler argument with msgspec's lax rules (``strict=False``): a JSON
``0`` passes for ``false``, a number for a time (``?until=2026`` as seconds since 1970). The
document promises a boolean and an RFC 3339 time, so Tinget refuses both, naming the field:

- a JSON body is decoded by msgspec straight into the handler's body type, strictly
  (:class:`StrictRequest`, the app's request class); litestar then finds an instance of the
  type and passes it on as it is;
- a query parameter or header is text on the wire, so a number or a boolean has to be read
  from text: only its JSON spelling is (``5``, ``1.5``, ``true``); every other type is
  converted strictly from the text (:func:`strict_parameters`, run before the handler's
  arguments are read).

As in JSON Schema, a whole number written with a fraction (``5.0``) is an integer.

What each handler takes is worked out once and kept in its ``opt``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ParamType
from litestar.exceptions import ValidationException
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg, DependencyKwarg, ParameterKwarg
from litestar.types import Empty

from events.errors import InvalidInput

_DECODER = "tinget_body_decoder"
_PARAMETERS = "tinget_strict_parameters"
_SCALARS = (msgspec.inspect.IntType, msgspec.inspect.FloatType, msgspec.inspect.BoolType)
_SEQUENCES = (
    msgspec.inspect.ListType,
    msgspec.inspect.SetType,
    msgspec.inspect.FrozenSetType,
    msgspec.inspect.VarTupleType,
)
# what litestar fills in itself, never from the query string
_RESERVED = frozenset(
    {"state", "request", "socket", "scope", "headers", "cookies", "query", "body", "data"}
)


class StrictBody:
    """A JSON body decoded strictly into ``target``; a body that is not JSON, or does not
    match, is a 400 naming the field (:class:`ValidationException`, as problems show it)."""

    __slots__ = ("_decode", "target")

    def __init__(self, target: Any) -> None:
        self.target = target
        self._decode: Callable[[bytes], Any] = msgspec.json.Decoder(target, strict=True).decode

    def decode(self, raw: bytes) -> Any:
        try:
            return self._decode(raw)
        except msgspec.ValidationError as exc:  # names the field: "... - at `$.opt_in`"
            refused = exc
        except msgspec.DecodeError as exc:
            raise ValidationException(
                "the body is not JSON",
                extra=[{"key": "data", "message": f"not valid JSON: {exc}", "source": "body"}],
            ) from None
        if "got `float`" in str(refused):  # perhaps a whole number written as 5.0
            try:
                return msgspec.convert(
                    _integral(msgspec.json.decode(raw)), self.target, strict=True
                )
            except msgspec.ValidationError as exc:
                refused = exc
        message = explained(str(refused), self.target)
        raise ValidationException(
            "the body does not match its schema",
            extra=[{"key": "data", "message": message, "source": "body"}],
        ) from None


def _body(handler: HTTPRouteHandler) -> StrictBody | None:
    """A strict JSON decoder for ``handler``'s ``data`` parameter (None without one)."""
    if _DECODER in handler.opt:
        known: StrictBody | None = handler.opt[_DECODER]
        return known
    data = handler.parsed_fn_signature.parameters.get("data")
    body = None
    if data is not None:
        body = StrictBody(data.annotation)
    handler.opt[_DECODER] = body
    return body


class StrictRequest(Request[Any, Any, Any]):
    """A request whose JSON body is decoded strictly into the type its handler takes."""

    async def json(self) -> Any:
        if self._json is Empty:
            if (known := self._connection_state.json) is not Empty:
                self._json = known
            else:
                typed = _body(self.route_handler)
                self._json = self._connection_state.json = (
                    await super().json() if typed is None else typed.decode(await self.body())
                )
        return self._json


def _integral(value: Any) -> Any:
    """``value`` with every float that is a whole number (``5.0``) as an int: JSON Schema's
    ``integer`` takes it, msgspec's strict reading does not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral(v) for k, v in value.items()}
    return value


class _Parameter(msgspec.Struct, frozen=True):
    name: str  # the handler's
    wire: str  # the query parameter's or header's
    source: ParamType
    target: Any
    scalar: bool  # a number or a boolean, read from its JSON spelling


def _admits_scalar(info: msgspec.inspect.Type) -> bool:
    if isinstance(info, msgspec.inspect.UnionType):
        return any(_admits_scalar(t) for t in info.types)
    if isinstance(info, msgspec.inspect.Metadata):
        return _admits_scalar(info.type)
    return isinstance(info, _SCALARS)


def _parameters(handler: HTTPRouteHandler, path: frozenset[str]) -> tuple[_Parameter, ...]:
    if _PARAMETERS in handler.opt:
        known: tuple[_Parameter, ...] = handler.opt[_PARAMETERS]
        return known
    dependencies = set(handler.resolve_dependencies())
    found: list[_Parameter] = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        kwarg = field.kwarg_definition
        if name in _RESERVED or name in dependencies or name in path:
            continue
        if isinstance(kwarg, BodyKwarg | DependencyKwarg):
            continue
        source, wire = ParamType.QUERY, name
        if isinstance(kwarg, ParameterKwarg):
            if kwarg.param_type in (ParamType.PATH, ParamType.COOKIE):
                continue
            source, wire = kwarg.param_type, kwarg.name or name
        target = field.annotation
        if field.is_optional and len(field.inner_types) == 2:  # absent is None; given, a value
            target = next(t.annotation for t in field.inner_types if not t.is_none_type)
        try:
            info = msgspec.inspect.type_info(target)
        except TypeError:  # a type msgspec does not know: litestar's own conversion decides
            continue
        found.append(_Parameter(name, wire, source, target, _admits_scalar(info)))
    checked = tuple(found)
    handler.opt[_PARAMETERS] = checked
    return checked


def _json_scalar(text: str) -> Any:
    """``5`` -> 5, ``1.5`` -> 1.5, ``true`` -> True; any other text stays text."""
    if text in ("true", "false") or (text[:1].isdigit() or text[:1] == "-"):
        try:
            return msgspec.json.decode(text)
        except msgspec.DecodeError:
            return text
    return text


async def strict_parameters(request: Request[Any, Any, Any]) -> None:
    """Refuse (400, naming it) a query parameter or header that is not of its documented type
    in its strict reading, and (422, naming it) one that holds a NUL character, which no text
    stored or compared in PostgreSQL may. Litestar reads the accepted ones as before."""
    handler = request.route_handler
    parameters: tuple[_Parameter, ...] | None = handler.opt.get(_PARAMETERS)
    if parameters is None:
        parameters = _parameters(handler, frozenset(request.path_params))
    if not parameters:
        return
    errors: list[dict[str, str]] = []
    unstorable: list[tuple[str, str]] = []
    for parameter in parameters:
        if parameter.source is ParamType.HEADER:
            given = request.headers.getall(parameter.wire, [])
        else:
            given = request.query_params.getall(parameter.wire, [])
        for text in given:
            if "\x00" in text:  # of the type, but no text PostgreSQL stores may hold it: 422
                unstorable.append((parameter.wire, "must not contain the NUL character"))
                continue
            value = _integral(_json_scalar(text)) if parameter.scalar else text
            try:
                msgspec.convert(value, parameter.target, strict=True)
            except msgspec.ValidationError as exc:
                message = explained(str(exc), parameter.target)
                errors.append(
                    {"key": parameter.name, "message": message, "source": parameter.source}
                )
    if errors:
        raise ValidationException("a parameter is not of its type", extra=errors)
    if unstorable:
        (field, reason), *more = unstorable
        raise InvalidInput(field, reason, more=more)


_AT = re.compile(r"^(?P<reason>Invalid enum value .*?)(?P<at> - at `\$(?P<path>[^`]*)`)?$", re.S)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def explained(message: str, target: Any) -> str:
    """msgspec's message, with the values a refused enumeration takes: ``Invalid enum value
    'x' (must be one of a, b) - at `$.role```."""
    found = _AT.match(message)
    if found is None:
        return message
    try:
        info: msgspec.inspect.Type | None = msgspec.inspect.type_info(target)
    except TypeError:
        return message
    for name, index in _STEP.findall(found.group("path") or ""):
        info = _inside(info, name or None, index or None)
    values = _values(info)
    if not values:
        return message
    allowed = ", ".join(sorted(values))
    return f"{found.group('reason')} (must be one of {allowed}){found.group('at') or ''}"


def _inside(info: msgspec.inspect.Type | None, name: str | None, index: str | None) -> Any:
    """The type at one step of a path (a field by name, an item by index) inside ``info``."""
    if isinstance(info, msgspec.inspect.Metadata):
        return _inside(info.type, name, index)
    if isinstance(info, msgspec.inspect.UnionType):
        inner = [_inside(t, name, index) for t in info.types]
        return next((t for t in inner if t is not None), None)
    if name is not None and isinstance(info, msgspec.inspect.StructType):
        return next((f.type for f in info.fields if f.encode_name == name), None)
    if name is not None and isinstance(info, msgspec.inspect.DictType):
        return info.value_type
    if index is not None and isinstance(info, _SEQUENCES):
        return info.item_type
    return None


def _values(info: msgspec.inspect.Type | None) -> set[str]:
    if isinstance(info, msgspec.inspect.Metadata):
        return _values(info.type)
    if isinstance(info, msgspec.inspect.UnionType):
        return {v for t in info.types for v in _values(t)}
    if isinstance(info, msgspec.inspect.LiteralType):
        return {str(v) for v in info.values}
    if isinstance(info, msgspec.inspect.EnumType):
        return {str(m.value) for m in info.cls}
    return set()
