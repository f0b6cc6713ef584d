"""The training DAG, in Airflow's own environment: ``make test-dags`` runs these.

Airflow is not in the project's environment (``dags/requirements.txt`` says why), so
this file runs apart from ``tests/``, without the project's conftest. Airflow reads its
settings when first imported: it is imported only after the fixture has set them.
"""

from __future__ import annotations

import json
import os
{%- if cookiecutter.include_github_actions %}
import shlex
{%- endif %}
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
{%- if cookiecutter.include_github_actions %}
import yaml
{%- endif %}

DAGS = Path(__file__).resolve().parents[1]
PROJECT = DAGS.parent
CLI = "{{ cookiecutter.project_slug }}"
DAG_ID = "{{ cookiecutter.package_name }}_training"
PREFIX = "{{ cookiecutter.package_name | upper }}_"
AIRFLOW = str(Path(sys.executable).parent / "airflow")


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home of Airflow's own for these tests (else it makes ~/airflow), no examples."""
    home = tmp_path_factory.mktemp("airflow")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW_HOME", str(home))
        patch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS))
        patch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
        yield home


def load_dags() -> Any:
    # Not at the top of the file: Airflow must see the settings of airflow_home first.
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=DAGS)


def test_the_dag_imports_with_its_steps_in_order(airflow_home: Path) -> None:
    bag = load_dags()

    assert bag.import_errors == {}
    assert list(bag.dags) == [DAG_ID]
    dag = bag.dags[DAG_ID]
    assert {task.task_id: task.downstream_task_ids for task in dag.tasks} == {
        "check_data": {"train"},
        "train": set(),
    }
    assert {task.task_id: task.retries for task in dag.tasks} == {
        "check_data": 0,
        "train": 2,
    }
    assert dag.max_active_runs == 1


def test_tune_before_train_adds_a_tune_step(
    airflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{PREFIX}TUNE_BEFORE_TRAIN", "true")

    dag = load_dags().dags[DAG_ID]

    assert {task.task_id: task.downstream_task_ids for task in dag.tasks} == {
        "check_data": {"tune"},
        "tune": {"train"},
        "train": set(),
    }


def test_the_schedule_is_the_retrain_schedule_setting(
    airflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{PREFIX}RETRAIN_SCHEDULE", "0 6 * * *")

    dag = load_dags().dags[DAG_ID]

    assert dag.schedule == "0 6 * * *"


def test_a_bad_schedule_is_an_import_error_naming_the_setting(
    airflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{PREFIX}RETRAIN_SCHEDULE", "every monday")

    errors = load_dags().import_errors

    assert list(errors) == [str(DAGS / f"{DAG_ID}.py")]
    message = next(iter(errors.values()))
    assert f"{PREFIX}RETRAIN_SCHEDULE='every monday'" in message
    assert "'@daily'" in message
{%- if cookiecutter.include_github_actions %}


def workflow_commands() -> list[tuple[str, ...]]:
    """The CLI commands the retrain workflow runs, in order, without their pipes."""
    path = PROJECT / ".github" / "workflows" / "retrain.yml"
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    commands = []
    for step in workflow["jobs"]["retrain"]["steps"]:
        words = shlex.split(step.get("run", ""))
        if words[:3] == ["uv", "run", CLI]:
            arguments = words[3:]
            end = arguments.index("|") if "|" in arguments else len(arguments)
            commands.append(tuple(arguments[:end]))
    return commands


def test_the_retrain_workflow_runs_the_same_steps(
    airflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both run tune under the same switch: the workflow by its repository variable.
    monkeypatch.setenv(f"{PREFIX}TUNE_BEFORE_TRAIN", "true")
    dag = load_dags().dags[DAG_ID]
    steps = [tuple(task.op_args) for task in dag.tasks]

    fetch, *rest = workflow_commands()

    assert fetch == ("make-sample-data",)  # the placeholder for fetching fresh data
    assert rest == steps
{%- endif %}


def cli(*args: str) -> None:
    """Run the project's CLI in its own environment, as the DAG's tasks do."""
    subprocess.run(["uv", "run", "--frozen", CLI, *args], cwd=PROJECT, check=True)


def dags_test(work: Path, data: Path) -> subprocess.CompletedProcess[str]:
    """One `airflow dags test` run, training against a tracking store under ``work``."""
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}",
        f"{PREFIX}ARTIFACT_DIR": str(work / "mlartifacts"),
        f"{PREFIX}DATA_PATH": str(data),
    }
    return subprocess.run(
        [AIRFLOW, "dags", "test", DAG_ID],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def task_states(home: Path) -> dict[str, str]:
    """Each task's state in the last run Airflow recorded."""
    with sqlite3.connect(home / "airflow.db") as db:
        rows = db.execute(
            "SELECT task_id, state FROM task_instance WHERE run_id = "
            "(SELECT run_id FROM dag_run ORDER BY id DESC LIMIT 1)"
        ).fetchall()
    return dict(rows)


@pytest.fixture(scope="module")
def migrated(airflow_home: Path) -> Path:
    subprocess.run([AIRFLOW, "db", "migrate"], check=True, capture_output=True)
    return airflow_home


def test_a_run_trains_registers_and_returns_the_summary(
    migrated: Path, tmp_path: Path
) -> None:
    data = tmp_path / "train.csv"
    cli("make-sample-data", "--out", str(data))

    result = dags_test(tmp_path, data)

    assert result.returncode == 0, result.stdout + result.stderr
    assert task_states(migrated) == {"check_data": "success", "train": "success"}
    with sqlite3.connect(tmp_path / "mlflow.db") as db:
        versions = db.execute("SELECT name, version FROM model_versions").fetchall()
    assert versions == [(CLI, 1)]
    with sqlite3.connect(migrated / "airflow.db") as db:
        [(value,)] = db.execute(
            "SELECT value FROM xcom WHERE task_id = 'train' AND key = 'return_value'"
        ).fetchall()
    summary = json.loads(value)
    assert summary["model_version"] == 1
    assert summary["promoted"] is True
    assert summary["data_path"] == str(data)


def test_bad_data_fails_the_run_at_check_data_with_the_reason(
    migrated: Path, tmp_path: Path
) -> None:
    data = tmp_path / "train.csv"
    # Whatever the contract: no column of it, and one it does not know.
    data.write_text("not_in_the_contract\n1\n", encoding="utf-8")

    result = dags_test(tmp_path, data)

    assert result.returncode != 0
    assert task_states(migrated) == {
        "check_data": "failed",
        "train": "upstream_failed",
    }
    # `airflow dags test` prints the task logs: the CLI's own reason is there.
    assert f"{data} breaks the data contract" in result.stdout + result.stderr
    assert "'not_in_the_contract': the column is not in the contract" in (
        result.stdout + result.stderr
    )
    assert not (tmp_path / "mlflow.db").exists()
