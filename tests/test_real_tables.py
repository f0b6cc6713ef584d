"""Slow tier: real public tables, through ``contract infer`` and on with no hand edit.

Each table ships inside a Python package (palmerpenguins, scikit-learn), so nothing is
downloaded. A baked project writes its contract from each table in turn, trains and
promotes a model, scores the file, serves the contract's example over HTTP; for the
penguins' species and body mass (multiclass and regression, on categories and missing
values) it also runs the project's own black, ruff, mypy and pytest, which then check
the written contract and everything derived from it. Binary's own checks run on the
shipped example in every matrix row; running them on a third table cost 90 s.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import palmerpenguins
import pytest
from sklearn import datasets

from tests.checks import (
    PYTEST,
    clean_env,
    free_port,
    http,
    must,
    stop,
    wait_for,
)
from tests.matrix import BASE

pytestmark = pytest.mark.slow

CLI = "table-service"
ANSWERS = {**BASE, "project_name": "Table Service"}


def penguins() -> Any:
    return palmerpenguins.load_penguins()


def scikit_learn(name: str) -> Callable[[], Any]:
    def load() -> Any:
        return getattr(datasets, f"load_{name}")(as_frame=True).frame

    return load


@dataclass(frozen=True)
class Table:
    name: str
    load: Callable[[], Any]  # a pandas DataFrame
    target: str
    task: str
    own_checks: bool = False  # the project's black, ruff, mypy, pytest on its contract


TABLES = [
    # Categorical and numeric features, missing values in both.
    Table("penguins_species", penguins, "species", "multiclass", own_checks=True),
    # 11 rows have no sex: training leaves them out. The same columns as species, whose
    # own checks run; the binary code path's are the shipped example's, in every row.
    Table("penguins_sex", penguins, "sex", "binary"),
    Table("penguins_mass", penguins, "body_mass_g", "regression", own_checks=True),
    Table("wine", scikit_learn("wine"), "target", "multiclass"),  # numeric classes
    Table("breast_cancer", scikit_learn("breast_cancer"), "target", "binary"),
    Table("diabetes", scikit_learn("diabetes"), "target", "regression"),
]


@pytest.fixture(scope="module")
def project(cookies_session: Any) -> Path:
    """One baked project for the tables this worker runs, one after the other."""
    result = cookies_session.bake(extra_context=ANSWERS)
    assert result.exception is None, f"bake failed: {result.exception!r}"
    folder: Path = result.project_path
    must(["uv", "sync"], folder)
    return folder


def serve_and_post(project: Path, body: dict[str, Any]) -> tuple[int, Any]:
    port = free_port()
    server = subprocess.Popen(
        [str(project / ".venv" / "bin" / CLI), "serve", "--port", str(port)],
        cwd=project,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/ready", server)
        return http(f"http://127.0.0.1:{port}/predict", body)
    finally:
        stop(server)


@pytest.mark.parametrize("table", TABLES, ids=lambda table: table.name)
def test_a_real_table_trains_and_serves_with_no_hand_edit(
    project: Path, table: Table
) -> None:
    frame = table.load()
    data = project / "data" / f"{table.name}.csv"
    data.parent.mkdir(exist_ok=True)
    frame.to_csv(data, index=False)
    for store in ("mlflow.db", "mlartifacts", "mlruns"):  # each table's own registry
        if (project / store).is_dir():
            shutil.rmtree(project / store)
        (project / store).unlink(missing_ok=True)

    inferred = json.loads(
        must(
            [
                *("uv", "run", CLI, "contract", "infer", f"data/{data.name}"),
                *("--target", table.target, "--json"),
            ],
            project,
        )
    )
    assert inferred["task"] == table.task
    assert inferred["labelled"] == int(frame[table.target].notna().sum())

    trained = json.loads(must(["uv", "run", CLI, "train", "--json"], project))
    assert (trained["model_version"], trained["promoted"]) == (1, True), trained
    assert trained["task"] == table.task

    must(["uv", "run", CLI, "predict", f"data/{data.name}"], project)
    scored = data.with_suffix(".predictions.csv").read_text(encoding="utf-8")
    assert len(scored.splitlines()) == len(frame) + 1  # the header and every row

    status, answer = serve_and_post(project, {"instances": [inferred["example"]]})
    assert status == 200, answer
    [prediction] = answer["predictions"]
    if table.task == "regression":
        assert isinstance(prediction["prediction"], float)
    else:
        assert prediction["prediction"] in inferred["classes"]

    if table.own_checks:
        must(["uv", "run", "black", "--check", "."], project)
        must(["uv", "run", "ruff", "check", "."], project)
        must(["uv", "run", "mypy"], project)
        must(
            ["uv", "run", "pytest", *PYTEST, "-m", "not tracking_server"],
            project,
            timeout=1800,
        )
