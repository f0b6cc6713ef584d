"""Training on Dask next to training in one process: the driver's memory as the data
grows tenfold, and rows per second.

Bakes the default project into a temporary folder, installed as the Docker image
installs a project (no dev tools) plus the ``batch`` and ``boosting`` extras. The sample
generator writes ``SIZES`` rows as Parquet, rewritten with ``PARTS`` row groups each (one
Dask task a row group). For each size and gradient-boosting family, each a fresh
process, one at a time, against a fresh MLflow store:

* ``train`` in this process (the local engine) on the file;
* ``train --engine dask --scheduler`` on a ``dask scheduler`` with ``WORKERS`` worker
  processes (``dask worker --nworkers N --nthreads 1``) on this machine.

Wall time runs from process start to exit; "train s" is the command's own validate
and fit steps (``seconds`` in ``train --json``), which is where the engines differ.
Peak memory is the driver's own peak resident set (``wait4``), and for Dask the peak of
the scheduler's and workers' resident memory summed (sampled every 20 ms). Ratios
compare runs of this same process; the machine's load average is printed before and
after, since other work on the machine moves every number.

    uv run --frozen python benchmarks/dask_training.py
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from batch_speed import dask_cluster, load, measured
from projects import bake, base_env, run

TEMPLATE = Path(__file__).resolve().parents[1]
CLI = "my-ml-service"
SIZES = (200_000, 2_000_000)
PARTS = 8
WORKERS = 2
FAMILIES = ("xgboost", "lightgbm")
STEPS = ("validate data", "fit")

# The sample as a Parquet file of PARTS row groups.
REWRITE = """
import sys
import pyarrow.parquet as pq
table = pq.read_table(sys.argv[1])
pq.write_table(table, sys.argv[2], row_group_size=-(-table.num_rows // int(sys.argv[3])))
"""


@dataclass(frozen=True)
class Run:
    engine: str
    family: str
    rows: int
    wall_s: float
    train_s: float
    driver_mb: float
    cluster_mb: float
    metric: str
    value: float


def main() -> int:
    env = base_env()
    print(f"load average at start: {load()} on {os.cpu_count()} cores")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="bench-dask-training-") as name:
        folder = Path(name)
        project = bake(TEMPLATE, folder / "bake")
        sync = ["uv", "sync", "--quiet", "--no-dev", "--compile-bytecode"]
        run([*sync, "--extra=batch", "--extra=boosting"], project, env)
        cli = str(project / ".venv" / "bin" / CLI)
        python = str(project / ".venv" / "bin" / "python")
        for size in SIZES:
            sample = folder / f"sample-{size}.parquet"
            data = folder / f"rows-{size}.parquet"
            run(
                [cli, "make-sample-data", "--rows", str(size), "--out", str(sample)],
                project,
                env,
            )
            run(
                [python, "-c", REWRITE, str(sample), str(data), str(PARTS)],
                project,
                env,
            )
            sample.unlink()
            for family in FAMILIES:
                for engine in ("local", "dask"):
                    store = folder / f"mlflow-{size}-{family}-{engine}"
                    store.mkdir()
                    family_env = {
                        **env,
                        "MY_ML_SERVICE_ESTIMATOR": family,
                        "MY_ML_SERVICE_MLFLOW_TRACKING_URI": f"sqlite:///{store}/mlflow.db",
                        "MY_ML_SERVICE_ARTIFACT_DIR": str(store / "artifacts"),
                    }
                    args = [cli, "train", "--data", str(data), "--json"]
                    if engine == "local":
                        wall, driver, cluster, stdout = measured(
                            args, project, family_env
                        )
                    else:
                        with dask_cluster(project, folder, env, WORKERS) as (
                            address,
                            sessions,
                        ):
                            dask = ["--engine", "dask", "--scheduler", address]
                            wall, driver, cluster, stdout = measured(
                                [*args, *dask], project, family_env, sessions
                            )
                    report = json.loads(stdout)
                    metric = report["primary_metric"]
                    runs.append(
                        Run(
                            engine,
                            family,
                            size,
                            wall,
                            sum(report["seconds"][step] for step in STEPS),
                            driver,
                            cluster,
                            metric,
                            report["metrics"][metric],
                        )
                    )
                    print(runs[-1], flush=True)
            data.unlink()
    print(f"load average at end: {load()}\n")
    print_table(runs)
    return 0


def print_table(runs: list[Run]) -> None:
    print(
        f"{'engine':<8}{'family':<10}{'rows':>11}{'wall s':>8}{'train s':>9}"
        f"{'rows/s':>10}{'x local':>8}{'driver MB':>10}{'cluster MB':>11}{'metric':>9}"
    )
    local = {(r.family, r.rows): r for r in runs if r.engine == "local"}
    for r in runs:
        base = local[(r.family, r.rows)]
        print(
            f"{r.engine:<8}{r.family:<10}{r.rows:>11,}{r.wall_s:>8.1f}{r.train_s:>9.1f}"
            f"{r.rows / r.train_s:>10,.0f}{base.train_s / r.train_s:>8.2f}"
            f"{r.driver_mb:>10.0f}{r.cluster_mb:>11.0f}{r.value:>9.4f}"
        )
    print(
        "\nx local: the local engine's train seconds over this run's (over 1: faster)"
    )
    print(f"driver peak memory, {SIZES[-1]:,} rows over {SIZES[0]:,}:")
    for engine in ("local", "dask"):
        for family in FAMILIES:
            peaks = [
                r.driver_mb for r in runs if (r.engine, r.family) == (engine, family)
            ]
            print(f"  {engine:<6}{family:<10}{peaks[-1] / peaks[0]:>6.2f}")


if __name__ == "__main__":
    sys.exit(main())
