"""Configuration: every ``TINGET_*`` variable (see README.md for the list), parsed once.

:meth:`Settings.from_env` reads the environment into one frozen, typed struct and refuses a bad
value at start with a :class:`ConfigError` that names each bad variable and why. Secrets (the
signing secret, the VAPID key, and URLs that may carry a password) are held as :class:`Secret`,
whose repr and str never show the value: a log line or a traceback that prints the settings shows
``***`` instead.

This module imports little (the CLI reads it on every call): no web framework, no NATS client.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

from gateway.forwarding import TrustedProxies
from services.notifications.push_services import DEFAULT_PUSH_SERVICES

T = TypeVar("T")

PREFIX = "TINGET_"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("json", "console")
_YES = frozenset({"yes", "true", "1", "on"})
_NO = frozenset({"no", "false", "0", "off"})
_NATS_NAME = re.compile(r"[A-Za-z0-9_-]+")  # a stream name, or one token of a subject
_MAIL_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+")
_BASE64URL = re.compile(r"[A-Za-z0-9_\-+/]+={0,2}")


class ConfigError(ValueError):
    """One or more ``TINGET_*`` variables have a bad value; the message names each and why."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{variable}: {reason}" for variable, reason in problems))


class _Bad(Exception):
    """A bad value: the reason, never the value when it may be secret."""


class Secret:
    """A secret value that never shows itself in a repr, a str or a log line.

    ``reveal()`` gives the value to the code that uses it (a connection, a key derivation).
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"{type(self).__name__}('***')"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret) or type(other) is not type(self):
            return NotImplemented
        return other._value == self._value

    def __hash__(self) -> int:
        return hash((type(self), self._value))

    def __reduce__(self) -> tuple[type, tuple[str]]:  # copies keep the value
        return (type(self), (self._value,))


class SecretUrl(Secret):
    """A URL that may carry a user's password: shown with the password as ``***``."""

    __slots__ = ()

    def shown(self) -> str:
        parts = urlsplit(self._value)
        if parts.password is None:
            return self._value
        host = parts.netloc.rpartition("@")[2]
        user = parts.username or ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))

    def __repr__(self) -> str:
        return f"SecretUrl({self.shown()!r})"

    def __str__(self) -> str:
        return self.shown()


def reveal(secret: Secret | None) -> str | None:
    """The value of an optional secret, for the code that uses it."""
    return None if secret is None else secret.reveal()


@dataclass(frozen=True)
class Settings:
    database_url: SecretUrl | None = None
    app_database_url: SecretUrl | None = None
    worker_database_url: SecretUrl | None = None
    nats_url: SecretUrl | None = None
    data_dir: Path = Path(".tinget")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    http_processes: int = 1  # gateway processes sharing the port (tinget/processes.py)
    log_level: str = "INFO"
    log_json: bool = True
    subject_prefix: str = "tinget"
    stream_name: str = "TINGET"
    stream_replicas: int = 1
    demo_tenant: bool = True
    signing_secret: Secret | None = None
    mail_url: SecretUrl | None = None
    mail_from: str = "no-reply@tinget.localhost"
    # the platform console, where platform staff's sign-in links point (none: they get none)
    platform_url: str | None = None
    images_url: str | None = None  # a folder or s3://bucket (S3 credentials: AWS_* variables)
    vapid_private_key: Secret | None = None
    vapid_subject: str | None = None
    push_services: tuple[str, ...] = DEFAULT_PUSH_SERVICES  # hosts push endpoints may be on
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None
    pool_acquire_timeout: float = 2.0
    append_queue_limit: int = 10_000
    max_concurrent_requests: int = 500
    max_sse_connections: int = 1_000
    # whose X-Forwarded-For / Forwarded headers give the client's address (none by default)
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)

    @property
    def postgres_embedded(self) -> bool:
        """No PostgreSQL configured: neither the owner's URL nor both roles' URLs."""
        return self.database_url is None and (
            self.app_database_url is None or self.worker_database_url is None
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings of ``env`` (the process environment by default); a
        :class:`ConfigError` naming every bad variable when any value is bad."""
        reader = _Reader(os.environ if env is None else env)
        read = reader.read
        http_host = read("HTTP_HOST", _host, "127.0.0.1")
        vapid_private_key = read("VAPID_PRIVATE_KEY", _vapid_key, None)
        vapid_subject = read("VAPID_SUBJECT", _vapid_subject, None)
        if vapid_private_key is not None and vapid_subject is None:
            reader.problems.append(
                (
                    f"{PREFIX}VAPID_SUBJECT",
                    "web push needs a mailto: or https:// contact with the VAPID key",
                )
            )
        settings = cls(
            database_url=read("DATABASE_URL", _url(("postgresql", "postgres")), None),
            app_database_url=read("APP_DATABASE_URL", _url(("postgresql", "postgres")), None),
            worker_database_url=read("WORKER_DATABASE_URL", _url(("postgresql", "postgres")), None),
            nats_url=read("NATS_URL", _url(("nats", "tls", "ws", "wss"), bare="nats"), None),
            data_dir=read("DATA_DIR", Path, Path(".tinget")),
            http_host=http_host,
            http_port=read("HTTP_PORT", _port, 8000),
            http_processes=read("HTTP_PROCESSES", _whole(1, 64), 1),
            log_level=read("LOG_LEVEL", _log_level, "INFO"),
            log_json=read("LOG_FORMAT", _log_format, "json") == "json",
            subject_prefix=read("SUBJECT_PREFIX", _subject_prefix, "tinget"),
            stream_name=read("STREAM", _stream_name, "TINGET"),
            stream_replicas=read("STREAM_REPLICAS", _whole(1, 5), 1),
            demo_tenant=read("DEMO_TENANT", _yes_no, True),
            signing_secret=read("SIGNING_SECRET", Secret, None),
            mail_url=read("SMTP_URL", _url(("smtp", "smtps", "file")), None),
            mail_from=read("MAIL_FROM", _mail_address, "no-reply@tinget.localhost"),
            platform_url=read("PLATFORM_URL", _platform_url, None),
            images_url=read("IMAGES_URL", _images_url, None),
            vapid_private_key=vapid_private_key,
            vapid_subject=vapid_subject,
            push_services=read("PUSH_SERVICES", _push_services, DEFAULT_PUSH_SERVICES),
            metrics_host=read("METRICS_HOST", _host, http_host),
            metrics_port=read("METRICS_PORT", _port, None),
            pool_acquire_timeout=read("POOL_ACQUIRE_TIMEOUT", _seconds(600), 2.0),
            append_queue_limit=read("APPEND_QUEUE_LIMIT", _whole(1), 10_000),
            max_concurrent_requests=read("MAX_CONCURRENT_REQUESTS", _whole(1), 500),
            max_sse_connections=read("MAX_SSE_CONNECTIONS", _whole(1), 1_000),
            trusted_proxies=read("TRUSTED_PROXIES", _trusted_proxies, TrustedProxies()),
        )
        if reader.problems:
            raise ConfigError(reader.problems)
        return settings


@dataclass
class _Reader:
    env: Mapping[str, str]
    problems: list[tuple[str, str]] = field(default_factory=list)

    def read(self, name: str, parse: Callable[[str], T], default: T) -> T:
        """``TINGET_<name>`` parsed, or ``default`` when unset or blank; a bad value is noted
        (with the default standing in, so that every bad variable is found in one pass)."""
        value = self.env.get(PREFIX + name, "").strip()
        if not value:
            return default
        try:
            return parse(value)
        except (_Bad, ValueError) as error:
            reason = str(error).removeprefix(f"{PREFIX}{name}: ").removeprefix(PREFIX + name)
            self.problems.append((PREFIX + name, reason.strip(" :") or "is not valid"))
            return default


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not value.isdigit() or int(value) < low or (high is not None and int(value) > high):
            limit = f"{low} to {high}" if high is not None else f"a whole number from {low} on"
            raise _Bad(f"must be {limit}, not {value!r}")
        return int(value)

    return parse


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise _Bad(f"must be a port number (0 to 65535), not {value!r}")
    return int(value)


def _seconds(most: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            seconds = float(value)
        except ValueError:
            seconds = -1.0
        if not 0 < seconds <= most:
            raise _Bad(f"must be seconds above 0 (at most {most:g}), not {value!r}")
        return seconds

    return parse


def _yes_no(value: str) -> bool:
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    raise _Bad(f"must be yes or no, not {value!r}")


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise _Bad(f"must be one of {', '.join(LOG_LEVELS)}, not {value!r}")
    return value.upper()


def _log_format(value: str) -> str:
    if value not in LOG_FORMATS:
        raise _Bad(f"must be json or console (in lower case), not {value!r}")
    return value


def _host(value: str) -> str:
    if any(c.isspace() or c in "/@" for c in value):
        raise _Bad(f"must be a host name or address, not {value!r}")
    return value


def _stream_name(value: str) -> str:
    if not _NATS_NAME.fullmatch(value):
        raise _Bad(f"must be letters, digits, '-' or '_' (a JetStream stream name), not {value!r}")
    return value


def _subject_prefix(value: str) -> str:
    if not all(_NATS_NAME.fullmatch(token) for token in value.split(".")):
        raise _Bad(f"must be dot-separated tokens of letters, digits, '-' or '_', not {value!r}")
    return value


def _mail_address(value: str) -> str:
    if not _MAIL_ADDRESS.fullmatch(value):
        raise _Bad(f"must be an e-mail address such as no-reply@example.org, not {value!r}")
    return value


def _url(schemes: tuple[str, ...], *, bare: str | None = None) -> Callable[[str], SecretUrl]:
    """A URL of one of ``schemes`` (``bare``: the scheme a bare ``host:port`` is taken with);
    the reason names the scheme only, never the URL (it may carry a password)."""

    def parse(value: str) -> SecretUrl:
        try:
            parts = urlsplit(value if bare is None or "://" in value else f"{bare}://{value}")
            parts.port  # noqa: B018 - a port that is not a number raises here
        except ValueError:
            raise _Bad(f"is not a URL ({', '.join(s + '://' for s in schemes)}...)") from None
        scheme = parts.scheme.lower()
        if scheme not in schemes:
            found = f"{scheme!r}" if scheme else "none"
            raise _Bad(f"the scheme must be {' or '.join(schemes)}, not {found}")
        if scheme != "file" and not parts.hostname and "host=" not in parts.query:
            raise _Bad(f"a {scheme}:// URL needs a host")
        return SecretUrl(value)

    return parse


def _platform_url(value: str) -> str:
    """The platform console's address, as the links in platform staff's e-mails name it: an
    absolute https URL (http only on localhost), without user, query or fragment."""
    from events.errors import InvalidInput
    from tenants.values import public_url

    try:
        return public_url(value, "platform_url")
    except InvalidInput as error:
        raise _Bad(error.reason) from None


def _images_url(value: str) -> str:
    """A folder, a file:// folder, or s3://bucket (the store checks the options at start)."""
    parts = urlsplit(value)
    if parts.scheme in ("", "file"):
        return value
    if parts.scheme == "s3":
        if not parts.netloc:
            raise _Bad("an s3:// URL names its bucket: s3://bucket?endpoint=...&region=...")
        return value
    raise _Bad(f"must be a folder, file:///folder or s3://bucket, not a {parts.scheme}:// URL")


def _vapid_key(value: str) -> Secret:
    if not _BASE64URL.fullmatch(value):
        raise _Bad("must be a P-256 private key in base64url (raw or DER)")
    return Secret(value)


def _vapid_subject(value: str) -> str:
    if not value.startswith(("mailto:", "https://")):
        raise _Bad(f"must be a mailto: or https:// contact, not {value!r}")
    return value


def _push_services(value: str) -> tuple[str, ...]:
    from services.notifications.push_policy import parse_services  # loads aiohttp: only here

    return parse_services(value)


def _trusted_proxies(value: str) -> TrustedProxies:
    return TrustedProxies.parse(value)
