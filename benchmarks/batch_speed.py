"""How fast batch ``predict`` scores a big file, next to its limit and to the command it
replaced.

Bakes the default project twice into a temporary folder: from this checkout, installed
with the ``batch`` extra, and from ``BASELINE_COMMIT``, the last template commit whose
``predict`` read the whole file and scored it with the scikit-learn pipeline loaded
through MLflow. Both are installed as the Docker image installs a project (no dev tools,
compiled bytecode); each writes the 2,000-row sample and trains a champion. Then the
sample generator writes 200,000 and 2,000,000 rows as Parquet (pandas' default row
groups, 1,048,576 rows).

For each size, every contender runs as a fresh process, one at a time:

* the limit: a plain loop of the project's ``OnnxScorer`` over the file's record batches
  of 65,536 rows (read, build the feeds, score; no contract check, no output), with the
  ONNX bytes read straight from the artifact folder;
* the new ``predict`` (local engine), into a Parquet file;
* the old ``predict`` of the baseline project, into a Parquet file;
* ``predict --engine dask --scheduler`` on a ``dask scheduler`` with one worker process,
  then two (``dask worker --nworkers N --nthreads 1``), into a folder of Parquet parts.

Wall time runs from process start to exit, imports and model loading included; the new
``predict`` also reports its scoring time (after the model is loaded), which is what
compares with the plain loop. Peak memory is the process's own peak resident set
(``wait4``); for Dask, the client's peak plus the peak of the scheduler's and workers'
resident memory summed (sampled every 20 ms). Each measurement is the faster of
``REPEATS`` runs. Ratios compare runs of this same process; the machine's load average
is printed before and after, since other work on the machine moves every number.

    uv run --frozen python benchmarks/batch_speed.py
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from projects import bake, base_env, run

TEMPLATE = Path(__file__).resolve().parents[1]
# The last template commit whose `predict` read the whole file into memory and scored it
# with the scikit-learn pipeline loaded through MLflow: "today's command" of issue 12.
BASELINE_COMMIT = "d5013a7c9d18754ca6b784fa3014bf1602c89414"
CLI = "my-ml-service"
PACKAGE = "my_ml_service"
SIZES = (200_000, 2_000_000)
WORKERS = (1, 2)
REPEATS = 2
TIMEOUT_S = 600.0
LIMIT, NEW, OLD = "plain ONNX loop (limit)", "predict (streaming)", "old predict"

# The limit: the project's own scorer over record batches, nothing else.
PLAIN_LOOP = f"""
import json, sys, time
from pathlib import Path
import pyarrow.parquet as pq
from {PACKAGE}.schema import FEATURE_NAMES
from {PACKAGE}.onnx_model import OnnxScorer, feeds_from_frame
scorer = OnnxScorer(Path(sys.argv[1]).read_bytes())
started = time.perf_counter()
rows = 0
for batch in pq.ParquetFile(sys.argv[2]).iter_batches(batch_size=65_536):
    frame = batch.select(list(FEATURE_NAMES)).to_pandas()
    scorer.scores(feeds_from_frame(frame))
    rows += batch.num_rows
print(json.dumps({{"rows": rows, "seconds": time.perf_counter() - started}}))
"""

# The same probabilities from every contender? Read each output and compare.
COMPARE = """
import json, sys
import numpy as np, pandas as pd
from pathlib import Path
def read(path):  # a Dask output is a folder of parts, in the input's order by name
    parts = sorted(Path(path).glob("*.parquet")) if Path(path).is_dir() else [path]
    return pd.concat(map(pd.read_parquet, parts), ignore_index=True)
new, old, *dask = map(read, sys.argv[1:])
gap = float(np.abs(new["probability"] - old["probability"]).max())
print(json.dumps({
    "rows": len(new),
    "max_gap_old": gap,
    "labels_changed_old": int((new["prediction"] != old["prediction"]).sum()),
    "dask_identical": [bool(d[new.columns].equals(new)) for d in dask],
}))
"""


@dataclass(frozen=True)
class Run:
    """One contender on one file: its best wall time, and what it reported."""

    name: str
    rows: int
    wall_s: float
    scoring_s: float | None
    peak_mb: float


def load() -> str:
    """The 1, 5 and 15-minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def baseline_template(folder: Path) -> Path:
    """The template as it was at ``BASELINE_COMMIT``, unpacked from git."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", BASELINE_COMMIT],
        cwd=TEMPLATE,
        capture_output=True,
        check=True,
        timeout=TIMEOUT_S,
    ).stdout
    target = folder / "baseline-template"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def bake_and_train(
    template: Path, folder: Path, env: dict[str, str], extras: list[str]
) -> Path:
    """Bake the default project, install it as the image does, train a champion."""
    folder.mkdir()
    project = bake(template, folder)
    sync = ["uv", "sync", "--quiet", "--no-dev", "--compile-bytecode"]
    run([*sync, *(f"--extra={extra}" for extra in extras)], project, env)
    cli = str(project / ".venv" / "bin" / CLI)
    run([cli, "make-sample-data"], project, env)
    run([cli, "train", "--json"], project, env)
    return project


def session_rss_mb(sessions: tuple[int, ...]) -> float:
    """Resident memory of every process in these sessions, summed."""
    total_kb = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            stat = (status.parent / "stat").read_text()
            # The session id is the 6th field, after the parenthesised command name.
            if int(stat.rsplit(")", 1)[1].split()[3]) not in sessions:
                continue
            found = re.search(r"^VmRSS:\s+(\d+) kB", status.read_text(), re.MULTILINE)
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile
        total_kb += int(found.group(1)) if found else 0
    return total_kb / 1024


@contextmanager
def sampling(sessions: tuple[int, ...]) -> Iterator[list[float]]:
    """Sample the sessions' resident memory every 20 ms; yields the list of samples."""
    samples: list[float] = [0.0]
    done = threading.Event()

    def sample() -> None:
        while sessions and not done.wait(0.02):
            samples.append(session_rss_mb(sessions))

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


def measured(
    args: list[str], cwd: Path, env: dict[str, str], cluster: tuple[int, ...] = ()
) -> tuple[float, float, float, str]:
    """Wall seconds, peak resident MB and stdout of one process, and with ``cluster``
    (session ids) the peak of those sessions' resident memory: (wall, MB, cluster MB,
    stdout)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        with sampling(cluster) as samples:
            started = time.perf_counter()
            process = subprocess.Popen(args, cwd=cwd, env=env, stdout=out, stderr=err)
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{err.read()[-3000:]}")
        # ru_maxrss is in KiB on Linux.
        return wall, usage.ru_maxrss / 1024, max(samples), out.read()


def best(
    name: str,
    rows: int,
    args: list[str],
    cwd: Path,
    env: dict[str, str],
    cluster: tuple[int, ...] = (),
) -> Run:
    """The fastest of ``REPEATS`` runs; its scoring time if the command printed one."""
    runs = []
    for _ in range(REPEATS):
        wall, peak, cluster_peak, stdout = measured(args, cwd, env, cluster)
        scoring = json.loads(stdout)["seconds"] if stdout.strip() else None
        runs.append(Run(name, rows, wall, scoring, peak + cluster_peak))
    return min(runs, key=lambda r: r.wall_s)


@contextmanager
def dask_cluster(
    project: Path, folder: Path, env: dict[str, str], workers: int
) -> Iterator[tuple[str, tuple[int, ...]]]:
    """A ``dask scheduler`` and ``dask worker --nworkers N`` on 127.0.0.1, each in its
    own session; yields the scheduler's address and the two session ids. Stopped on
    exit."""
    dask = str(project / ".venv" / "bin" / "dask")
    scheduler_file = folder / f"scheduler-{workers}.json"
    scheduler_file.unlink(missing_ok=True)
    log = (folder / f"cluster-{workers}.log").open("w")
    listen = ["--host", "127.0.0.1", "--no-dashboard"]
    scheduler = subprocess.Popen(
        [
            dask,
            "scheduler",
            *listen,
            "--port",
            "0",
            "--scheduler-file",
            str(scheduler_file),
        ],
        cwd=project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        address: str = json.loads(scheduler_file.read_text())["address"]
        worker = subprocess.Popen(
            [
                dask,
                "worker",
                address,
                *listen,
                "--nworkers",
                str(workers),
                "--nthreads",
                "1",
            ],
            cwd=project,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        python = str(project / ".venv" / "bin" / "python")
        wait = "from distributed import Client; import sys\n"
        wait += "Client(sys.argv[1]).wait_for_workers(int(sys.argv[2]), timeout=120)"
        run([python, "-c", wait, address, str(workers)], project, env)
        yield address, (scheduler.pid, worker.pid)
    finally:
        for process in (worker, scheduler):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=60)
        log.close()


def print_table(runs: list[Run], limits: dict[int, Run]) -> None:
    """Each run, with its time over the plain loop's: scoring alone, and wall."""
    print(
        f"{'contender':<28}{'rows':>10}{'wall s':>8}{'rows/s':>11}{'scoring s':>10}"
        f"{'rows/s':>11}{'x limit':>8}{'x wall':>8}{'peak MB':>8}"
    )
    for r in runs:
        limit = limits[r.rows]
        scoring = f"{'':>10}{'':>11}{'':>8}"
        if r.scoring_s is not None and limit.scoring_s is not None:
            scoring = (
                f"{r.scoring_s:>10.2f}{r.rows / r.scoring_s:>11,.0f}"
                f"{r.scoring_s / limit.scoring_s:>8.2f}"
            )
        print(
            f"{r.name:<28}{r.rows:>10,}{r.wall_s:>8.2f}{r.rows / r.wall_s:>11,.0f}"
            f"{scoring}{r.wall_s / limit.wall_s:>8.2f}{r.peak_mb:>8.0f}"
        )


def main() -> int:
    env = base_env()
    print(f"load average at start: {load()} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-batch-speed-") as name:
        folder = Path(name)
        started = time.perf_counter()
        new = bake_and_train(TEMPLATE, folder / "new", env, extras=["batch"])
        old = bake_and_train(baseline_template(folder), folder / "old", env, [])
        print(f"bake, install and train both: {time.perf_counter() - started:.0f} s")
        onnx = next((new / "mlartifacts").rglob("model.onnx"))
        new_cli, old_cli = str(new / ".venv/bin" / CLI), str(old / ".venv/bin" / CLI)
        python = str(new / ".venv" / "bin" / "python")
        runs: list[Run] = []
        limits: dict[int, Run] = {}
        checks: dict[int, str] = {}
        for size in SIZES:
            data = folder / f"rows-{size}.parquet"
            make = [
                new_cli,
                "make-sample-data",
                "--rows",
                str(size),
                "--out",
                str(data),
            ]
            run(make, new, env)
            limits[size] = best(
                LIMIT, size, [python, "-c", PLAIN_LOOP, str(onnx), str(data)], new, env
            )
            outputs = [folder / f"new-{size}.parquet", folder / f"old-{size}.parquet"]
            predict = [new_cli, "predict", str(data), "--json", "--output"]
            runs += [
                limits[size],
                best(NEW, size, [*predict, str(outputs[0])], new, env),
                best(
                    OLD,
                    size,
                    [old_cli, "predict", str(data), "--output", str(outputs[1])],
                    old,
                    env,
                ),
            ]
            for workers in WORKERS:
                target = folder / f"dask-{size}-{workers}.parquet"
                with dask_cluster(new, folder, env, workers) as (address, sessions):
                    dask = ["--engine", "dask", "--scheduler", address]
                    name = f"predict, dask, {workers} worker{'s' * (workers > 1)}"
                    args = [*predict, str(target), *dask]
                    runs.append(best(name, size, args, new, env, sessions))
                outputs.append(target)
            checks[size] = run([python, "-c", COMPARE, *map(str, outputs)], new, env)
            for output in outputs:  # the disk is shared: keep only what is needed
                if output.is_dir():
                    shutil.rmtree(output)
                output.unlink(missing_ok=True)
    print(f"load average at end: {load()}\n")
    print_table(runs, limits)
    print(
        "\nx limit: scoring seconds over the plain loop's; x wall: the same for wall time"
    )
    print(f"peak memory, {SIZES[-1]:,} rows over {SIZES[0]:,} rows:")
    for name in dict.fromkeys(r.name for r in runs):
        peaks = [r.peak_mb for r in runs if r.name == name]
        print(f"  {name:<28}{peaks[-1] / peaks[0]:>6.2f}")
    print("\nsame scores? (new predict against the old one and the Dask runs)")
    for size, report in checks.items():
        print(f"  {size:>10,} rows: {report.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
