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
from {{ cookiecutter.package_name }}.data import read_table

runner = CliRunner()
PACKAGE = "{{ cookiecutter.package_name }}"


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
    made = runner.invoke(app, ["make-sample-data", "--rows", "500"])
    assert made.exit_code == 0, made.output
    assert len(read_table(Path("data/churn.csv"))) == 500

    trained = runner.invoke(app, ["train", "--json", "--seed", "3"])
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert summary["promoted"] is True
    assert summary["seed"] == 3
    assert summary["model_version"] == 1
    assert len(summary["data_sha256"]) == len(summary["model_sha256"]) == 64
    assert set(summary["metrics"]) == {
        "roc_auc",
        "pr_auc",
        "f1",
        "accuracy",
        "log_loss",
    }

    assert runner.invoke(app, ["promote", "1"]).exit_code == 0
    missing = runner.invoke(app, ["promote", "9"])
    assert missing.exit_code == 1
    assert "has no version 9" in missing.stderr

    predicted = runner.invoke(app, ["predict", "data/churn.csv", "--json"])
    assert predicted.exit_code == 0, predicted.output
    report = json.loads(predicted.stdout)
    assert (report["rows"], report["backend"], report["engine"]) == (
        500,
        "onnx",
        "local",
    )
    scored = read_table(Path(report["output"]))
    assert report["output"] == "data/churn.predictions.csv"
    assert {"prediction", "probability"} <= set(scored.columns)
    assert len(scored) == 500


def test_bad_data_exits_1_naming_the_column(tmp_path: Path) -> None:
    runner.invoke(app, ["make-sample-data", "--rows", "300"])
    bad = tmp_path / "bad.csv"
    bad.write_text(
        Path("data/churn.csv").read_text(encoding="utf-8").replace(",dsl,", ",cable,"),
        encoding="utf-8",
    )

    checked = runner.invoke(app, ["check-data", "--data", str(bad)])
    trained = runner.invoke(app, ["train", "--data", str(bad)])

    for result in (checked, trained):
        assert result.exit_code == 1
        assert "'internet_service'" in result.stderr
        assert "cable" in result.stderr


def test_check_data_json_reports_the_rows_that_passed() -> None:
    runner.invoke(app, ["make-sample-data", "--rows", "300"])

    result = runner.invoke(app, ["check-data", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "path": str(Path("data/churn.csv")),
        "rows": 300,
    }


def test_scheduler_without_the_dask_engine_is_refused() -> None:
    result = runner.invoke(app, ["predict", "x.parquet", "--scheduler", "tcp://h:8786"])

    assert result.exit_code == 2
    assert "--scheduler needs --engine dask" in result.stderr


def test_the_dask_engine_without_dask_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if the batch extra were not installed: importing distributed fails.
    monkeypatch.setitem(sys.modules, "distributed", None)

    result = runner.invoke(app, ["predict", "x.parquet", "--engine", "dask"])

    assert result.exit_code == 1
    assert "install the batch extra with 'uv sync --extra batch'" in result.stderr
    assert "[batch]" in result.stderr  # not taken for markup


def test_predict_before_any_training_says_to_train() -> None:
    runner.invoke(app, ["make-sample-data", "--rows", "300"])

    result = runner.invoke(app, ["predict", "data/churn.csv"])

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
