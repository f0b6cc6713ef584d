"""Slow tier: a baked project against a real team setup.

A throwaway PostgreSQL cluster from Debian's packages backs a real ``mlflow server``
with proxied artifacts on 127.0.0.1; the project trains against it, serves from it, and
copes when the server goes away.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from tests.checks import (
    clean_env,
    free_port,
    http,
    predict_documented_example,
    run,
    stop,
    wait_for,
)
from tests.conftest import Bake

pytestmark = pytest.mark.slow
# The served API's key: /admin/reload is off without one.
API_KEY = "k3y"


@contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL cluster in a temporary folder on a free port; yields a database URI.

    As root, the server runs as the ``postgres`` user (PostgreSQL refuses root).
    """
    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    assert installed, "PostgreSQL is not installed: apt-get install postgresql"
    bindir = installed[-1]
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder = Path(tempfile.mkdtemp(prefix="pg-"))
    if as_postgres:
        shutil.chown(folder, "postgres")
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    for args in (
        [
            "initdb",
            "-D",
            f"{folder}/data",
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
        ],
        [
            "pg_ctl",
            "-D",
            f"{folder}/data",
            "-o",
            options,
            "-l",
            f"{folder}/log",
            "-w",
            "start",
        ],
        ["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "mlflow"],
    ):
        result = run([*as_postgres, str(bindir / args[0]), *args[1:]], folder, 120)
        assert result.returncode == 0, result.stdout + result.stderr
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/mlflow"
    finally:
        run(
            [
                *as_postgres,
                str(bindir / "pg_ctl"),
                "-D",
                f"{folder}/data",
                "-m",
                "immediate",
                "stop",
            ],
            folder,
        )
        shutil.rmtree(folder, ignore_errors=True)


def mlflow_server(
    project: Path, database: str, artifacts: Path, port: int
) -> subprocess.Popen[str]:
    """``mlflow server`` from the project's own environment, plus a PostgreSQL driver."""
    process = subprocess.Popen(
        [
            "uv",
            "run",
            "--with",
            "psycopg[binary]",
            "mlflow",
            "server",
            "--backend-store-uri",
            database,
            "--artifacts-destination",
            str(artifacts),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--allowed-hosts",
            f"127.0.0.1:{port},localhost:{port}",
        ],
        cwd=project,
        # As the project's compose file runs it: MLflow's telemetry off.
        env={**clean_env(), "MLFLOW_DISABLE_TELEMETRY": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(f"http://127.0.0.1:{port}/health", process)
    return process


def sql(database: str, query: str) -> list[str]:
    """Rows of a query, as psql prints them unaligned (fields joined by '|')."""
    port = database.rsplit(":", 1)[1].split("/")[0]
    result = run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            "mlflow",
            "-tAc",
            query,
        ],
        Path.cwd(),
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_train_and_serve_against_mlflow_on_postgres(bake: Bake, tmp_path: Path) -> None:
    project = bake(project_name="My ML Service")
    assert run(["uv", "sync"], project).returncode == 0
    cli = str(project / ".venv" / "bin" / "my-ml-service")
    tracking_port, api_port = free_port(), free_port()
    env = {
        **clean_env(),
        "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{tracking_port}",
        "MY_ML_SERVICE_MLFLOW_HTTP_MAX_RETRIES": "1",
        "MY_ML_SERVICE_MLFLOW_HTTP_TIMEOUT_S": "5",
        "MY_ML_SERVICE_API_RELOAD_INTERVAL_S": "0",
        # A key turns /admin/reload on; every call to the API sends it.
        "MY_ML_SERVICE_API_KEY": API_KEY,
    }

    def cli_run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [cli, *args],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    with postgres() as database:
        server = mlflow_server(project, database, tmp_path / "artifacts", tracking_port)
        api = None
        try:
            assert cli_run("make-sample-data").returncode == 0
            trained = cli_run("train", "--json")
            assert trained.returncode == 0, trained.stderr
            summary = json.loads(
                trained.stdout
            )  # stdout holds the JSON and nothing else
            assert (summary["model_version"], summary["promoted"]) == (1, True)

            # What MLflow wrote is in PostgreSQL; the model's files went through the proxy.
            assert sql(database, "select name, version from model_versions") == [
                "my-ml-service|1"
            ]
            aliases = sql(
                database, "select alias, version from registered_model_aliases"
            )
            assert aliases == ["champion|1"]
            metrics = sql(
                database,
                f"select key from latest_metrics where run_uuid = '{summary['run_id']}'",
            )
            assert "roc_auc" in metrics
            assert list((tmp_path / "artifacts").rglob("model.onnx"))

            api = subprocess.Popen(
                [cli, "serve", "--port", str(api_port)],
                cwd=project,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            wait_for(f"http://127.0.0.1:{api_port}/ready", api)
            base = f"http://127.0.0.1:{api_port}"
            status, body = predict_documented_example(base, api_key=API_KEY)
            assert (status, body["model_version"]) == (200, 1)
            # Read over REST: the run's metrics, the ONNX file through the proxy.
            status, info = http(f"http://127.0.0.1:{api_port}/model", api_key=API_KEY)
            assert (status, info["backend"]) == (200, "onnx")
            logged = {  # the run also holds the baseline's score
                **summary["metrics"],
                f"baseline_{summary['primary_metric']}": summary["baseline_metric"],
            }
            assert info["metrics"] == pytest.approx(logged)

            # The tracking server goes away.
            stop(server)
            started = time.monotonic()
            failed = cli_run("train", "--json")
            took = time.monotonic() - started
            assert failed.returncode == 1
            assert "Check MLFLOW_TRACKING_URI" in failed.stderr
            assert "Traceback" not in failed.stderr
            assert failed.stdout == ""
            assert took < 60, f"train took {took:.0f} s to give up"
            # The running API keeps serving its model, and says it is ready: it is.
            assert (
                http(f"http://127.0.0.1:{api_port}/admin/reload", {}, api_key=API_KEY)[
                    0
                ]
                == 200
            )
            assert http(f"http://127.0.0.1:{api_port}/ready", api_key=API_KEY)[0] == 200
            status, body = predict_documented_example(base, api_key=API_KEY)
            assert (status, body["model_version"]) == (200, 1)

            # Back up: the failed training left no run and no version behind.
            server = mlflow_server(
                project, database, tmp_path / "artifacts", tracking_port
            )
            assert sql(database, "select version from model_versions") == ["1"]
            assert sql(database, "select count(*) from runs") == ["1"]

            stop(api)
            assert api.stderr is not None
            assert "over MLflow's REST API, without MLflow" in api.stderr.read()
        finally:
            if api is not None:
                stop(api)
            stop(server)


def test_two_tuners_share_one_study_on_postgres(bake: Bake, tmp_path: Path) -> None:
    """Two ``tune`` processes on one PostgreSQL study: as many trials as asked, each
    run once, by whichever process was free."""
    project = bake(project_name="My ML Service")
    assert run(["uv", "sync"], project).returncode == 0
    assert (
        run(["uv", "run", "my-ml-service", "make-sample-data"], project).returncode == 0
    )
    # The driver, once, before the race: uv caches the environment it makes.
    with_driver = ["uv", "run", "--with", "psycopg[binary]"]
    assert (
        run([*with_driver, "python", "-c", "import psycopg"], project).returncode == 0
    )
    wanted = 24

    with postgres() as database:
        tuners = [
            subprocess.Popen(
                [
                    *with_driver,
                    "my-ml-service",
                    "tune",
                    *("--study", "shared", "--storage", database),
                    *("--n-trials", str(wanted), "--no-write", "--json"),
                ],
                cwd=project,
                env={
                    **clean_env(),
                    # Each its own MLflow store: the study is what they share.
                    "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / f'mlflow{i}.db'}",
                    "MY_ML_SERVICE_ARTIFACT_DIR": str(tmp_path / f"artifacts{i}"),
                    "MY_ML_SERVICE_ESTIMATOR": "hist_gradient_boosting",
                },
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in (0, 1)
        ]
        finished = [tuner.communicate(timeout=600) for tuner in tuners]
        for tuner, (_, err) in zip(tuners, finished, strict=True):
            assert tuner.returncode == 0, err
        summaries = [json.loads(out) for out, _ in finished]
        trials = [
            row.split("|")
            for row in sql(database, "select number, state from trials order by number")
        ]

    ran = [summary["ran_here"] for summary in summaries]
    assert min(ran) >= 1, ran  # both worked on it
    done = [number for number, state in trials if state in ("COMPLETE", "PRUNED")]
    assert len(done) == wanted
    assert [int(n) for n, _ in trials] == list(range(len(trials)))  # none twice
    assert sum(ran) == wanted
    # A process that found the study full as it began a trial gave that one back.
    assert all(state == "FAIL" for _, state in trials[wanted:])
    assert summaries[0]["best_value"] == summaries[1]["best_value"]
    for i, count in enumerate(ran):  # each trial is a child run where it ran
        with closing(sqlite3.connect(tmp_path / f"mlflow{i}.db")) as store:
            (runs,) = store.execute(
                "select count(*) from tags where key = 'mlflow.parentRunId'"
            ).fetchone()
        assert runs == count
