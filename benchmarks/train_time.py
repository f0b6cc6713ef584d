"""How long training takes in a freshly baked project, step by step.

Bakes the default project into a temporary folder, installs it with
``uv sync --compile-bytecode``, writes the 2,000-row sample, then runs
``<cli> train --json`` three times: the first against a new sqlite store (schema
migration included), the next two against the same store (a champion exists, so it is
loaded and scored too). The baseline, measured in the same run, is a process that only
imports MLflow: the cost no MLflow-based command can avoid.

    uv run --frozen python benchmarks/train_time.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from projects import bake, base_env, timed

TEMPLATE = Path(__file__).resolve().parents[1]
RUNS = 3


def main() -> int:
    env = base_env()
    with tempfile.TemporaryDirectory() as folder:
        project = bake(TEMPLATE, Path(folder))
        # Compiled, as Python leaves a project after its first run. These machines set
        # PYTHONDONTWRITEBYTECODE: without it every run would compile its imports again.
        sync = ["uv", "sync", "--quiet", "--compile-bytecode"]
        sync_s, _ = timed(sync, project, env)
        python = str(project / ".venv" / "bin" / "python")
        cli = str(project / ".venv" / "bin" / "my-ml-service")
        timed([cli, "make-sample-data"], project, env)
        baseline = min(
            timed([python, "-c", "import mlflow"], project, env)[0] for _ in range(3)
        )
        runs: list[tuple[float, dict[str, Any]]] = []
        for _ in range(RUNS):
            seconds, stdout = timed([cli, "train", "--json"], project, env)
            runs.append((seconds, json.loads(stdout)))

    steps = list(runs[0][1]["seconds"])
    print(f"uv sync of the baked project: {sync_s:.1f} s (warm uv cache)")
    print(f"baseline, a process that imports mlflow: {baseline:.2f} s\n")
    print(
        f"{'run':<22}{'wall s':>8}{'x baseline':>12}"
        + "".join(f"{s:>18}" for s in steps)
    )
    for number, (seconds, summary) in enumerate(runs, 1):
        label = "1 (new store)" if number == 1 else f"{number} (champion exists)"
        cells = "".join(f"{summary['seconds'][s]:>18.3f}" for s in steps)
        print(f"{label:<22}{seconds:>8.2f}{seconds / baseline:>12.2f}{cells}")
    print(
        f"\nsame seed, same model every run: {len({s['model_sha256'] for _, s in runs}) == 1}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
