"""Settings: every TINGET_* variable parsed once into a frozen, typed struct; a bad value refused
at start naming the variable and the reason; secrets never shown."""

from __future__ import annotations

import dataclasses
import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from gateway.forwarding import TrustedProxies
from services.notifications.push_policy import PushPolicy
from services.notifications.push_services import DEFAULT_PUSH_SERVICES
from tests.helpers import run_tinget, without_tinget_settings
from tinget.config import ConfigError, Secret, SecretUrl, Settings
from tinget.logs import configure_logging
from tinget.runner import addresses_for

SECRETS = {
    "TINGET_DATABASE_URL": "postgresql://tinget:owner-pw-1@db.example:5432/tinget",
    "TINGET_APP_DATABASE_URL": "postgresql://tinget_app:app-pw-2@db.example/tinget",
    "TINGET_WORKER_DATABASE_URL": "postgresql://tinget_worker:worker-pw-3@db.example/tinget",
    "TINGET_NATS_URL": "nats://relay:nats-pw-4@nats.example:4222",
    "TINGET_SIGNING_SECRET": "signing-secret-5-" + "s" * 40,
    "TINGET_SMTP_URL": "smtp://mailer:smtp-pw-6@smtp.example:587?starttls=true",
    "TINGET_VAPID_PRIVATE_KEY": "vapidkey7AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "TINGET_VAPID_SUBJECT": "mailto:ops@example.org",
}
SECRET_PARTS = (
    "owner-pw-1",
    "app-pw-2",
    "worker-pw-3",
    "nats-pw-4",
    "signing-secret-5",
    "smtp-pw-6",
    "vapidkey7",
)


def test_defaults_are_typed_and_frozen() -> None:
    settings = Settings.from_env({})

    assert settings == Settings()
    assert (settings.http_host, settings.http_port, settings.metrics_port) == (
        "127.0.0.1",
        8000,
        None,
    )
    assert (settings.log_level, settings.log_json, settings.demo_tenant) == ("INFO", True, True)
    assert settings.data_dir == Path(".tinget")
    assert settings.trusted_proxies == TrustedProxies()
    assert settings.postgres_embedded
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.http_port = 9000  # type: ignore[misc]


def test_settings_read_without_the_push_client_loaded() -> None:
    """One list of push services serves settings and the push policy, and reading settings
    (every CLI call) does not load the HTTP client the push policy needs."""
    code = (
        "import sys; from tinget.config import Settings; Settings.from_env({});"
        " print('aiohttp' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
    assert PushPolicy().services == DEFAULT_PUSH_SERVICES


def test_good_values_are_parsed_into_their_types() -> None:
    settings = Settings.from_env(
        {
            **SECRETS,
            "TINGET_DATA_DIR": "/var/lib/tinget",
            "TINGET_HTTP_HOST": "0.0.0.0",
            "TINGET_HTTP_PORT": "8080",
            "TINGET_METRICS_PORT": "9464",
            "TINGET_LOG_LEVEL": "debug",
            "TINGET_LOG_FORMAT": "console",
            "TINGET_DEMO_TENANT": "no",
            "TINGET_STREAM": "TINGET_STAGING",
            "TINGET_SUBJECT_PREFIX": "tinget.staging",
            "TINGET_STREAM_REPLICAS": "3",
            "TINGET_IMAGES_URL": "s3://images?endpoint=https://s3.example&region=eu-north-1",
            "TINGET_TRUSTED_PROXIES": "10.0.0.0/8",
            "TINGET_POOL_ACQUIRE_TIMEOUT": "0.5",
        }
    )

    assert settings.data_dir == Path("/var/lib/tinget")
    assert (settings.http_host, settings.metrics_host) == ("0.0.0.0", "0.0.0.0")
    assert (settings.http_port, settings.metrics_port) == (8080, 9464)
    assert (settings.log_level, settings.log_json, settings.demo_tenant) == ("DEBUG", False, False)
    assert (settings.stream_name, settings.subject_prefix) == ("TINGET_STAGING", "tinget.staging")
    assert settings.stream_replicas == 3
    assert settings.pool_acquire_timeout == 0.5
    assert isinstance(settings.database_url, SecretUrl)
    assert isinstance(settings.signing_secret, Secret)
    assert settings.database_url.reveal() == SECRETS["TINGET_DATABASE_URL"]
    assert settings.signing_secret.reveal() == SECRETS["TINGET_SIGNING_SECRET"]
    assert not settings.postgres_embedded


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("LOG_FORMAT", "JSON", "must be json or console"),
        ("LOG_FORMAT", "text", "must be json or console"),
        ("LOG_LEVEL", "LOUD", "must be one of DEBUG, INFO"),
        ("HTTP_PORT", "eighty", "must be a port number"),
        ("HTTP_PORT", "70000", "must be a port number"),
        ("HTTP_PORT", "-1", "must be a port number"),
        ("HTTP_PROCESSES", "0", "must be 1 to 64"),
        ("HTTP_PROCESSES", "two", "must be 1 to 64"),
        ("METRICS_PORT", "9464.5", "must be a port number"),
        ("HTTP_HOST", "http://example.org", "must be a host name"),
        ("STREAM_REPLICAS", "7", "must be 1 to 5"),
        ("STREAM", "TINGET.EVENTS", "a JetStream stream name"),
        ("SUBJECT_PREFIX", "tinget..x", "dot-separated tokens"),
        ("SUBJECT_PREFIX", "tinget.*", "dot-separated tokens"),
        ("DEMO_TENANT", "maybe", "must be yes or no"),
        ("TRUSTED_PROXIES", "10.0.0.0/8,10.0.0.0/33", "'10.0.0.0/33' is not an address range"),
        ("TRUSTED_PROXIES", "proxy.example", "is not an address range"),
        ("DATABASE_URL", "mysql://u@db/tinget", "the scheme must be postgresql or postgres"),
        ("DATABASE_URL", "db.example:5432", "the scheme must be postgresql"),
        ("DATABASE_URL", "postgresql://u@db:port/x", "is not a URL"),
        ("APP_DATABASE_URL", "http://db/tinget", "the scheme must be postgresql"),
        ("WORKER_DATABASE_URL", "postgresql:///tinget", "needs a host"),
        ("NATS_URL", "http://nats:4222", "the scheme must be nats or tls"),
        ("SMTP_URL", "http://mail.example", "the scheme must be smtp or smtps or file"),
        ("IMAGES_URL", "ftp://images.example/x", "must be a folder, file:///folder or s3://"),
        ("IMAGES_URL", "s3://", "names its bucket"),
        ("MAIL_FROM", "nobody", "must be an e-mail address"),
        ("VAPID_SUBJECT", "http://ops.example", "mailto: or https://"),
        ("VAPID_PRIVATE_KEY", "not a key!", "P-256 private key"),
        ("PUSH_SERVICES", "10.0.0.1", "is not a host name"),
        ("POOL_ACQUIRE_TIMEOUT", "soon", "must be seconds above 0"),
        ("APPEND_QUEUE_LIMIT", "0", "a whole number from 1 on"),
        ("MAX_CONCURRENT_REQUESTS", "many", "a whole number from 1 on"),
        ("MAX_SSE_CONNECTIONS", "1e3", "a whole number from 1 on"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable_and_the_reason(
    variable: str, value: str, reason: str
) -> None:
    env = {f"TINGET_{variable}": value}
    if variable == "VAPID_PRIVATE_KEY":
        env["TINGET_VAPID_SUBJECT"] = "mailto:ops@example.org"

    with pytest.raises(ConfigError) as refused:
        Settings.from_env(env)

    assert [name for name, _ in refused.value.problems] == [f"TINGET_{variable}"]
    assert str(refused.value).startswith(f"TINGET_{variable}: ")
    assert reason in str(refused.value)


def test_every_bad_variable_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as refused:
        Settings.from_env(
            {
                "TINGET_LOG_FORMAT": "JSON",
                "TINGET_HTTP_PORT": "http",
                "TINGET_VAPID_PRIVATE_KEY": "vapidkeyAAAA",
            }
        )
    assert [name for name, _ in refused.value.problems] == [
        "TINGET_VAPID_SUBJECT",  # the key needs a contact
        "TINGET_HTTP_PORT",
        "TINGET_LOG_FORMAT",
    ]


def test_a_refused_url_never_quotes_its_password() -> None:
    for variable, url in [
        ("DATABASE_URL", "mysql://tinget:hunter2-db@db/tinget"),
        ("SMTP_URL", "http://mailer:hunter2-smtp@mail.example"),
        ("NATS_URL", "nats://relay:hunter2-nats@nats:port"),
    ]:
        with pytest.raises(ConfigError) as refused:
            Settings.from_env({f"TINGET_{variable}": url})
        assert f"TINGET_{variable}" in str(refused.value)
        assert "hunter2" not in str(refused.value)


async def test_secrets_never_appear_in_a_repr_a_str_or_a_log(tmp_path: Path) -> None:
    settings = Settings.from_env(SECRETS)
    lines = io.StringIO()
    handlers = logging.getLogger().handlers[:]
    configure_logging("DEBUG", stream=lines, cache=False)
    try:
        log = structlog.get_logger("test")
        log.info("settings", settings=settings, signing=settings.signing_secret)
        log.info("url", url=settings.database_url, nats=str(settings.nats_url))
        logging.getLogger("test").warning("settings %s", settings)
        async with addresses_for(dataclasses.replace(settings, data_dir=tmp_path)) as addresses:
            shown = [repr(settings), str(settings), f"{settings}", repr(addresses), str(addresses)]
            log.info("addresses", addresses=addresses)
            assert addresses.database_url == SECRETS["TINGET_DATABASE_URL"]  # given on, in full
            assert addresses.signing_secret == SECRETS["TINGET_SIGNING_SECRET"]
    finally:
        structlog.reset_defaults()
        logging.getLogger().handlers[:] = handlers
    shown.append(lines.getvalue())
    assert "db.example" in lines.getvalue()  # the lines were written, secrets masked

    for text in shown:
        for part in SECRET_PARTS:
            assert part not in text, (part, text)
    assert "postgresql://tinget:***@db.example:5432/tinget" in repr(settings)  # still useful
    assert "SecretUrl('smtp://mailer:***@smtp.example:587?starttls=true')" in repr(settings)


def tinget_with(*args: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """``tinget ARGS`` with only these TINGET_* variables."""
    env = without_tinget_settings()
    env.update({f"TINGET_{name}": value for name, value in variables.items()})
    return run_tinget(env, *args)


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"LOG_FORMAT": "JSON"}, "TINGET_LOG_FORMAT: must be json or console"),
        ({"HTTP_PORT": "eighty"}, "TINGET_HTTP_PORT: must be a port number"),
        ({"TRUSTED_PROXIES": "10.0.0.0/40"}, "TINGET_TRUSTED_PROXIES: '10.0.0.0/40'"),
        (
            {"SMTP_URL": "https://mailer:hunter2@mail.example"},
            "TINGET_SMTP_URL: the scheme must be smtp",
        ),
    ],
)
def test_the_cli_refuses_a_bad_value_at_start_without_a_traceback(
    variables: dict[str, str], says: str
) -> None:
    for command in (("tenants", "list"), ("catalogue",), ("serve",)):
        result = tinget_with(*command, **variables)

        assert result.returncode == 2, (command, result.stderr)
        assert result.stdout == ""
        assert says in result.stderr
        assert result.stderr.startswith("tinget: bad configuration: ")
        assert "Traceback" not in result.stderr
        assert "hunter2" not in result.stderr


def test_a_bare_nats_address_is_taken_as_nats_urls_do() -> None:
    settings = Settings.from_env({"TINGET_NATS_URL": "nats.example:4222"})
    assert settings.nats_url is not None
    assert settings.nats_url.reveal() == "nats.example:4222"  # nats-py adds nats:// itself
