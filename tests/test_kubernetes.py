"""Fast tier: the Kubernetes manifests under k8s/, checked offline against the app they run.

kubernetes-validate proves each manifest is a well-formed resource of the Kubernetes
versions we support; it cannot see whether a selector finds its pods, a probe a real
route, or a variable a real setting, so the other tests compare those with the project.
"""

from __future__ import annotations

import ast
import copy
import functools
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from kubernetes_validate.utils import all_versions

from tests.checks import BIN, run
from tests.conftest import Bake
from tests.matrix import KUBERNETES_MANIFESTS, answers_for, option_rows, row_id

ROWS = [r for r in option_rows() if r["include_api"] and r["include_docker"]]
# The oldest release the manifests are written for: CronJob's timeZone and the
# PodDisruptionBudget's unhealthyPodEvictionPolicy are on by default from 1.27.
OLDEST_KUBERNETES = "1.27"
# Settings that are secrets: they come from the Secret, never from the ConfigMap.
SECRET_SETTINGS = {"API_KEY", "MLFLOW_TRACKING_USERNAME", "MLFLOW_TRACKING_PASSWORD"}
# Each custom resource's kind, and the openAPIV3Schema of its CRD, as published:
CRD_SCHEMAS = {
    # v1beta1, in kserve/kserve v0.20.0
    # (config/crd/full/serving.kserve.io_inferenceservices.yaml).
    "InferenceService": "kserve-v0.20.0-inferenceservice.json.gz",
    # v1, in prometheus-operator/prometheus-operator v0.93.0
    # (example/prometheus-operator-crd-full/monitoring.coreos.com_servicemonitors.yaml
    # and monitoring.coreos.com_prometheusrules.yaml).
    "ServiceMonitor": "prometheus-operator-v0.93.0-servicemonitor.json.gz",
    "PrometheusRule": "prometheus-operator-v0.93.0-prometheusrule.json.gz",
}
SCHEMAS = Path(__file__).parent / "schemas"
INFERENCE_SERVICE = "k8s/kserve/inferenceservice.yaml"
SERVICE_MONITOR = "k8s/monitoring/servicemonitor.yaml"
PROMETHEUS_RULE = "k8s/monitoring/prometheusrule.yaml"
# A slug that YAML reads as a boolean wherever a name is left unquoted.
SLUG_YES = {**ROWS[0], "project_name": "Yes", "project_slug": "yes"}


def release(version: str) -> tuple[int, ...]:
    return tuple(map(int, version.split(".")))


def supported_versions() -> list[str]:
    """Every Kubernetes minor release kubernetes-validate knows, from the oldest we support."""
    oldest = release(OLDEST_KUBERNETES)
    # all_versions() names each release twice: for its plain and its strict schemas.
    releases = {v for v in all_versions() if release(v)[:2] >= oldest}
    return sorted(releases, key=release)


def load_manifests(project: Path) -> dict[str, dict[str, Any]]:
    """Each manifest file's one resource, keyed by its kind."""
    resources: dict[str, dict[str, Any]] = {}
    for path in sorted((project / "k8s").glob("*.yaml")):
        documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        # One resource a file: pre-commit's check-yaml refuses several by default.
        assert len(documents) == 1, path.name
        resources[documents[0]["kind"]] = documents[0]
    return resources


def pod_specs(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The pod templates: the API's and the train job's."""
    return {
        "api": resources["Deployment"]["spec"]["template"],
        "train": resources["CronJob"]["spec"]["jobTemplate"]["spec"]["template"],
    }


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    spec = pod["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    """A label selector's matchLabels (or a Service's selector) picks these labels."""
    return bool(selector) and selector.items() <= labels.items()


def settings_variables(project: Path) -> set[str]:
    """Every variable Settings reads: .env.example lists exactly those (a project test
    keeps the two in step), commented out or not."""
    text = (project / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def get_routes(project: Path, package: str) -> dict[str, str]:
    """Each GET path of the API, mapped to the router that declares it
    (``module.router``)."""
    routes: dict[str, str] = {}
    for path in (project / "src" / package / "api" / "routes").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        prefixes = {
            target.id: next(
                (
                    str(ast.literal_eval(k.value))
                    for k in node.value.keywords
                    if k.arg == "prefix"
                ),
                "",
            )
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "APIRouter"
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef):
                for decorator in node.decorator_list:
                    if (
                        isinstance(decorator, ast.Call)
                        and isinstance(decorator.func, ast.Attribute)
                        and isinstance(decorator.func.value, ast.Name)
                        and decorator.func.attr == "get"
                        and decorator.args
                    ):
                        router = decorator.func.value.id
                        url = prefixes[router] + ast.literal_eval(decorator.args[0])
                        routes[url] = f"{path.stem}.{router}"
    return routes


def open_routers(project: Path, package: str) -> set[str]:
    """The routers app.py includes without dependencies (no API key asked), as
    ``module.router``."""
    tree = ast.parse(
        (project / "src" / package / "api" / "app.py").read_text(encoding="utf-8")
    )
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "include_router"
            and not any(k.arg == "dependencies" for k in node.keywords)
        ):
            router = node.args[0]
            assert isinstance(router, ast.Attribute) and isinstance(
                router.value, ast.Name
            )
            found.add(f"{router.value.id}.{router.attr}")
    return found


def prefix_of(answers: dict[str, Any]) -> str:
    """The prefix of the project's own settings variables."""
    return f"{answers['package_name'].upper()}_"


def option_value(command: list[str], option: str) -> str:
    assert option in command, f"{option} missing from {command}"
    return command[command.index(option) + 1]


def env_entries(pod: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for container in containers(pod):
        for entry in container.get("env", []):
            yield container["name"], entry


@pytest.mark.parametrize("row", [*ROWS, SLUG_YES], ids=[*map(row_id, ROWS), "slug-yes"])
def test_manifests_pass_kubernetes_validate_strict(
    bake: Bake, row: dict[str, Any]
) -> None:
    """Offline, against the bundled schemas of every supported release. The slug
    ``yes`` would be a boolean in YAML if a name were left unquoted."""
    project = bake(**row)
    files = sorted(
        p.relative_to(project).as_posix() for p in (project / "k8s").iterdir()
    )
    versions = supported_versions()
    # Outside `kubectl apply -f k8s/`, and kinds kubernetes-validate does not know (their
    # CRDs' schemas check them below): k8s/kserve/, the alternative to the plain
    # Deployment, and k8s/monitoring/, for clusters that run Prometheus Operator.
    assert files == sorted(
        [
            *(f"k8s/{name}.yaml" for name in KUBERNETES_MANIFESTS),
            "k8s/kserve",
            "k8s/monitoring",
        ]
    )

    args = [str(BIN / "kubernetes-validate"), "--strict"]
    for version in versions:
        args += ["-k", version]
    manifests = [f for f in files if f.endswith(".yaml")]
    result = run([*args, *manifests], project, timeout=120)

    lines = (result.stdout + result.stderr).splitlines()
    problems = "\n".join(line for line in lines if not line.startswith("INFO "))
    # An unknown kind or apiVersion is only a warning: it still exits 0.
    assert result.returncode == 0 and not problems, problems
    passed = [line for line in lines if " passed for resource " in line]
    assert len(passed) == len(manifests) * len(versions), problems
    assert versions[0] == f"{OLDEST_KUBERNETES}.0" and len(versions) > 1


@pytest.mark.parametrize("row", ROWS[:1], ids=row_id)
def test_selectors_find_the_api_pods_only(bake: Bake, row: dict[str, Any]) -> None:
    resources = load_manifests(bake(**row))
    deployment = resources["Deployment"]
    pods = pod_specs(resources)
    api_labels = pods["api"]["metadata"]["labels"]
    train_labels = pods["train"]["metadata"]["labels"]

    selectors = {
        "Deployment": deployment["spec"]["selector"]["matchLabels"],
        "Service": resources["Service"]["spec"]["selector"],
        "PodDisruptionBudget": resources["PodDisruptionBudget"]["spec"]["selector"][
            "matchLabels"
        ],
        **{
            f"topologySpread {n}": c["labelSelector"]["matchLabels"]
            for n, c in enumerate(pods["api"]["spec"]["topologySpreadConstraints"])
        },
    }
    for owner, selector in selectors.items():
        assert matches(selector, api_labels), owner
        assert not matches(selector, train_labels), owner  # no requests to a train pod
    target = resources["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert target == {
        "apiVersion": deployment["apiVersion"],
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    # The autoscaler owns the count; a replicas field would reset it on every apply.
    assert "replicas" not in deployment["spec"]
    assert resources["HorizontalPodAutoscaler"]["spec"]["minReplicas"] >= 2


@pytest.mark.parametrize("row", ROWS[:1], ids=row_id)
def test_probes_and_ports_are_the_apps(bake: Bake, row: dict[str, Any]) -> None:
    project = bake(**row)
    answers = answers_for(row)
    package, prefix = answers["package_name"], prefix_of(answers)
    resources = load_manifests(project)
    (api,) = containers(pod_specs(resources)["api"])
    ports = {p["name"]: p["containerPort"] for p in api["ports"]}
    routes = get_routes(project, package)
    env_example = (project / ".env.example").read_text(encoding="utf-8")
    default_port = int(re.findall(rf"^{prefix}API_PORT=(\d+)$", env_example, re.M)[0])
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")

    # serve listens on every interface, on the port the container declares.
    command = api["command"]
    assert command[:2] == [answers["project_slug"], "serve"]
    assert option_value(command, "--host") == "0.0.0.0"
    port = int(option_value(command, "--port"))
    assert list(ports.values()) == [port]
    assert port == default_port  # api_port's default, which the image EXPOSEs
    assert f"EXPOSE {port}" in dockerfile
    service_port = resources["Service"]["spec"]["ports"][0]["targetPort"]
    assert ports.get(service_port, service_port) == port
    assert f"{prefix}API_PORT" not in resources["ConfigMap"]["data"]
    # Liveness never looks at the model; readiness does; no probe needs the API key.
    probes = {
        kind: api[f"{kind}Probe"]["httpGet"]
        for kind in ("startup", "readiness", "liveness")
    }
    assert probes["liveness"]["path"] == "/health"
    assert probes["readiness"]["path"] == "/ready"
    for kind, probe in probes.items():
        assert probe["path"] in routes, (kind, probe, sorted(routes))
        assert routes[probe["path"]] in open_routers(project, package), (kind, probe)
        assert ports.get(probe["port"], probe["port"]) == port, (kind, probe)


@pytest.mark.parametrize("row", ROWS[:1], ids=row_id)
def test_environment_names_are_settings(bake: Bake, row: dict[str, Any]) -> None:
    project = bake(**row)
    resources = load_manifests(project)
    known = settings_variables(project)
    prefix = prefix_of(answers_for(row))
    prefixed_secrets = {
        name if name.startswith("MLFLOW_") else prefix + name
        for name in SECRET_SETTINGS
    }
    config = resources["ConfigMap"]

    assert prefixed_secrets <= known  # the names below are the settings' own
    assert set(config["data"]) <= known
    assert config["data"]["MLFLOW_DISABLE_TELEMETRY"] == "true"
    assert config["data"]["ORT_DISABLE_TELEMETRY"] == "1"
    assert not prefixed_secrets & set(config["data"])
    assert all(isinstance(value, str) for value in config["data"].values())
    for pod in pod_specs(resources).values():
        for container in containers(pod):
            assert container["envFrom"] == [
                {"configMapRef": {"name": config["metadata"]["name"]}}
            ]
        for name, entry in env_entries(pod):
            assert entry["name"] in known, (name, entry)
            secret = entry["valueFrom"]["secretKeyRef"]
            assert entry["name"] in prefixed_secrets, (name, entry)
            assert secret["key"] == entry["name"]
            assert secret["name"] == config["metadata"]["name"]
            assert secret["optional"] is True  # no key, no tracking login: defaults
    api_env = {e["name"] for _, e in env_entries(pod_specs(resources)["api"])}
    assert api_env == prefixed_secrets
    # No Secret is shipped: its values would sit in git. docs/scaling.md makes it.
    assert "Secret" not in resources


@pytest.mark.parametrize("row", ROWS[:1], ids=row_id)
def test_pods_run_as_the_image_user_on_a_read_only_root(
    bake: Bake, row: dict[str, Any]
) -> None:
    project = bake(**row)
    answers = answers_for(row)
    slug, prefix = answers["project_slug"], prefix_of(answers)
    resources = load_manifests(project)
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")
    uid = int(re.findall(r"^USER (\d+)", dockerfile, flags=re.MULTILINE)[-1])
    data = resources["ConfigMap"]["data"]
    images = set()

    for pod in pod_specs(resources).values():
        spec = pod["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["securityContext"]["runAsUser"] == uid
        assert spec["automountServiceAccountToken"] is False
        empty_dirs = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in containers(pod):
            images.add(container["image"])
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True
            assert security["allowPrivilegeEscalation"] is False
            assert security["capabilities"]["drop"] == ["ALL"]
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) == {"cpu", "memory"}
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts
            assert {m["name"] for m in container["volumeMounts"]} <= empty_dirs
    # Where the API writes: on its emptyDir, not on the read-only root.
    (api,) = containers(pod_specs(resources)["api"])
    writable = [Path(m["mountPath"]) for m in api["volumeMounts"]]
    for name in (f"{prefix}PREDICTION_LOG_PATH", "PROMETHEUS_MULTIPROC_DIR"):
        path = Path(data[name])
        assert path.is_absolute(), name
        assert any(path.is_relative_to(m) for m in writable), (name, path, writable)
    # One image everywhere, the one `make docker` builds, with a tag that names a release.
    (image,) = images
    repository, tag = image.rsplit(":", 1)
    assert repository.endswith(f"/{slug}") and tag != "latest"
    # The train job writes its data where DATA_PATH points, and trains from it.
    (fetch,) = pod_specs(resources)["train"]["spec"]["initContainers"]
    assert option_value(fetch["command"], "--out") == data[f"{prefix}DATA_PATH"]
    (train,) = pod_specs(resources)["train"]["spec"]["containers"]
    assert train["command"] == [slug, "train", "--json"]


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A CRD schema as the API server applies it under kubectl's default
    ``--validate=strict``: a field the schema does not name is an error, except where
    the CRD keeps unknown fields."""
    schema = dict(schema)
    if "properties" in schema:
        schema["properties"] = {k: strict(v) for k, v in schema["properties"].items()}
        if not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema.setdefault("additionalProperties", False)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            schema[key] = strict(schema[key])
    for key in ("allOf", "anyOf", "oneOf"):
        if key in schema:
            schema[key] = [strict(s) for s in schema[key]]
    return schema


@functools.cache
def crd_validator(kind: str) -> jsonschema.protocols.Validator:
    """The strict check of a custom resource of this kind (a key of CRD_SCHEMAS)."""
    schema = json.loads(gzip.decompress((SCHEMAS / CRD_SCHEMAS[kind]).read_bytes()))
    return jsonschema.Draft7Validator(strict(schema))


def load_resource(project: Path, manifest: str) -> dict[str, Any]:
    """The one resource of a manifest outside load_manifests' k8s/*.yaml."""
    documents = list(
        yaml.safe_load_all((project / manifest).read_text(encoding="utf-8"))
    )
    assert len(documents) == 1 and isinstance(documents[0], dict), manifest
    return documents[0]


def schema_errors(
    validator: jsonschema.protocols.Validator, resource: Any
) -> list[str]:
    return [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(resource)
    ]


@pytest.mark.parametrize("row", [ROWS[0], SLUG_YES], ids=[row_id(ROWS[0]), "slug-yes"])
def test_the_inference_service_is_valid_for_kserve(
    bake: Bake, row: dict[str, Any]
) -> None:
    project = bake(**row)
    service = load_resource(project, INFERENCE_SERVICE)

    assert service["apiVersion"] == "serving.kserve.io/v1beta1"
    assert service["kind"] == "InferenceService"
    deployment = load_manifests(project)["Deployment"]
    assert service["metadata"]["name"] == deployment["metadata"]["name"]
    assert schema_errors(crd_validator("InferenceService"), service) == []


def test_the_kserve_check_refuses_what_kserve_would(bake: Bake) -> None:
    """The check can fail: an unknown field, a wrong type and a value out of an enum."""
    kserve_validator = crd_validator("InferenceService")
    service = load_resource(bake(**ROWS[0]), INFERENCE_SERVICE)
    typo = copy.deepcopy(service)
    typo["spec"]["predictor"]["minReplica"] = typo["spec"]["predictor"].pop(
        "minReplicas"
    )
    wrong_type = copy.deepcopy(service)
    wrong_type["spec"]["predictor"]["containers"][0]["ports"][0][
        "containerPort"
    ] = "8000"
    unknown_metric = copy.deepcopy(service)
    unknown_metric["spec"]["predictor"]["scaleMetric"] = "latency"

    assert "minReplica" in " ".join(schema_errors(kserve_validator, typo))
    assert any(
        "containerPort" in e for e in schema_errors(kserve_validator, wrong_type)
    )
    assert any(
        "scaleMetric" in e for e in schema_errors(kserve_validator, unknown_metric)
    )


@pytest.mark.parametrize("row", ROWS[:1], ids=row_id)
def test_the_inference_service_runs_the_deployments_pods(
    bake: Bake, row: dict[str, Any]
) -> None:
    """Same container (image, command, port, probes, env, resources, security), same pod
    settings and labels, and the HPA's scaling, under KServe's names for them."""
    project = bake(**row)
    resources = load_manifests(project)
    service = load_resource(project, INFERENCE_SERVICE)
    template = resources["Deployment"]["spec"]["template"]
    pod = copy.deepcopy(template["spec"])
    predictor = copy.deepcopy(service["spec"]["predictor"])
    hpa = resources["HorizontalPodAutoscaler"]["spec"]

    (container,) = predictor.pop("containers")
    (api,) = pod.pop("containers")
    assert container.pop("name") == "kserve-container"  # the name KServe looks for
    api.pop("name")
    assert container == api
    assert predictor.pop("labels") == template["metadata"]["labels"]
    disruption_budget = resources["PodDisruptionBudget"]["spec"]["selector"]
    assert matches(
        disruption_budget["matchLabels"], service["spec"]["predictor"]["labels"]
    )
    assert {
        "minReplicas": predictor.pop("minReplicas"),
        "maxReplicas": predictor.pop("maxReplicas"),
        "metric": (predictor.pop("scaleMetric"), predictor.pop("scaleTarget")),
    } == {
        "minReplicas": hpa["minReplicas"],
        "maxReplicas": hpa["maxReplicas"],
        "metric": (
            hpa["metrics"][0]["resource"]["name"],
            hpa["metrics"][0]["resource"]["target"]["averageUtilization"],
        ),
    }
    assert predictor == pod
    # A plain Deployment behind it: no Knative or service mesh to install.
    annotations = service["metadata"]["annotations"]
    assert annotations["serving.kserve.io/deploymentMode"] == "Standard"


@pytest.mark.parametrize("row", [*ROWS, SLUG_YES], ids=[*map(row_id, ROWS), "slug-yes"])
def test_the_monitoring_resources_are_valid_for_prometheus_operator(
    bake: Bake, row: dict[str, Any]
) -> None:
    project = bake(**row)

    for manifest, kind in (
        (SERVICE_MONITOR, "ServiceMonitor"),
        (PROMETHEUS_RULE, "PrometheusRule"),
    ):
        resource = load_resource(project, manifest)
        assert resource["apiVersion"] == "monitoring.coreos.com/v1", manifest
        assert resource["kind"] == kind, manifest
        assert resource["metadata"]["name"] == project.name, manifest
        assert schema_errors(crd_validator(kind), resource) == [], manifest


@pytest.mark.parametrize("row", [*ROWS, SLUG_YES], ids=[*map(row_id, ROWS), "slug-yes"])
def test_the_service_monitor_scrapes_what_the_rules_watch(
    bake: Bake, row: dict[str, Any]
) -> None:
    """The PrometheusRule is monitoring/rules.yml; the ServiceMonitor scrapes the API's
    Service at /metrics, under the job label (the Service's name) those rules select."""
    project = bake(**row)
    slug = project.name
    package = json.loads((project / ".cookiecutter.json").read_text("utf-8"))[
        "package_name"
    ]
    service = load_manifests(project)["Service"]
    monitor = load_resource(project, SERVICE_MONITOR)["spec"]
    rule = load_resource(project, PROMETHEUS_RULE)["spec"]
    rules = yaml.safe_load((project / "monitoring/rules.yml").read_text("utf-8"))

    assert rule == {"groups": rules["groups"]}
    assert list(monitor["selector"]) == ["matchLabels"]
    assert matches(monitor["selector"]["matchLabels"], service["metadata"]["labels"])
    assert "namespaceSelector" not in monitor  # the Service is in the same namespace
    (endpoint,) = monitor["endpoints"]
    assert endpoint["port"] in {port["name"] for port in service["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    # Prometheus sends no API key: the route must be an open one.
    routes = get_routes(project, package)
    assert routes["/metrics"] in open_routers(project, package)
    # Without a jobLabel, the operator names the job after the Service.
    assert "jobLabel" not in monitor
    assert service["metadata"]["name"] == slug
    alerts = {
        r["alert"]: r
        for group in rules["groups"]
        for r in group["rules"]
        if "alert" in r
    }
    assert f'up{{job="{slug}"}}' in alerts["NoReadyReplica"]["expr"]
    assert alerts["NoReadyReplica"]["labels"]["job"] == slug
    selected = {
        job
        for group in rules["groups"]
        for r in group["rules"]
        for job in re.findall(r'\bjob="([^"]*)"', r["expr"])
    }
    assert selected == {slug}


def test_the_prometheus_operator_check_refuses_what_the_operator_would(
    bake: Bake,
) -> None:
    """The check can fail: unknown fields, wrong types, a duration without its unit."""
    project = bake(**ROWS[0])
    monitor = load_resource(project, SERVICE_MONITOR)
    rule = load_resource(project, PROMETHEUS_RULE)

    def errors(kind: str, resource: dict[str, Any], change: Any) -> str:
        changed = copy.deepcopy(resource)
        change(changed["spec"])
        return "\n".join(schema_errors(crd_validator(kind), changed))

    def typo(spec: dict[str, Any]) -> None:
        spec["endpoints"][0]["intervall"] = spec["endpoints"][0].pop("interval")

    assert "'intervall' was unexpected" in errors("ServiceMonitor", monitor, typo)
    assert "spec.endpoints.0.interval: 15 is not of type 'string'" in errors(
        "ServiceMonitor",
        monitor,
        lambda spec: spec["endpoints"][0].update(interval=15),
    )
    assert "spec.endpoints.0.interval: '15' does not match" in errors(
        "ServiceMonitor",
        monitor,
        lambda spec: spec["endpoints"][0].update(interval="15"),
    )
    assert "spec.endpoints: {} is not of type 'array'" in errors(
        "ServiceMonitor", monitor, lambda spec: spec.update(endpoints={})
    )
    # Prometheus's own key for a group's period is interval.
    assert "'evaluation_interval' was unexpected" in errors(
        "PrometheusRule",
        rule,
        lambda spec: spec["groups"][0].update(evaluation_interval="1m"),
    )
    # What an unquoted `job: yes` would be.
    assert "labels.job: True is not of type 'string'" in errors(
        "PrometheusRule",
        rule,
        lambda spec: spec["groups"][1]["rules"][0]["labels"].update(job=True),
    )
