"""What tuning and the evaluation figures cost in a freshly baked project.

Bakes the default project, installs it, writes the 2,000-row sample, then:

- runs ``<cli> tune --n-trials 20 --json --no-write`` once per model family and reports
  trials per minute (complete and pruned), the share pruned and the best score;
- runs ``<cli> train --json`` three times with the evaluation figures and three times
  without (``EVALUATION_FIGURES=false``), alternating, and compares the medians: the
  baseline is training without figures, measured in the same run.

    uv run --frozen python benchmarks/tuning.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

from projects import bake, base_env, timed

TEMPLATE = Path(__file__).resolve().parents[1]
FAMILIES = ("linear", "random_forest", "hist_gradient_boosting", "lightgbm", "xgboost")
TRIALS = 20
RUNS = 3


def main() -> int:
    env = base_env()
    with tempfile.TemporaryDirectory() as folder:
        project = bake(TEMPLATE, Path(folder))
        timed(["uv", "sync", "--quiet", "--compile-bytecode"], project, env)
        cli = str(project / ".venv" / "bin" / "my-ml-service")
        timed([cli, "make-sample-data"], project, env)

        print(f"tune, {TRIALS} trials on the 2,000-row sample, one process:\n")
        print(
            f"{'family':<24}{'wall s':>8}{'tune s':>8}{'trials/min':>12}"
            f"{'pruned':>8}{'best':>10}"
        )
        for family in FAMILIES:
            family_env = {**env, "MY_ML_SERVICE_ESTIMATOR": family}
            command = [cli, "tune", "--n-trials", str(TRIALS), "--json", "--no-write"]
            wall, stdout = timed(command, project, family_env)
            result = json.loads(stdout)
            done = result["trials"].get("COMPLETE", 0) + result["trials"].get(
                "PRUNED", 0
            )
            print(
                f"{family:<24}{wall:>8.1f}{result['seconds']:>8.1f}"
                f"{60 * done / result['seconds']:>12.0f}"
                f"{result['trials'].get('PRUNED', 0) / done:>8.0%}"
                f"{result['best_value']:>10.4f}"
            )

        walls: dict[bool, list[float]] = {True: [], False: []}
        steps: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(RUNS):
            for figures in (False, True):
                run_env = {**env, "MY_ML_SERVICE_EVALUATION_FIGURES": str(figures)}
                wall, stdout = timed([cli, "train", "--json"], project, run_env)
                walls[figures].append(wall)
                steps[figures].append(json.loads(stdout)["seconds"]["evaluate"])

    without, with_ = statistics.median(walls[False]), statistics.median(walls[True])
    print(f"\ntrain, median of {RUNS} (a champion exists from the second run on):\n")
    print(f"{'':<26}{'wall s':>8}{'evaluate step s':>18}{'x baseline':>12}")
    for label, figures in (
        ("without figures (baseline)", False),
        ("with figures", True),
    ):
        wall = statistics.median(walls[figures])
        print(
            f"{label:<26}{wall:>8.2f}{statistics.median(steps[figures]):>18.2f}"
            f"{wall / without:>12.2f}"
        )
    print(f"\nfigures add {with_ - without:.2f} s to a train")
    return 0


if __name__ == "__main__":
    sys.exit(main())
