"""Slow tier: inside baked projects, run their own setup and checks as a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from email.parser import Parser
from email.utils import getaddresses
from pathlib import Path
from typing import Any

import pytest

from tests.checks import (
    BIN,
    PYTEST,
    clean_env,
    free_port,
    interpreter,
    must,
    predict_documented_example,
    run,
    stop,
    wait_for,
)
from tests.conftest import Bake
from tests.matrix import TEMPLATE_ROOT, option_rows, row_id, slow_rows

pytestmark = pytest.mark.slow

# The rows that each bring something new to the slow tier run in full, each on the Python
# version it was given; fast tests keep every value and every served Python among them.
ROWS = slow_rows(option_rows())
# Free text that has broken quoting, encodings and headers before: every slow row's
# metadata, so the project's code and tools meet it along with each option.
HOSTILE = 'Zoë "Q" O\'Neil — 🚀 数据 שלום \\ #1'
HOSTILE_ANSWERS = {
    "project_name": HOSTILE,
    "description": HOSTILE,
    "author_name": HOSTILE,
    "project_slug": "churn-predictor",
    "package_name": "churn_predictor",
}
# The rows whose projects also run the drift report's tests in Evidently's environment:
# the first with the report beside pandas 3, and the first beside the feature store,
# which holds the project to pandas 2.
REPORT_ROWS = [
    row_id(
        next(
            r
            for r in ROWS
            if r["include_drift_report"] and feast == r["include_feature_store"]
        )
    )
    for feast in (False, True)
]
# The rows whose projects also run their monitoring tests (promtool, and a real
# Prometheus scraping a real server): one per task, since the drift bins of the
# predictions differ by task; the rules and the dashboard are the same in every row.
PROMETHEUS_ROWS = [
    row_id(next(r for r in ROWS if r["include_api"] and r["task"] == task))
    for task in ("binary", "multiclass", "regression")
]


def serve_and_predict(project: Path) -> dict[str, Any]:
    """Start the project's ``serve`` on a free port and POST the example it documents."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(project / ".venv" / "bin" / "churn-predictor"),
            "serve",
            "--port",
            str(port),
        ],
        cwd=project,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/ready", server)
        status, answer = predict_documented_example(f"http://127.0.0.1:{port}")
    finally:
        stop(server)
    assert status == 200, answer
    result: dict[str, Any] = answer
    return result


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_baked_project_passes_its_own_checks(bake: Bake, row: dict[str, Any]) -> None:
    project = bake(**{**row, **HOSTILE_ANSWERS})
    version = row["python_version"]

    must(["uv", "sync", "--python", interpreter(version)], project)
    info = json.loads(must(["uv", "run", "churn-predictor", "info", "--json"], project))
    assert info["python"].startswith(f"{version}."), info["python"]
    must(["uv", "run", "black", "--check", "."], project)
    must(["uv", "run", "ruff", "check", "."], project)
    must(["uv", "run", "mypy"], project)
    # Left out here: the tests that start a real mlflow server (they run once, in the
    # wheel's project below), and the DVC pipeline's without git (once, in
    # test_pipelines.py): the same code in every row, and 20 s or more each on CI's two
    # cores; the drift report's, which need Evidently's environment (below); and the
    # monitoring tests but in PROMETHEUS_ROWS. pytest refuses a marker a project does
    # not declare, so each is named only where the project has it.
    marks = ["not tracking_server"]
    if row["include_dvc"] and not row["init_git"]:
        marks.append("not dvc")
    if row["include_drift_report"]:
        marks.append("not report")
    if row["include_api"] and row_id(row) not in PROMETHEUS_ROWS:
        marks.append("not prometheus")
    must(["uv", "run", "pytest", *PYTEST, "-m", " and ".join(marks)], project)
    if row["include_drift_report"]:
        # What the image installs (uv sync --no-dev) has no Evidently in it...
        installed = must(["uv", "export", "--frozen", "--no-dev"], project)
        assert "evidently" not in installed
        if row_id(row) in REPORT_ROWS:
            # ...which has its own environment, built once here for its tests.
            must(
                [
                    "uv", "run", "--isolated", "--no-default-groups", "--group", "report",
                    "--python", interpreter(version),
                    "pytest", *PYTEST, "-m", "report", "tests/test_drift_report.py",
                ],
                project,
            )  # fmt: skip

    # A user's first session: sample data, train, score a file, serve one prediction.
    must(["uv", "run", "churn-predictor", "make-sample-data"], project)
    trained = json.loads(
        must(["uv", "run", "churn-predictor", "train", "--json"], project)
    )
    assert (trained["model_version"], trained["promoted"]) == (1, True)
    must(["uv", "run", "churn-predictor", "predict", "data/train.csv"], project)
    scored = (project / "data" / "train.predictions.csv").read_text(encoding="utf-8")
    assert len(scored.splitlines()) == 2001  # the header and the 2,000 sample rows
    if row["include_api"]:
        answer = serve_and_predict(project)
        assert answer["model_version"] == 1
        assert len(answer["predictions"]) == 1

    if row["include_pre_commit"]:
        if not row["init_git"]:
            must(["git", "init", "--quiet"], project)
        must(["git", "add", "--all"], project)
        must(["uv", "run", "pre-commit", "run", "--all-files"], project)
    # The checks leave nothing for git to pick up but the lock file, which users commit
    # (the sample data, the stores and the logs are ignored).
    if row["init_git"]:
        status = must(
            ["git", "status", "--porcelain", "--untracked-files=all"], project
        )
        assert {line[3:] for line in status.splitlines()} <= {"uv.lock"}


def test_project_builds_and_reads_a_real_tracking_server(bake: Bake) -> None:
    """The default project with hostile metadata builds a wheel that keeps the text
    exactly, and passes the project's tests against a real ``mlflow server`` (left out
    of the rows: the same code each time, and 20 s or more each)."""
    project = bake(**HOSTILE_ANSWERS)

    must(["uv", "sync"], project)
    must(["uv", "run", "pytest", *PYTEST, "-m", "tracking_server"], project)
    must(["uv", "build", "--wheel", "--out-dir", "dist"], project)

    [wheel] = (project / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    assert metadata["Summary"] == HOSTILE
    [(author, email)] = getaddresses([metadata["Author-email"]])
    assert (author, email) == (HOSTILE, "you@example.com")


def copy_template_to_git(target: Path) -> Path:
    """A git repository holding this template's tracked files, as a remote would."""
    files = run(["git", "ls-files", "-z"], TEMPLATE_ROOT).stdout.split("\0")
    for name in filter(None, files):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE_ROOT / name, destination)
    for args in (
        ["init", "--quiet"],
        ["add", "--all"],
        ["commit", "--quiet", "-m", "A"],
    ):
        must(["git", *GIT_IDENTITY, *args], target)
    return target


GIT_IDENTITY = ["-c", "user.name=Template Tests", "-c", "user.email=tests@example.com"]


def test_cruft_update_brings_a_template_change_into_a_project(tmp_path: Path) -> None:
    """Bake with cruft from one commit, change the template, update the project."""
    template = copy_template_to_git(tmp_path / "template")
    cruft = str(BIN / "cruft")
    must([cruft, "create", str(template), "--no-input"], tmp_path)
    project = tmp_path / "my-ml-service"
    must(["git", *GIT_IDENTITY, "add", "--all"], project)
    must(
        ["git", *GIT_IDENTITY, "commit", "--quiet", "-m", "Track .cruft.json"], project
    )
    untouched = {p: (project / p).read_bytes() for p in ("README.md", "pyproject.toml")}

    makefile = template / "{{cookiecutter.project_slug}}" / "Makefile"
    makefile.write_text(
        makefile.read_text(encoding="utf-8") + "\nhello: ## Say hello\n\techo hello\n",
        encoding="utf-8",
    )
    must(
        ["git", *GIT_IDENTITY, "commit", "--quiet", "-am", "B: a new target"], template
    )

    assert run([cruft, "check"], project).returncode != 0  # stale, and says so
    must([cruft, "update", "--skip-apply-ask"], project)

    assert (project / "Makefile").read_text(encoding="utf-8").endswith("\techo hello\n")
    changed = must(["git", "status", "--porcelain"], project).splitlines()
    assert sorted(line[3:] for line in changed) == [".cruft.json", "Makefile"]
    assert not list(project.rglob("*.rej"))
    assert {p: (project / p).read_bytes() for p in untouched} == untouched
    must([cruft, "check"], project)
