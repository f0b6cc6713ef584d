"""DVC: the settings read params.yaml, and the pipeline runs end to end, offline."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient

from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    ConfigError,
    ParamsFile,
    Settings,
    load_settings,
)
from {{ cookiecutter.package_name }}.metrics import DEFAULT_METRIC
from {{ cookiecutter.package_name }}.schema import TASK

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SLUG = "{{ cookiecutter.project_slug }}"
# Read by every Python process started with it on PYTHONPATH (DVC and the CLI its stages
# run): each network call they attempt is written down. DVC starts its daemons (usage
# reports, update checks) with a PYTHONPATH of its own, out of the recorder's sight, so
# starting one counts as an attempt: reaching DVC's servers is all they do.
RECORDER = """
import json, os, sys

def _record(event, args):
    network = event in ("socket.connect", "socket.getaddrinfo", "socket.sendto")
    daemon = event == "subprocess.Popen" and "daemon" in list(args[1] or ())
    if network or daemon:
        with open(os.environ["NETWORK_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps([sys.argv[:3], event, repr(args[:2])]) + "\\n")

sys.addaudithook(_record)
"""


def test_params_file_sets_the_training_parameters(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path("params.yaml").write_text("seed: 7\nestimator: random_forest\n", "utf-8")

    assert load_settings(env_file=None).seed == 7
    assert load_settings(env_file=None).estimator == "random_forest"
    monkeypatch.setenv(f"{ENV_PREFIX}SEED", "8")  # the environment still wins
    assert load_settings(env_file=None).seed == 8


def test_params_file_takes_a_mapping_and_nulls() -> None:
    Path("params.yaml").write_text(
        "estimator_params: {max_iter: 300}\nprimary_metric: null\n", "utf-8"
    )

    settings = load_settings(env_file=None)

    assert settings.estimator_params == {"max_iter": 300}
    assert settings.primary_metric is None
    assert settings.metric == DEFAULT_METRIC[TASK]  # null: the task's own


def test_unknown_parameter_is_refused_by_name() -> None:
    Path("params.yaml").write_text("sed: 7\n", "utf-8")

    with pytest.raises(ConfigError, match=r"params\.yaml: 'sed' is not a setting"):
        load_settings(env_file=None)


def test_project_params_are_the_settings_values() -> None:
    shutil.copy(PROJECT_ROOT / "params.yaml", "params.yaml")
    params = ParamsFile(Settings)()

    settings = load_settings(env_file=None)

    assert params  # the file was read
    assert {name: getattr(settings, name) for name in params} == params


def copy_project(target: Path) -> Path:
    """The files DVC reads, without data, cache or environment; git too, if it uses git."""
    for name in ("dvc.yaml", "params.yaml", ".dvcignore", ".dvc/config", "reports"):
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, target / name)
    shutil.copytree(
        PROJECT_ROOT / "src",
        target / "src",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    if "no_scm = true" not in (target / ".dvc" / "config").read_text("utf-8"):
        git = shutil.which("git")
        assert git is not None, "DVC works with git here, and git is not installed"
        subprocess.run([git, "init", "--quiet"], cwd=target, check=True)
    return target


@pytest.mark.dvc
def test_pipeline_reproduces_skips_pushes_and_pulls_offline(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "work" / SLUG)
    recorder = tmp_path / "recorder"
    recorder.mkdir()
    (recorder / "sitecustomize.py").write_text(RECORDER, encoding="utf-8")
    network_log = tmp_path / "network.jsonl"
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        # As under `uv run dvc ...`: the stages find the project's CLI on the PATH.
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(recorder),
        "NETWORK_LOG": str(network_log),
    }

    def dvc(*args: str, cwd: Path = project) -> str:
        result = subprocess.run(
            [str(bin_dir / "dvc"), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    dvc("repro")
    summary = json.loads((project / "reports" / "train.json").read_text("utf-8"))
    checked = json.loads((project / "reports" / "data.json").read_text("utf-8"))
    assert checked["rows"] == 2000
    assert summary["model_version"] == 1
    # The MLflow run names the data by DVC's hash: it is the file in DVC's cache.
    run = MlflowClient().get_run(summary["run_id"])
    md5 = run.data.tags["data_md5"]
    cached = project / ".dvc" / "cache" / "files" / "md5" / md5[:2] / md5[2:]
    data = (project / "data" / "train.csv").read_bytes()
    assert cached.read_bytes() == data

    lock = (project / "dvc.lock").read_bytes()
    dvc("repro")
    assert (project / "dvc.lock").read_bytes() == lock
    assert json.loads(dvc("status", "--json")) == {}
    versions = MlflowClient().search_model_versions(f"name = '{SLUG}'")
    assert len(versions) == 1  # the second repro trained nothing

    dvc("push")
    clone = copy_project(tmp_path / "work" / f"{SLUG}-clone")
    shutil.copy(project / "dvc.lock", clone / "dvc.lock")
    dvc("pull", cwd=clone)
    assert (clone / "data" / "train.csv").read_bytes() == data

    attempts = network_log.read_text("utf-8") if network_log.exists() else ""
    assert attempts == "", f"network calls were attempted:\n{attempts}"
