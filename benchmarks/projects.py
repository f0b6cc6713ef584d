"""What the benchmarks share: baking a project, the environment to run it in, and
commands run to completion."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from cookiecutter.main import cookiecutter


def base_env() -> dict[str, str]:
    """This environment without the template's venv, with uv, MLflow and onnxruntime
    (the servers and processes compared here too) kept off the network."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["MLFLOW_DISABLE_TELEMETRY"] = "true"
    env["ORT_DISABLE_TELEMETRY"] = "1"
    return env


def run(args: list[str], cwd: Path, env: dict[str, str], timeout_s: float = 600) -> str:
    """Run a command to completion (bounded); on failure, show what it printed."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}"
        )
    return result.stdout


def bake(template: Path, folder: Path, **answers: object) -> Path:
    """The default project of ``template`` (with ``answers`` over the defaults), baked
    into ``folder`` without git."""
    return Path(
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(folder),
            extra_context={"init_git": False, **answers},
        )
    )
