"""The command line, through Typer's runner and once as a real process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import ENV_PREFIX
from {{ cookiecutter.package_name }}.contract import DATA_PATH
from {{ cookiecutter.package_name }}.data import (
    read_table,
    write_table,
)
from {{ cookiecutter.package_name }}.metrics import (
    DEFAULT_METRIC,
    metrics_for,
)
from {{ cookiecutter.package_name }}.outputs import OUTPUT_COLUMNS
from {{ cookiecutter.package_name }}.schema import TASK

from .contract_cases import ROWS, bad_feature_values, sample, unlabelled

runner = CliRunner()
PACKAGE = "{{ cookiecutter.package_name }}"
DATA = Path(DATA_PATH)  # where make-sample-data writes, relative to the test's folder


def test_info_json_reports_version_and_settings() -> None:
    result = runner.invoke(app, ["info", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["version"] == __version__
    assert report["settings"]["log_level"] == "INFO"


def test_bad_setting_exits_2_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}LOG_FORMAT", "xml")

    result = runner.invoke(app, ["info"])

    assert result.exit_code == 2
    assert f"{ENV_PREFIX}LOG_FORMAT='xml'" in result.stderr


def test_sample_train_promote_predict(tmp_path: Path) -> None:
    made = runner.invoke(app, ["make-sample-data", "--rows", str(ROWS)])
    assert made.exit_code == 0, made.output
    assert len(read_table(DATA)) == ROWS

    trained = runner.invoke(app, ["train", "--json", "--seed", "3"])
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert summary["promoted"] is True
    assert (summary["seed"], summary["model_version"]) == (3, 1)
    assert (summary["task"], summary["primary_metric"]) == (TASK, DEFAULT_METRIC[TASK])
    assert len(summary["data_sha256"]) == len(summary["model_sha256"]) == 64
    assert set(summary["metrics"]) == set(metrics_for(TASK))

    promoted = runner.invoke(app, ["promote", "1"])
    assert promoted.exit_code == 0
    # The card of the version: a file of the local store, named where it is.
    card = Path(promoted.stderr.split("model card: ")[1].strip())
    assert card == Path(summary["model_card"])
    assert "version 1</h1><p><strong>Gate: promoted" in card.read_text()
    missing = runner.invoke(app, ["promote", "9"])
    assert missing.exit_code == 1
    assert "has no version 9" in missing.stderr

    write_table(unlabelled(sample(rows=300, seed=5)), Path("rows.csv"))
    predicted = runner.invoke(app, ["predict", "rows.csv", "--json"])
    assert predicted.exit_code == 0, predicted.output
    report = json.loads(predicted.stdout)
    assert (report["rows"], report["backend"], report["engine"]) == (
        300,
        "onnx",
        "local",
    )
    assert report["output"] == "rows.predictions.csv"
    scored = read_table(Path(report["output"]))
    assert list(scored.columns)[-len(OUTPUT_COLUMNS) :] == list(OUTPUT_COLUMNS)
    assert len(scored) == 300


def test_make_sample_data_keeps_an_existing_file_unless_forced() -> None:
    first = runner.invoke(app, ["make-sample-data", "--rows", "50"])
    written = DATA.read_bytes()

    refused = runner.invoke(app, ["make-sample-data", "--rows", "60"])
    kept = DATA.read_bytes()
    elsewhere = runner.invoke(app, ["make-sample-data", "--out", "other.csv"])
    forced = runner.invoke(app, ["make-sample-data", "--rows", "60", "--force"])

    assert first.exit_code == 0, first.output
    assert refused.exit_code == 1
    assert f"{DATA} exists and may be real data: pass --force" in refused.stderr
    assert kept == written
    assert elsewhere.exit_code == 0, elsewhere.output
    assert len(read_table(Path("other.csv"))) == 2000
    assert forced.exit_code == 0, forced.output
    assert len(read_table(DATA)) == 60


def test_bad_data_exits_1_naming_the_column(tmp_path: Path) -> None:
    runner.invoke(app, ["make-sample-data", "--rows", str(ROWS)])
    case = next(iter(bad_feature_values().values()))
    bad = tmp_path / "bad.csv"
    write_table(case.into(read_table(DATA)), bad)

    checked = runner.invoke(app, ["check-data", "--data", str(bad)])
    trained = runner.invoke(app, ["train", "--data", str(bad)])

    for result in (checked, trained):
        assert result.exit_code == 1
        assert f"{case.column!r}" in result.stderr
        assert case.shown in result.stderr


def test_check_data_json_reports_the_rows_that_passed() -> None:
    runner.invoke(app, ["make-sample-data", "--rows", str(ROWS)])

    result = runner.invoke(app, ["check-data", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"path": str(DATA), "rows": ROWS}


def test_estimator_params_the_family_does_not_take_exit_1_naming_them(
    sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}DATA_PATH", str(sample_path))
    monkeypatch.setenv(f"{ENV_PREFIX}ESTIMATOR_PARAMS", '{"leaves": 3}')

    result = runner.invoke(app, ["train"])

    assert result.exit_code == 1
    assert "ESTIMATOR_PARAMS={'leaves': 3} does not fit linear" in result.stderr


@pytest.mark.parametrize("command", [["predict", "x.parquet"], ["train"]])
def test_scheduler_without_the_dask_engine_is_refused(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--scheduler", "tcp://h:8786"])

    assert result.exit_code == 2
    assert "--scheduler needs --engine dask" in result.stderr


@pytest.mark.parametrize("command", [["predict", "x.parquet"], ["train"]])
def test_the_dask_engine_without_dask_says_how_to_install_it(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the batch extra were not installed: importing distributed fails.
    monkeypatch.setitem(sys.modules, "distributed", None)

    result = runner.invoke(app, [*command, "--engine", "dask"])

    assert result.exit_code == 1
    assert "install the batch extra with 'uv sync --extra batch'" in result.stderr
    assert "[batch]" in result.stderr  # not taken for markup


def test_predict_before_any_training_says_to_train() -> None:
    write_table(unlabelled(sample(rows=30)), Path("rows.csv"))

    result = runner.invoke(app, ["predict", "rows.csv"])

    assert result.exit_code == 1
    assert "no 'champion' alias" in result.stderr


# Runs the CLI with an audit hook that reports, on stderr, every attempt to reach a
# host other than this machine (name lookups and connections alike).
WATCHED_CLI = """
import ipaddress, runpy, sys

def local(host):
    if isinstance(host, bytes):
        host = host.decode()
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False

def watch(event, args):
    if event == "socket.getaddrinfo" and not local(args[0]):
        sys.stderr.write(f"OUTSIDE: lookup {args[0]!r}\\n")
    elif event == "socket.connect" and isinstance(args[1], tuple) and not local(args[1][0]):
        sys.stderr.write(f"OUTSIDE: connect {args[1]!r}\\n")

sys.addaudithook(watch)
sys.argv[0] = sys.argv[1]
del sys.argv[1]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""
# MLflow keeps its telemetry quiet on its own under pytest and on CI runners: the child
# gets none of those markers, nor any telemetry switch, so that only the project's own
# defaults are tested.
QUIETING = (
    "PYTEST_CURRENT_TEST",
    "CI",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "JENKINS_URL",
    "CIRCLECI",
    "TRAVIS",
    "TF_BUILD",
    "BUILDKITE",
    "MLFLOW_DISABLE_TELEMETRY",
    "ORT_DISABLE_TELEMETRY",
    "DO_NOT_TRACK",
)


def test_train_runs_as_a_real_process_and_reaches_no_other_host(
    sample_path: Path, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in QUIETING}
    env.pop("XDG_CONFIG_HOME", None)
    home = tmp_path / "home"  # where either tool would keep its telemetry identity
    completed = subprocess.run(
        [sys.executable, "-c", WATCHED_CLI, PACKAGE, "train", "--json"],
        capture_output=True,
        text=True,
        check=False,
        env={**env, "HOME": str(home), f"{ENV_PREFIX}DATA_PATH": str(sample_path)},
    )

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["promoted"] is True
    # MLflow's telemetry would look up config.mlflow-telemetry.io here.
    assert "OUTSIDE:" not in completed.stderr, completed.stderr
    # onnxruntime's reports leave from native code, out of the audit hook's sight; with
    # them on, it keeps a device id and a queue of events under ~/.cache/Microsoft.
    assert not (home / ".cache" / "Microsoft").exists()
    assert not (home / ".config" / "mlflow").exists()


def test_runs_as_a_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", PACKAGE, "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().endswith(__version__)
