"""RFC 9457 problem documents for every error the gateway returns."""

from __future__ import annotations

import errno
import re
import uuid
from typing import Any

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from events import texts
from events.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooManyRequests,
    Unauthenticated,
    Unavailable,
    UnsupportedType,
)
from events.model import Busy
from gateway import problem_texts

log = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://tinget.eu/problems/"


class Problem(msgspec.Struct, kw_only=True):
    """An RFC 9457 problem document, as every error response carries."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    errors: list[dict[str, str]] | None = None


def _spec(description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=MEDIA_TYPE,
        description=description,
        generate_examples=False,
    )


# The problems an API operation may answer with, for the OpenAPI document.
PROBLEMS: dict[int, ResponseSpec] = {
    400: _spec("Malformed input: the body, a parameter or a field is not valid"),
    401: _spec("No valid access token for this municipality"),
    403: _spec("Not allowed for this role or in this dialog"),
    404: _spec("No such thing here, or the host is not a municipality's"),
    406: _spec("None of the media types the Accept header takes is one this answer comes in"),
    409: _spec("Conflicts with the current state (taken, closed, voted already)"),
    413: _spec("The body is too large"),
    415: _spec("The body's content type is not one this operation takes"),
    422: _spec("A value breaks a rule; the problem names the field"),
    429: _spec("Too many requests; Retry-After says when to try again"),
    503: _spec("A service Tinget depends on does not answer"),
}


class ProblemError(Exception):
    """An error the gateway raises itself, already shaped as a problem."""

    def __init__(self, status: int, title: str, detail: str, *, kind: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.kind = kind
        self.extra = extra


def bad_host() -> ProblemError:
    """The answer to a Host header that is not a host name or address with an optional port."""
    return ProblemError(
        400,
        "Bad Host header",
        "host: must be a host name or IP address with an optional port, nothing else",
        kind="bad-host",
        field="host",
    )


def problem(
    request: Request[Any, Any, Any],
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.scope["path"],  # not request.url: it parses the Host header
    }
    body.update(extra)
    language = problem_language(request)
    if language.split("-")[0] != texts.FALLBACK:
        body = problem_texts.translate(body, language)
    return Response(
        body,
        status_code=status,
        media_type=MEDIA_TYPE,
        headers={**(headers or {}), "Content-Language": language},
    )


def problem_language(request: Request[Any, Any, Any]) -> str:
    """The language of a problem document: the browser's ``Accept-Language`` among the
    languages the municipality of the Host offers, else its default language; English when
    the host is no municipality's known here (gateway/problem_texts.py)."""
    accept = request.headers.get("accept-language")
    resolver = getattr(getattr(request.app.state, "edge", None), "resolver", None)
    recent = getattr(resolver, "recent", None)
    host = (request.headers.get("host") or "").strip().lower()
    if not host.endswith("]"):
        host = host.rsplit(":", 1)[0]
    tenant = recent.get(host) if isinstance(recent, dict) else None
    if tenant is None:
        return texts.choose_language(None, accept, texts.LANGUAGES, texts.FALLBACK)
    return texts.choose_language(None, accept, tenant.languages, tenant.default_language)


_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.S)
_NAMED = re.compile(r"field `(?P<name>[^`]+)`")
# litestar's words for a body left out: the handler's argument (``data``) was not filled in
_NO_BODY = frozenset({"'data'", "Object missing required field `data`"})
_MISSING_PARAMETER = re.compile(r"Missing required \w+ parameter '(?P<name>[^']+)'")


def body_field(message: str) -> tuple[str, str]:
    """The field a msgspec message is about (``place.latitude``) and the reason without it."""
    found = _AT.match(message)
    reason = found.group("reason") if found else message
    path = (found.group("path") or "") if found else ""
    named = _NAMED.search(reason)
    if named:
        path = f"{path}.{named.group('name')}" if path else named.group("name")
    return path or "body", reason


def _wire_name(request: Request[Any, Any, Any], key: str) -> str:
    """A parameter as the client names it (``Idempotency-Key``), not as the handler does."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    kwarg = getattr(parameter, "kwarg_definition", None)
    name = getattr(kwarg, "name", None) or getattr(kwarg, "header", None)
    return name if isinstance(name, str) and name else key


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors: list[dict[str, str]] = []
    raw = exc.extra if isinstance(exc.extra, list) else []
    for item in raw:
        if isinstance(item, dict):
            key = str(item.get("key") or "body")
            message = str(item.get("message"))
            if key == "data" and message in _NO_BODY:
                key, message = "body", "is required: send the JSON body this operation takes"
            elif key == "data":  # the body as a whole: the message names the field
                key, message = body_field(message)
            elif (named := _NAMED.search(message)) is not None:  # a field inside ``key``
                key = f"{_wire_name(request, key)}.{named.group('name')}"
            else:
                key = _wire_name(request, key)
            errors.append({"field": key, "reason": message})
    if not errors:
        missing = _MISSING_PARAMETER.search(str(exc.detail))
        field = missing.group("name") if missing else "body"
        errors.append({"field": field, "reason": str(exc.detail)})
    first = errors[0]
    return problem(
        request,
        400,
        "Invalid input",
        f"{first['field']}: {first['reason']}",
        kind="invalid-input",
        field=first["field"],
        errors=errors,
    )


def http_problem(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """The problem for an HTTP error the framework raises (404, 405, 413, ...)."""
    if exc.status_code == 400 and exc.detail == "Invalid host header":  # litestar's router
        return _problem_error(request, bad_host())
    kind = {
        404: "not-found",
        405: "method-not-allowed",
        413: "too-large",
        415: "unsupported-media-type",
        429: "too-many-requests",
    }.get(exc.status_code, "http")
    return problem(
        request, exc.status_code, str(exc.detail), str(exc.detail), kind=kind, headers=exc.headers
    )


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    kind = exc.problem_type
    if isinstance(exc, InvalidInput):
        unsupported = isinstance(exc, UnsupportedType)
        return problem(
            request,
            415 if unsupported else 422,
            "Unsupported media type" if unsupported else "Invalid input",
            str(exc),
            kind=kind or ("unsupported-media-type" if unsupported else "invalid-input"),
            field=exc.field,
            errors=[{"field": field, "reason": reason} for field, reason in exc.errors],
        )
    if isinstance(exc, NotFound):
        return problem(request, 404, "Not found", str(exc), kind=kind or "not-found")
    if isinstance(exc, Conflict):
        extra: dict[str, Any] = {"field": exc.field} if exc.field else {}
        return problem(request, 409, "Conflict", str(exc), kind=kind or "conflict", **extra)
    if isinstance(exc, Forbidden):
        return problem(request, 403, "Forbidden", str(exc), kind=kind or "forbidden")
    if isinstance(exc, Unauthenticated):
        return problem(
            request,
            401,
            "Not signed in",
            str(exc),
            kind=kind or "unauthenticated",
            headers={"WWW-Authenticate": 'Bearer realm="tinget"'},
        )
    if isinstance(exc, TooManyRequests):
        return problem(
            request,
            429,
            "Too many requests",
            str(exc),
            kind=kind or "too-many-requests",
            headers={"Retry-After": str(exc.retry_after)},
            retry_after=exc.retry_after,
        )
    if isinstance(exc, Unavailable):
        return _retry_later(request, "Unavailable", str(exc), kind=kind or "unavailable")
    return problem(request, 400, "Refused", str(exc), kind=kind or "refused")


def _retry_later(
    request: Request[Any, Any, Any], title: str, detail: str, *, kind: str
) -> Response[Any]:
    """503 with Retry-After: a dependency is away or Tinget is at one of its bounds."""
    return problem(
        request,
        503,
        title,
        detail,
        kind=kind,
        headers=_RETRY_LATER,
        retry_after=RETRY_AFTER_SECONDS,
    )


def _busy(request: Request[Any, Any, Any], exc: Busy) -> Response[Any]:
    """Refused at once at a bound (no free connection in time, too many waiting appends)."""
    log.warning("refused: busy", error=str(exc), path=request.scope["path"])
    return _retry_later(request, "Unavailable", str(exc), kind="unavailable")


def _problem_error(request: Request[Any, Any, Any], exc: ProblemError) -> Response[Any]:
    headers = _RETRY_LATER if exc.status == 503 else None
    return problem(
        request, exc.status, exc.title, exc.detail, kind=exc.kind, headers=headers, **exc.extra
    )


# How long a client should wait before trying again while the database does not answer.
RETRY_AFTER_SECONDS = 2
_RETRY_LATER = {"Retry-After": str(RETRY_AFTER_SECONDS)}
# Errors that mean PostgreSQL cannot be reached right now (down, restarting, recovering, out
# of connections), as opposed to a fault in Tinget: the request may succeed when retried.
_DATABASE_AWAY = (
    asyncpg.PostgresConnectionError,  # connection lost, refused or failed (SQLSTATE 08)
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    ConnectionError,  # refused, reset, aborted, broken pipe
    TimeoutError,  # a connection or a pool acquire that timed out
)
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)


def database_away(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached just now."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, _DATABASE_AWAY):
            return True
        if isinstance(current, OSError) and current.errno in _NETWORK_ERRNOS:
            return True
        if isinstance(current, asyncpg.InterfaceError) and "connection is closed" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


# Text PostgreSQL cannot hold (a NUL character, or one the encoding lacks) that a check
# before the database let through: the caller's input, so a 422, not a fault of ours.
_UNSTORABLE = (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError)


def _unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """503 while PostgreSQL is away (a restart, a failover); 422 for text PostgreSQL cannot
    store; anything else is a 500."""
    if isinstance(exc, _UNSTORABLE):
        log.warning("unstorable text refused", error=repr(exc), path=request.scope["path"])
        return problem(
            request,
            422,
            "Invalid input",
            "a value holds a character that cannot be stored (such as NUL)",
            kind="invalid-input",
        )
    if not database_away(exc):
        return _unexpected(request, exc)
    log.warning("database unavailable", error=repr(exc), path=request.scope["path"])
    return _retry_later(
        request,
        "Service unavailable",
        "the database does not answer just now; try again shortly",
        kind="unavailable",
    )


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    incident = str(uuid.uuid4())
    log.exception("unhandled error", incident=incident)
    return problem(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "Internal error",
        "something went wrong on our side; the incident id helps operations find it",
        kind="internal",
        incident=incident,
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ValidationException: _validation,
    HTTPException: http_problem,
    DomainError: _domain,
    Busy: _busy,  # a bound reached: 503, as Unavailable
    ProblemError: _problem_error,
    Exception: _unavailable,  # a database outage is a 503; anything else a 500
}


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """The problems an operation's route answers beyond those worked out from what it takes
    (gateway/openapi.py): a conflict with the current state (409), a value that breaks a
    rule (422), a rate limit (429), or a refusal the route makes itself."""
    return {status: PROBLEMS[status] for status in statuses}
