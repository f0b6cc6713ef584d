"""Every model family on every task: training time, the score against the baseline, ONNX
parity, and what serving one row costs through ONNX against the fitted pipeline itself.

Bakes one project per task (``task=binary|multiclass|regression``), installs it with the
boosting extra's packages (the dev group has them), writes a 20,000-row sample from its
contract, and trains each family once with ``ESTIMATOR=<family>``. The baseline of each
row, measured in the same run, is the promotion gate's own: a model of the training
prior (or mean). Serving is timed in the project's Python on the version just trained:
the ONNX scorer the API uses against ``Pipeline.predict_proba``/``predict`` on a
one-row frame.

    uv run --frozen python benchmarks/model_families.py
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from projects import bake, base_env, run, timed

TEMPLATE = Path(__file__).resolve().parents[1]
TASKS = ("binary", "multiclass", "regression")
FAMILIES = ("linear", "random_forest", "hist_gradient_boosting", "lightgbm", "xgboost")
ROWS = 20_000
PACKAGE = "my_ml_service"

# Per-row cost of one version, ONNX against scikit-learn, on the first sample rows.
SERVING = f"""
import json, sys, time
import pandas as pd
from {PACKAGE}.config import load_settings
from {PACKAGE}.champion import PipelineScorer, load_version
from {PACKAGE}.registry import Registry
from {PACKAGE}.schema import FEATURE_NAMES
registry = Registry(load_settings())
version = registry.get(int(sys.argv[1]))
model = load_version(registry, version)
pipeline = PipelineScorer(registry.load(version))
frame = pd.read_csv("data/train.csv").head(1)[list(FEATURE_NAMES)]
record = frame.to_dict(orient="records")
def per_call(score, repeats):
    score()
    started = time.perf_counter()
    for _ in range(repeats):
        score()
    return (time.perf_counter() - started) / repeats * 1e6
print(json.dumps({{
    "backend": model.backend,
    "onnx_us": per_call(lambda: model.scorer.from_records(record), 2000),
    "sklearn_us": per_call(lambda: pipeline.from_frame(frame), 200),
}}))
"""


def family_rows(task: str, folder: Path) -> list[dict[str, Any]]:
    env = base_env()
    project = bake(TEMPLATE, folder / task, task=task)
    timed(["uv", "sync", "--quiet", "--compile-bytecode"], project, env)
    cli = str(project / ".venv" / "bin" / "my-ml-service")
    python = str(project / ".venv" / "bin" / "python")
    timed([cli, "make-sample-data", "--rows", str(ROWS)], project, env)
    rows = []
    for family in FAMILIES:
        env[f"{PACKAGE.upper()}_ESTIMATOR"] = family
        seconds, stdout = timed([cli, "train", "--json"], project, env)
        result = json.loads(stdout)
        serving = json.loads(
            run([python, "-c", SERVING, str(result["model_version"])], project, env)
        )
        rows.append(
            {"task": task, "family": family, "wall": seconds, **result, **serving}
        )
    return rows


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        rows = [row for task in TASKS for row in family_rows(task, Path(folder))]
    print(f"{ROWS:,} sample rows per task, 20 % validate; 2 cores\n")
    print(
        "| task | family | fit s | metric | value | baseline | ONNX gap | served by "
        "| 1 row ONNX µs | 1 row sklearn µs | sklearn / ONNX |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        metric = row["primary_metric"]
        gap = row["onnx_max_difference"]
        print(
            f"| {row['task']} | {row['family']} | {row['seconds']['fit']:.2f} "
            f"| {metric} | {row['metrics'][metric]:.4f} | {row['baseline_metric']:.4f} "
            f"| {'-' if gap is None else f'{gap:.1e}'} | {row['backend']} "
            f"| {row['onnx_us']:.0f} | {row['sklearn_us']:.0f} "
            f"| x{row['sklearn_us'] / row['onnx_us']:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
