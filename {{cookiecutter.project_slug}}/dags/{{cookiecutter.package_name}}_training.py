"""Airflow DAG: hold the training data to the contract, (tune,) then train, register and
gate.

Airflow runs in an environment of its own (``dags/requirements.txt``); every task runs
the project's CLI in the project's folder through ``uv run``, so the work happens in the
project's locked environment. The schedule is the project's ``retrain_schedule`` setting
(``{{ cookiecutter.package_name | upper }}_RETRAIN_SCHEDULE`` in the environment or ``.env``).
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG
from airflow.sdk.exceptions import AirflowTimetableInvalid

# This file sits in the project's dags/ folder; link it (or the folder) into Airflow's.
PROJECT = Path(__file__).resolve().parents[1]
CLI = "{{ cookiecutter.project_slug }}"
DAG_ID = "{{ cookiecutter.package_name }}_training"
# The steps in order, as task id -> the CLI's arguments; "tune" runs only when the
# tune_before_train setting is true. The retrain workflow runs the same commands; the
# DAG's tests hold the two together.
STEPS: dict[str, tuple[str, ...]] = {
    "check_data": ("check-data",),
    "tune": ("tune", "--json"),
    "train": ("train", "--json"),
}
# Data that breaks the contract stays broken on a second try; tuning and training are
# retried, for a tracking server (or study database) that was briefly away.
RETRIES = {"check_data": 0, "tune": 1, "train": 2}

log = logging.getLogger(__name__)


class StepError(Exception):
    """A step of the project's CLI failed; its own messages are in the task log above."""


def project_config() -> ModuleType:
    """The project's config.py, the one reader of its settings.

    The project is not installed in Airflow's environment, so its package is loaded
    from its folder, under a name of its own and without its ``__init__`` (which asks
    for the installed distribution). The settings read the contract (plain Python) and
    the metrics' names (numpy, in dags/requirements.txt); pydantic-settings comes with
    Airflow.
    """
    package = "{{ cookiecutter.package_name }}_for_airflow"
    if package not in sys.modules:
        folder = PROJECT / "src" / "{{ cookiecutter.package_name }}"
        stand_in = ModuleType(package, "the project's package, read from its folder")
        stand_in.__path__ = [str(folder)]
        sys.modules[package] = stand_in
    return importlib.import_module(f"{package}.config")


def run_step(*args: str) -> Any:
    """Run one CLI command in the project; return its JSON output, if it prints one.

    Its stderr (progress, logs, the reason for a failure) goes to the task log line by
    line as it comes; a non-zero exit fails the task.
    """
    uv = shutil.which("uv")
    if uv is None:
        raise StepError(
            "uv is not on the PATH of the Airflow worker: install it "
            "(python -m pip install uv) or add its folder to PATH"
        )
    command = [uv, "run", "--frozen", CLI, *args]
    # uv would warn that Airflow's own virtual environment is not the project's.
    env = {name: value for name, value in os.environ.items() if name != "VIRTUAL_ENV"}
    log.info("running %s in %s", shlex.join([CLI, *args]), PROJECT)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stdout:
        with subprocess.Popen(  # noqa: S603 - fixed program, arguments from STEPS
            command,
            cwd=PROJECT,
            env=env,
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        ) as process:
            for line in process.stderr or ():
                log.info("%s", line.rstrip())
        stdout.seek(0)
        output = stdout.read()
    if process.returncode != 0:
        raise StepError(
            f"'{shlex.join([CLI, *args])}' exited with {process.returncode}; "
            "its messages are in the log above"
        )
    # The returned value becomes the task's XCom result: train's summary, for one.
    return json.loads(output) if "--json" in args else None


def build_dag() -> Any:
    """The DAG, on the schedule the project's settings give (environment, then .env)."""
    config = project_config()
    settings = config.load_settings(env_file=PROJECT / ".env")
    schedule = settings.retrain_schedule
    try:
        dag = DAG(
            dag_id=DAG_ID,
            description="Check the data against the contract, then train and register",
            schedule=schedule,
            start_date=datetime(2026, 1, 1, tzinfo=UTC),
            catchup=False,
            max_active_runs=1,  # two trainings at once would race for the champion
            default_args={"retry_delay": timedelta(minutes=5)},
            tags=["training", CLI],
        )
        dag.timetable.validate()  # else Airflow reports a bad one without its name
    except AirflowTimetableInvalid as error:
        raise ValueError(
            f"{config.env_name('retrain_schedule')}={schedule!r} is not a schedule "
            f"({error}). Use a cron expression such as '17 3 * * 1', or a preset such "
            "as '@daily', in the environment or in .env"
        ) from None
    with dag:
        previous: Any = None
        for task_id, arguments in STEPS.items():
            if task_id == "tune" and not settings.tune_before_train:
                continue
            step = PythonOperator(
                task_id=task_id,
                python_callable=run_step,
                op_args=list(arguments),
                retries=RETRIES[task_id],
            )
            if previous is not None:
                previous >> step
            previous = step
    return dag


dag = build_dag()
