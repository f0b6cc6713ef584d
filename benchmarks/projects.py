"""What the benchmarks share: baking a project, the environment to run it in, and
commands run to completion."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

# The template's own cookiecutter. Run as a process, not imported: two templates baked in
# one process would share the first one's Jinja extension module.
COOKIECUTTER = str(Path(sys.executable).with_name("cookiecutter"))


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


def timed(
    args: list[str], cwd: Path, env: dict[str, str], allowed: tuple[int, ...] = (0,)
) -> tuple[float, str]:
    """Seconds a command took, and what it printed; an exit code not ``allowed`` stops
    the benchmark, so a failure is never timed as a result."""
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode not in allowed:
        raise SystemExit(
            f"{' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}"
        )
    return seconds, result.stdout


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def bake(template: Path, folder: Path, **answers: object) -> Path:
    """The default project of ``template`` (with ``answers`` over the defaults), baked
    into ``folder`` without git."""
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())
    words = [f"{key}={value}" for key, value in {"init_git": False, **answers}.items()]
    command = [COOKIECUTTER, "--no-input", str(template), "-o", str(folder), *words]
    run(command, folder, base_env())
    [project] = set(folder.iterdir()) - before
    return project
