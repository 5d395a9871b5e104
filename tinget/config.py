"""Configuration from environment variables (see README.md for the list)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gateway.forwarding import TrustedProxies
from services.notifications.push_policy import DEFAULT_PUSH_SERVICES, parse_services


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    app_database_url: str | None = None
    worker_database_url: str | None = None
    nats_url: str | None = None
    data_dir: Path = Path(".tinget")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True
    subject_prefix: str = "tinget"
    stream_name: str = "TINGET"
    stream_replicas: int = 1
    demo_tenant: bool = True
    signing_secret: str | None = None
    mail_url: str | None = None
    mail_from: str = "no-reply@tinget.localhost"
    images_url: str | None = None
    vapid_private_key: str | None = None
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

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        e = dict(os.environ if env is None else env)

        def get(name: str) -> str | None:
            value = e.get(f"TINGET_{name}", "").strip()
            return value or None

        port = get("HTTP_PORT")
        if port is not None and not port.isdigit():
            raise ValueError(f"TINGET_HTTP_PORT must be a port number, not {port!r}")
        replicas = get("STREAM_REPLICAS") or "1"
        if not replicas.isdigit() or not 1 <= int(replicas) <= 5:
            raise ValueError(f"TINGET_STREAM_REPLICAS must be 1 to 5, not {replicas!r}")
        metrics_port = get("METRICS_PORT")
        if metrics_port is not None and not metrics_port.isdigit():
            raise ValueError(f"TINGET_METRICS_PORT must be a port number, not {metrics_port!r}")
        acquire_timeout = get("POOL_ACQUIRE_TIMEOUT") or "2"
        try:
            pool_acquire_timeout = float(acquire_timeout)
        except ValueError:
            pool_acquire_timeout = -1.0
        if not 0 < pool_acquire_timeout <= 600:
            raise ValueError(
                "TINGET_POOL_ACQUIRE_TIMEOUT must be seconds above 0 (at most 600),"
                f" not {acquire_timeout!r}"
            )
        return cls(
            database_url=get("DATABASE_URL"),
            app_database_url=get("APP_DATABASE_URL"),
            worker_database_url=get("WORKER_DATABASE_URL"),
            nats_url=get("NATS_URL"),
            data_dir=Path(get("DATA_DIR") or ".tinget"),
            http_host=get("HTTP_HOST") or "127.0.0.1",
            http_port=int(port) if port else 8000,
            log_level=get("LOG_LEVEL") or "INFO",
            log_json=(get("LOG_FORMAT") or "json") == "json",
            subject_prefix=get("SUBJECT_PREFIX") or "tinget",
            stream_name=get("STREAM") or "TINGET",
            stream_replicas=int(replicas),
            demo_tenant=(get("DEMO_TENANT") or "yes").lower() not in {"no", "0", "false"},
            signing_secret=get("SIGNING_SECRET"),
            mail_url=get("SMTP_URL"),
            mail_from=get("MAIL_FROM") or "no-reply@tinget.localhost",
            images_url=get("IMAGES_URL"),
            vapid_private_key=get("VAPID_PRIVATE_KEY"),
            vapid_subject=get("VAPID_SUBJECT"),
            push_services=parse_services(get("PUSH_SERVICES") or ",".join(DEFAULT_PUSH_SERVICES)),
            metrics_host=get("METRICS_HOST") or get("HTTP_HOST") or "127.0.0.1",
            metrics_port=int(metrics_port) if metrics_port else None,
            pool_acquire_timeout=pool_acquire_timeout,
            append_queue_limit=_count(get, "APPEND_QUEUE_LIMIT", 10_000),
            max_concurrent_requests=_count(get, "MAX_CONCURRENT_REQUESTS", 500),
            max_sse_connections=_count(get, "MAX_SSE_CONNECTIONS", 1_000),
            trusted_proxies=TrustedProxies.parse(get("TRUSTED_PROXIES") or ""),
        )


def _count(get: Callable[[str], str | None], name: str, default: int) -> int:
    """A positive whole number from ``TINGET_<name>``, or ``default`` when unset."""
    value = get(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"TINGET_{name} must be a whole number above 0, not {value!r}")
    return int(value)
