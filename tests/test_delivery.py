"""Fast tier: what ships the project (workflows, dependabot, Docker), checked offline."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from jsonschema.validators import Draft7Validator
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from tests.checks import BIN, UV, interpreter, must, run
from tests.conftest import Bake
from tests.matrix import option_rows, row_id

ROWS = option_rows()
PINNED_ACTION = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def must_pass(args: list[str], cwd: Path) -> str:
    result = run(args, cwd, timeout=120)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def check_schema(schema: str, files: list[str], cwd: Path) -> None:
    """check-jsonschema with one of its built-in (offline) schemas."""
    must_pass([str(BIN / "check-jsonschema"), "--builtin-schema", schema, *files], cwd)


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["include_github_actions"]], ids=row_id
)
def test_workflows_are_valid_and_pass_zizmor(bake: Bake, row: dict[str, Any]) -> None:
    project = bake(**row)
    workflows = sorted((project / ".github" / "workflows").glob("*.yml"))

    check_schema("vendor.github-workflows", [*map(str, workflows)], project)
    check_schema("vendor.dependabot", [".github/dependabot.yml"], project)
    report = must_pass([str(BIN / "zizmor"), "--offline", ".github"], project)
    assert "No findings to report" in report


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["include_github_actions"]][:2], ids=row_id
)
def test_workflows_follow_the_house_rules(bake: Bake, row: dict[str, Any]) -> None:
    project = bake(**row)

    for path in (project / ".github" / "workflows").glob("*.yml"):
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for job in workflow["jobs"].values():
            assert job["timeout-minutes"] <= 60, path.name
            for step in job["steps"]:
                if "uses" in step:
                    line = next(
                        line.strip().removeprefix("- ").removeprefix("uses: ")
                        for line in path.read_text(encoding="utf-8").splitlines()
                        if step["uses"] in line
                    )
                    assert PINNED_ACTION.match(line), line
                if step.get("uses", "").startswith("actions/checkout"):
                    assert step["with"]["persist-credentials"] is False
    ci = yaml.safe_load((project / ".github/workflows/ci.yml").read_text("utf-8"))
    versions = ci["jobs"]["check"]["strategy"]["matrix"]["python"]
    assert versions[0] == row["python_version"]
    assert ("docker build" in str(ci)) == row["include_docker"]


@pytest.mark.parametrize(
    "row", [r for r in ROWS if r["include_github_actions"]], ids=row_id
)
def test_sbom_of_the_ci_step_is_cyclonedx_of_the_runtime_packages_only(
    bake: Bake, row: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The supply-chain job's SBOM, made here by the job's own step from a uv.lock.

    The audit beside it asks PyPI for advisories, so only GitHub runs that one.
    """
    # Each of the SBOM's ~2,000 file URLs is an iri-reference, which jsonschema checks
    # with rfc3987-syntax's parser at 0.2 s apiece; a URI reference (ASCII, stricter)
    # takes rfc3986-validator's regex, microseconds.
    checkers = Draft7Validator.FORMAT_CHECKER.checkers
    monkeypatch.setitem(checkers, "iri-reference", checkers["uri-reference"])
    project = bake(**row)
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text("utf-8"))
    steps = workflow["jobs"]["supply-chain"]["steps"]
    runs = [step["run"] for step in steps if "run" in step]
    assert "make audit" in runs
    make_sbom = next(command for command in runs if "sbom" in command)
    upload = next(
        step for step in steps if step.get("uses", "").startswith("actions/upload-")
    )

    # The uv.lock that `make setup` writes and the team commits.
    must(
        [UV, "lock", "--quiet", "--python", interpreter(row["python_version"])], project
    )
    must(shlex.split(make_sbom), project, timeout=120)

    text = (project / upload["with"]["path"]).read_text(encoding="utf-8")
    assert JsonStrictValidator(SchemaVersion.V1_5).validate_str(text) is None
    sbom = json.loads(text)
    assert sbom["metadata"]["component"]["name"] == project.name
    listed = {canonicalize_name(c["name"]) for c in sbom["components"]}
    pyproject = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))
    runtime = {
        canonicalize_name(Requirement(line).name)
        for line in pyproject["project"]["dependencies"]
    }
    lock = tomllib.loads((project / "uv.lock").read_text("utf-8"))

    assert {"onnxruntime", "pydantic"} <= runtime
    assert ("fastapi" in runtime) == row["include_api"]
    assert listed == runtime_closure(lock, project.name)  # every platform's
    assert runtime <= listed
    assert not {"pytest", "black", "ruff", "pre-commit", "dvc", "evidently"} & listed
    assert not {"lightgbm", "optuna", "onnxmltools"} & listed  # extras, left out too


def runtime_closure(lock: dict[str, Any], project: str) -> set[NormalizedName]:
    """The names ``project`` needs in uv.lock: its dependencies, theirs, and the extras
    they ask for; no dependency group and no extra of the project's own."""
    packages: dict[str, list[dict[str, Any]]] = {}
    for package in lock["package"]:  # a name may come in several versions (markers)
        packages.setdefault(package["name"], []).append(package)
    seen: set[tuple[str, str]] = set()
    todo = [(project, "")]  # (name, "" for its dependencies or one of its extras)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        name, extra = node
        for package in packages[name]:
            edges = (
                package.get("optional-dependencies", {}).get(extra, [])
                if extra
                else package.get("dependencies", [])
            )
            todo += [
                (edge["name"], wanted)
                for edge in edges
                for wanted in ["", *edge.get("extra", [])]
            ]
    return {canonicalize_name(name) for name, _ in seen} - {project}


@pytest.mark.parametrize("row", [r for r in ROWS if r["include_docker"]], ids=row_id)
def test_dockerfile_passes_hadolint_and_runs_as_non_root(
    bake: Bake, row: dict[str, Any]
) -> None:
    project = bake(**row)
    dockerfile = (project / "Dockerfile").read_text(encoding="utf-8")

    must_pass([str(BIN / "hadolint"), "Dockerfile"], project)
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    users = re.findall(r"^USER (\S+)", final_stage, flags=re.MULTILINE)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    copied = re.findall(r"^COPY (.+)$", dockerfile, flags=re.MULTILINE)
    assert not any(".env" in line or "data" in line.split() for line in copied)
    assert ("HEALTHCHECK" in final_stage) == row["include_api"]
    ignored = (project / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignored[0] != "!*" and "*" in ignored  # everything is left out by default...
    assert not any(line.startswith("!") and ".env" in line for line in ignored)


@pytest.mark.parametrize("row", [r for r in ROWS if r["include_docker"]], ids=row_id)
def test_compose_file_wires_the_team_stack(bake: Bake, row: dict[str, Any]) -> None:
    """No Docker daemon here: the compose spec's schema, then the wiring itself."""
    project = bake(**row)

    check_schema("vendor.compose-spec", ["docker-compose.yml"], project)
    must_pass([str(BIN / "hadolint"), "docker/mlflow.Dockerfile"], project)
    services = yaml.safe_load((project / "docker-compose.yml").read_text("utf-8"))[
        "services"
    ]
    monitoring = {"prometheus", "grafana"} if row["include_api"] else set()
    expected = {"postgres", "mlflow", "train"} | (
        {"api"} if row["include_api"] else set()
    )
    assert set(services) == expected | monitoring
    assert "healthcheck" in services["postgres"]
    assert services["mlflow"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"}
    }
    server = services["mlflow"]["command"]
    backend = server[server.index("--backend-store-uri") + 1]
    assert backend.startswith("postgresql://") and "@postgres:5432/" in backend
    assert "--artifacts-destination" in server and "--allowed-hosts" in server
    for name in expected - {"postgres", "mlflow"}:
        assert (
            services[name]["environment"]["MLFLOW_TRACKING_URI"] == "http://mlflow:5000"
        )
        assert services[name]["depends_on"] == {
            "mlflow": {"condition": "service_healthy"}
        }
    assert services["train"]["profiles"] == ["train"]
    published = [p for s in services.values() for p in s.get("ports", [])]
    assert all(
        p.startswith("127.0.0.1:") for p in published
    )  # nothing on all interfaces
    for name in monitoring:  # out of the default `up`, and fed the project's files
        assert services[name]["profiles"] == ["monitoring"]
        for volume in services[name]["volumes"]:
            source = volume.split(":")[0]
            assert not source.startswith("./") or (project / source).is_file(), volume
    if monitoring:
        scrape = yaml.safe_load((project / "monitoring/prometheus.yml").read_text())
        (job,) = scrape["scrape_configs"]
        assert job["job_name"] == project.name  # what the rules and dashboard select
        assert job["static_configs"] == [{"targets": ["api:8000"]}]
        sources = yaml.safe_load(
            (project / "monitoring/grafana/datasources.yml").read_text()
        )
        assert sources["datasources"][0]["url"] == "http://prometheus:9090"


def test_telemetry_is_off_wherever_the_project_runs(bake: Bake) -> None:
    """Settings default MLflow's and onnxruntime's off (the project's tests check that);
    the places they run say so too (images, compose, workflows, make ui)."""
    project = bake(include_api=True, include_docker=True, include_github_actions=True)

    def text(name: str) -> str:
        return (project / name).read_text(encoding="utf-8")

    switches = {"MLFLOW_DISABLE_TELEMETRY": "true", "ORT_DISABLE_TELEMETRY": "1"}
    mlflow_only = ["MLFLOW_DISABLE_TELEMETRY"]  # the tracking server has no onnxruntime
    for dockerfile, names in (
        ("Dockerfile", list(switches)),
        ("docker/mlflow.Dockerfile", mlflow_only),
    ):
        final_stage = text(dockerfile).split("\nFROM ")[-1]
        for name in names:
            line = rf"^\s*(ENV )?{name}={switches[name]}\b"
            assert re.search(line, final_stage, re.M), (dockerfile, name)
    services = yaml.safe_load(text("docker-compose.yml"))["services"]
    for service, names in (
        ("mlflow", mlflow_only),
        ("api", list(switches)),
        ("train", list(switches)),
    ):
        for name in names:
            value = services[service]["environment"][name]
            assert value == f"${{{name}:-{switches[name]}}}", (service, name)
    grafana = services["grafana"]["environment"]  # usage reporting, update checks
    assert {k: v for k, v in grafana.items() if k.startswith("GF_ANALYTICS_")} == {
        "GF_ANALYTICS_REPORTING_ENABLED": "false",
        "GF_ANALYTICS_CHECK_FOR_UPDATES": "false",
        "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES": "false",
    }
    for workflow in ("ci.yml", "retrain.yml"):
        document = yaml.safe_load(text(f".github/workflows/{workflow}"))
        assert switches.items() <= document["env"].items(), workflow
    for name, value in switches.items():
        assert f"\n{name}={value}\n" in text(".env.example")
    assert "ui: export MLFLOW_DISABLE_TELEMETRY ?= true\n" in text("Makefile")
