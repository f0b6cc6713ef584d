"""What the benchmarks share: the environment they run baked projects in, and commands
run to completion."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def base_env() -> dict[str, str]:
    """This environment without the template's venv, and uv kept off the network."""
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
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
