"""What the feature store and the drift report cost, next to a project without them.

Bakes two projects into a temporary folder, each installed as its Docker image installs
it (``uv sync --no-dev --compile-bytecode``): one with ``include_feature_store`` and
``include_drift_report``, one with neither (the baseline). In the first it times, as
processes a user starts: ``features apply``, ``features materialize`` of the 2,000-row
sample, ``train`` from the file and ``train --features`` from the store (their model
bytes must be equal), and ``drift --report`` in the report environment.

Then it serves each project on a free 127.0.0.1 port and sends, one at a time over one
keep-alive connection, REQUESTS bodies of one row: ``instances`` with a customer's
stored values, and ``{"entities": [{"customer_id": ...}]}`` for the same customer (both
must give the same probability). It prints the p50 and p99 latency as the client sees
it, the ratios against the baseline's ``instances`` measured in the same run, the cold
start (process start to the first 200 from /ready) and the resident memory of each
server, and the size of each environment.

    uv run --frozen python benchmarks/feature_store.py
"""

from __future__ import annotations

import http.client
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from projects import bake, base_env, free_port, run, timed

TEMPLATE = Path(__file__).resolve().parents[1]
CLI = "my-ml-service"
HOST = "127.0.0.1"
TIMEOUT_S = 300.0
REQUESTS = 2000
WARM_UP = 200


def installed(folder: Path, env: dict[str, str], **answers: Any) -> Path:
    """A project baked with ``answers``, installed as its image installs it, with the
    sample data written."""
    project = bake(TEMPLATE, folder, **answers)
    run(["uv", "sync", "--no-dev", "--compile-bytecode"], project, env)
    run(["uv", "run", "--no-dev", CLI, "make-sample-data"], project, env)
    return project


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def serve(
    project: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int, float]:
    """Start the project's server; return it, its port and its cold start in seconds."""
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(project / ".venv" / "bin" / CLI), "serve", "--port", str(port)],
        cwd=project,
        env=env | {"MY_ML_SERVICE_PREDICTION_LOG_PATH": "off"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while time.perf_counter() - started < TIMEOUT_S:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/ready", timeout=2):
                return process, port, time.perf_counter() - started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    process.kill()
    raise SystemExit("the server did not become ready")


def latencies(port: int, body: dict[str, Any]) -> tuple[list[float], dict[str, Any]]:
    """Milliseconds per request, one at a time on one connection; the last answer."""
    payload = json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    times, answer = [], {}
    for number in range(WARM_UP + REQUESTS):
        started = time.perf_counter()
        connection.request("POST", "/predict", payload, headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"/predict answered {response.status}: {data[:300]!r}")
        if number >= WARM_UP:
            times.append(elapsed)
        answer = json.loads(data)
    connection.close()
    return times, answer


def p(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, int(share * len(values)))]


def venv_mb(project: Path) -> float:
    total = sum(f.stat().st_size for f in (project / ".venv").rglob("*") if f.is_file())
    return total / 1e6


def main() -> int:
    env = base_env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # the image keeps compiled bytecode
    folder = Path(tempfile.mkdtemp(prefix="feature-store-bench-"))
    try:
        with_store = installed(
            folder / "on", env, include_feature_store=True, include_drift_report=True
        )
        baseline = installed(folder / "off", env)
        cli = ["uv", "run", "--no-dev", CLI]
        steps: dict[str, float] = {}
        steps["features apply"], _ = timed([*cli, "features", "apply"], with_store, env)
        steps["features materialize (2,000 rows)"], _ = timed(
            [*cli, "features", "materialize"], with_store, env
        )
        steps["train (from the file)"], out = timed(
            [*cli, "train", "--json"], with_store, env
        )
        steps["train --features (point-in-time join)"], out_features = timed(
            [*cli, "train", "--features", "--json"], with_store, env
        )
        timed([*cli, "train", "--json"], baseline, env)
        same = (
            json.loads(out)["model_sha256"] == json.loads(out_features)["model_sha256"]
        )
        # drift exits 1 when it finds drift: the report is written either way.
        steps["drift --report (report environment, uncached)"], _ = timed(
            [
                "uv",
                "run",
                "--isolated",
                "--no-default-groups",
                "--group",
                "report",
                CLI,
                "drift",
                "data/train.csv",
                "--report",
                str(folder / "drift.html"),
            ],
            with_store,
            env,
            allowed=(0, 1),
        )

        # A customer seen on the last day, and its stored values, from the store itself.
        lookup = subprocess.run(
            [
                str(with_store / ".venv" / "bin" / "python"),
                "-c",
                "import json, sys;"
                "from my_ml_service.config import get_settings;"
                "from my_ml_service.data import read_table;"
                "from my_ml_service.features import OnlineFeatures;"
                "s = get_settings();"
                "i = str(read_table(s.data_path).sort_values('event_time')"
                ".iloc[-1]['customer_id']);"
                "print(json.dumps([i, OnlineFeatures(s).lookup([i]).rows[0]]))",
            ],
            cwd=with_store,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        customer, values = json.loads(lookup.stdout.splitlines()[-1])

        results: dict[str, list[float]] = {}
        servers: dict[str, tuple[float, float]] = {}
        answers = {}
        for name, project in (("baseline", baseline), ("with the store", with_store)):
            process, port, cold = serve(project, env)
            try:
                results[f"{name}: instances"], answers[name] = latencies(
                    port, {"instances": [values]}
                )
                if project is with_store:
                    results[f"{name}: entities"], answers["entities"] = latencies(
                        port, {"entities": [{"customer_id": customer}]}
                    )
                servers[name] = (cold, resident_mb(process.pid))
            finally:
                process.terminate()
                process.wait(timeout=30)

        print("\nSteps in the project with both options (process wall time, s):")
        for step, seconds in steps.items():
            print(f"  {step:<48} {seconds:6.1f}")
        print(f"  train and train --features gave the same model bytes: {same}")
        parity = (
            answers["entities"]["predictions"]
            == answers["with the store"]["predictions"]
        )
        print(f"  entities and instances gave the same prediction: {parity}")

        base = statistics.median(results["baseline: instances"])
        print(f"\n/predict, 1 row, one client, {REQUESTS} requests (ms):")
        print(f"  {'server: body':<34} {'p50':>6} {'p99':>6} {'p50 / baseline':>15}")
        for name, values_ms in results.items():
            p50 = statistics.median(values_ms)
            print(
                f"  {name:<34} {p50:6.2f} {p(values_ms, 0.99):6.2f} {p50 / base:15.2f}"
            )
        print("\nServers:")
        for name, (cold, memory) in servers.items():
            print(f"  {name:<16} cold start {cold:5.1f} s, resident {memory:6.0f} MB")
        print(
            f"\nEnvironments: baseline {venv_mb(baseline):.0f} MB, with the store "
            f"{venv_mb(with_store):.0f} MB (no Evidently in either)"
        )
        evidently = list(
            (with_store / ".venv").glob("lib/python*/site-packages/evidently")
        )
        return 0 if same and parity and not evidently else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
