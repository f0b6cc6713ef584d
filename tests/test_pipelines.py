"""Slow tier: the Airflow DAG and the DVC pipeline, run for real in one baked project.

The checks live in the project (its ``tests/test_dvc.py`` and ``dags/tests/``); this
runs them once, in a project made without git, so DVC works in its no-SCM mode.
"""

from __future__ import annotations

import pytest

from tests.checks import PYTEST, must
from tests.conftest import Bake

pytestmark = pytest.mark.slow


def test_dag_and_dvc_pipeline_run_in_a_baked_project(bake: Bake) -> None:
    project = bake(include_airflow=True, include_dvc=True, init_git=False)
    assert "no_scm = true" in (project / ".dvc" / "config").read_text("utf-8")

    must(["uv", "sync"], project)
    # dvc repro end to end, a second repro that runs nothing, push, pull into a clean
    # copy, and no network call attempted along the way.
    must(["uv", "run", "pytest", *PYTEST, "-m", "dvc"], project)
    # In Airflow's own environment: the DagBag import, then `airflow dags test` runs that
    # train and register a version, and fail at check-data on a bad file.
    must(["make", "test-dags"], project, timeout=900)
