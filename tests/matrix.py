"""The option matrix and the file set each row must produce: pure data and functions."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

TEMPLATE_ROOT = Path(__file__).resolve().parents[1]
DEFAULTS: dict[str, Any] = json.loads(
    (TEMPLATE_ROOT / "cookiecutter.json").read_text(encoding="utf-8")
)

# Answers shared by every row: the defaults, but no git repository unless a row asks.
BASE: dict[str, Any] = {"project_name": "Churn Predictor", "init_git": False}

# Options whose files or contents depend on each other are crossed...
CROSSED: dict[str, tuple[Any, ...]] = {
    "include_api": (True, False),
    "include_docker": (True, False),
    "include_github_actions": (True, False),
}
# ...the rest are cycled so that every value shows up in some row.
CYCLED: dict[str, tuple[Any, ...]] = {
    "include_pre_commit": (True, False),
    # Periods 4 and 2 put both on in two rows, one with git and one without.
    "include_airflow": (True, True, False, False),
    "include_dvc": (True, False),
    # Each pairing of these two with and without the API (on in the first four rows),
    # the feature store beside DVC, the drift report beside Airflow and the workflows.
    "include_feature_store": (False, False, True, True),
    "include_drift_report": (False, True, True, False),
    "init_git": (False, True, False),
    "python_version": tuple(DEFAULTS["python_version"]),
    "license": tuple(DEFAULTS["license"]),
    "task": tuple(DEFAULTS["task"]),
}
BOOLEAN_NAMES = {
    "include_api": "api",
    "include_docker": "docker",
    "include_github_actions": "actions",
    "include_pre_commit": "precommit",
    "include_airflow": "airflow",
    "include_dvc": "dvc",
    "include_feature_store": "feast",
    "include_drift_report": "evidently",
    "init_git": "git",
}


# The Kubernetes manifests under k8s/, rendered when the project has the API and Docker.
KUBERNETES_MANIFESTS = (
    "configmap",
    "deployment",
    "service",
    "hpa",
    "pdb",
    "train-cronjob",
)


def row_id(row: dict[str, Any]) -> str:
    """A readable id such as ``api-nodocker-actions-precommit-nogit-py311-mit``."""
    parts = [
        name if row[option] else f"no{name}" for option, name in BOOLEAN_NAMES.items()
    ]
    parts.append("py" + row["python_version"].replace(".", ""))
    parts.append(row["license"].lower())
    parts.append(row["task"])
    return "-".join(parts)


def option_rows() -> list[dict[str, Any]]:
    """Every combination of the crossed options, the others cycled alongside."""
    crossed = [
        dict(zip(CROSSED, values, strict=True))
        for values in itertools.product(*CROSSED.values())
    ]
    cycles = {option: itertools.cycle(values) for option, values in CYCLED.items()}
    return [
        {**BASE, **combination, **{option: next(it) for option, it in cycles.items()}}
        for combination in crossed
    ]


# What the slow tier runs in a baked project (sync, linters, mypy, pytest, the CLI,
# pre-commit, git) depends on these answers; Docker and the workflows only add files,
# which the fast tier checks in every row.
SLOW_TIER_OPTIONS = (
    "include_api",
    "include_pre_commit",
    "include_airflow",
    "include_dvc",
    "include_feature_store",
    "include_drift_report",
    "init_git",
    "python_version",
    "task",
)


def slow_traits(row: dict[str, Any]) -> set[tuple[str, Any]]:
    """What a row brings to the slow tier: its answers that change what runs there, the
    Python its API is served on, the feature store with or without the API (the entity
    lookups), and pre-commit over the Docker and workflow files."""
    traits = {(option, row[option]) for option in SLOW_TIER_OPTIONS}
    if row["include_api"]:
        traits.add(("serves on", row["python_version"]))
        traits.add(("serves", row["task"]))
    if row["include_feature_store"]:
        traits.add(("feature store with the API", row["include_api"]))
    if row["include_pre_commit"] and row["include_docker"]:
        traits.add(("pre-commit over", "Dockerfile"))
    if row["include_pre_commit"] and row["include_github_actions"]:
        traits.add(("pre-commit over", "workflows"))
    return traits


def slow_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows, in order, that each bring the slow tier something no earlier one did.

    Baking, syncing and testing a project takes minutes; a row whose every trait an
    earlier row already has would run the same code again.
    """
    chosen: list[dict[str, Any]] = []
    seen: set[tuple[str, Any]] = set()
    for row in rows:
        new = slow_traits(row) - seen
        if new:
            chosen.append(row)
            seen |= new
    return chosen


def answers_for(row: dict[str, Any]) -> dict[str, Any]:
    """The full answers a row bakes with: defaults, then the row's choices."""
    answers = {
        key: value[0] if isinstance(value, list) else value
        for key, value in DEFAULTS.items()
        if not key.startswith("_")
    }
    answers.update(row)
    answers["project_slug"] = "churn-predictor"
    answers["package_name"] = "churn_predictor"
    return answers


def expected_files(answers: dict[str, Any]) -> set[str]:
    """The exact set of files (POSIX paths, ``.git`` excluded) a bake must produce."""
    package = f"src/{answers['package_name']}"
    files = {
        ".cookiecutter.json",
        ".env.example",
        ".gitignore",
        ".python-version",
        "LICENSE",
        "Makefile",
        "README.md",
        "pyproject.toml",
        "data/README.md",
        "docs/scaling.md",
        *(
            f"{package}/{module}.py"
            for module in (
                "__init__",
                "__main__",
                "batch_files",
                "champion",
                "cli",
                "columns",
                "config",
                "contract",
                "dask_scoring",
                "dask_training",
                "data",
                "drift_bins",
                "errors",
                "evaluation",
                "infer",
                "logs",
                "metrics",
                "model",
                "model_card",
                "monitoring",
                "onnx_converters",
                "onnx_model",
                "outputs",
                "predict",
                "promotion",
                "registry",
                "registry_rest",
                "sample",
                "schema",
                "search_space",
                "seed",
                "tracking",
                "train",
                "tuning",
            )
        ),
        f"{package}/py.typed",
        *(
            f"tests/{module}.py"
            for module in (
                "__init__",
                "conftest",
                "contract_cases",
                "processes",
                "test_batch_files",
                "test_champion",
                "test_cli",
                "test_columns",
                "test_config",
                "test_contract",
                "test_dask_scoring",
                "test_dask_training",
                "test_data",
                "test_evaluation",
                "test_infer",
                "test_logs",
                "test_metrics",
                "test_model",
                "test_monitoring",
                "test_outputs",
                "test_predict",
                "test_promotion",
                "test_registry",
                "test_registry_rest",
                "test_sample",
                "test_schema",
                "test_seed",
                "test_train",
                "test_tuning",
            )
        ),
    }
    if answers["include_api"]:
        api = (
            "__init__",
            "app",
            "deps",
            "drift_meter",
            "error_forms",
            "invalid_request",
            "metrics",
            "mlflow_protocol",
            "open_inference",
            "prediction_log",
            "schemas",
            "scoring",
            "serving",
        )
        routes = ("admin", "health", "invocations", "metrics", "model", "predict", "v2")
        files |= {f"{package}/api/{module}.py" for module in api}
        files |= {
            f"{package}/api/routes/{module}.py" for module in ("__init__", *routes)
        }
        files |= {f"tests/api/routes/test_{module}.py" for module in routes}
        files |= {
            "tests/api/__init__.py",
            "tests/api/cases.py",
            "tests/api/conftest.py",
            "tests/api/test_export_openapi.py",
            "tests/api/routes/__init__.py",
            "tests/api/test_invalid_request.py",
            "tests/api/test_metrics.py",
            "tests/api/test_schemathesis.py",
            "tests/api/test_server.py",
        }
        files |= {
            "docs/monitoring.md",
            "monitoring/prometheus.yml",
            "monitoring/rules.yml",
            "monitoring/rules_test.yml",
            "monitoring/rules_test_days.yml",
            "monitoring/grafana/dashboard.json",
            "monitoring/grafana/dashboards.yml",
            "monitoring/grafana/datasources.yml",
            "tests/api/test_alert_rules.py",
            "tests/api/test_prometheus.py",
        }
    if answers["include_docker"]:
        files |= {"Dockerfile", ".dockerignore", "docker-compose.yml"}
        files |= {"docker/mlflow.Dockerfile"}
    if answers["include_api"] and answers["include_docker"]:
        files |= {f"k8s/{name}.yaml" for name in KUBERNETES_MANIFESTS}
        files |= {"k8s/kserve/inferenceservice.yaml"}
        files |= {"k8s/monitoring/servicemonitor.yaml"}
        files |= {"k8s/monitoring/prometheusrule.yaml"}
    if answers["include_github_actions"]:
        files |= {".github/dependabot.yml"}
        files |= {
            f".github/workflows/{name}.yml"
            for name in ("ci", "retrain", "template-update")
        }
    if answers["include_pre_commit"]:
        files |= {".pre-commit-config.yaml"}
    if answers["include_airflow"]:
        dag = f"{answers['package_name']}_training"
        files |= {
            f"dags/{dag}.py",
            "dags/.airflowignore",
            "dags/requirements.txt",
            f"dags/tests/test_{dag}.py",
        }
    if answers["include_dvc"]:
        files |= {"dvc.yaml", "params.yaml", ".dvcignore", "reports/README.md"}
        files |= {".dvc/config", ".dvc/.gitignore", "tests/test_dvc.py"}
    if answers["include_feature_store"]:
        files |= {
            "feature_repo/definitions.py",
            f"{package}/features.py",
            "tests/test_features.py",
        }
        if answers["include_api"]:
            files |= {f"{package}/api/entities.py", "tests/api/test_entities.py"}
    if answers["include_drift_report"]:
        files |= {f"{package}/drift_report.py", "tests/test_drift_report.py"}
    return files


def baked_files(project: Path) -> set[str]:
    """Every file under the project, as POSIX paths, leaving out ``.git``."""
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(project).parts
    }
