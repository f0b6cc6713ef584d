"""How fast the generated API serves, next to ``mlflow models serve`` and a bare floor.

Bakes the default project into a temporary folder, installs it as its Docker image does
(``uv sync --no-dev --compile-bytecode``), writes the sample data and trains, so the
registry holds a champion. Then the servers, one after the other, each on a free
127.0.0.1 port with one uvicorn worker unless said otherwise:

* the generated ``<cli> serve`` (POST /predict, ready at GET /ready), with one worker
  and with two, and called on its other protocols' routes: KServe V2's
  ``/v2/models/<name>/infer`` (JSON tensors) and MLflow's ``/invocations``;
* ``mlflow models serve`` on the same champion (POST /invocations, ready at GET /ping),
  with uvicorn's access log turned off as the generated server has it;
* a hello-world ASGI app on uvicorn answering every request with a fixed small JSON
  body: the floor set by uvicorn, HTTP parsing and wrk on this machine;
* the generated server again, reading the registry from an ``mlflow server`` on the
  same store instead of the sqlite file: over MLflow's REST API, without MLflow.

For each: the cold start (process start to the first 200 from the readiness URL), one
request that must answer 200, 3 s of uncounted load, then wrk (installed with apt-get if
missing) with a 1-row and a 100-row body, at concurrency 1 and 16, and its resident
memory after that. The table gives requests/s and the p50 and p99 latencies; the ratios
compare servers measured in this same run, since absolute numbers depend on the
machine (and wrk shares its cores with the server).

    uv run --frozen python benchmarks/serve_speed.py
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from projects import bake, base_env, free_port, run

TEMPLATE = Path(__file__).resolve().parents[1]
CLI = "my-ml-service"
PACKAGE = "my_ml_service"
MODEL_URI = "models:/my-ml-service@champion"
HOST = "127.0.0.1"
TIMEOUT_S = 120.0  # any one subprocess or readiness wait
WRK_SECONDS = 10
WARM_UP_SECONDS = 3
# (wrk threads, connections): one client at a time, then sixteen at once.
LOADS = ((1, 1), (2, 16))
BATCHES = (1, 100)
GENERATED, MLFLOW, HELLO = "generated serve", "mlflow models serve", "hello-world"
GENERATED_2 = "generated serve x2"
GENERATED_REST = "generated serve, REST"
GENERATED_V2, GENERATED_INVOCATIONS = "generated serve, V2", "generated /invocations"
# body_key of a server taking KServe V2 tensors, one per column, rather than rows.
V2_TENSORS = "inputs (V2 tensors)"


# The floor: the least an ASGI app can do and still read the body it is sent.
HELLO_APP = """\
BODY = b'{"ok": true}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"12")]


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


@dataclass(frozen=True)
class Server:
    """How to start one server, when it is ready, and what it is sent."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    ready_url: str
    predict_url: str
    body_key: str | None  # None: the floor, which ignores what it is sent
    log: Path
    metrics_url: str | None = None  # Prometheus text, to see what the server counted


@dataclass(frozen=True)
class Measure:
    """What wrk reported for one server, batch size and concurrency."""

    server: str
    rows: int
    connections: int
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: str | None


def ensure_wrk() -> str:
    """The wrk binary, installed from Debian when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        env = base_env() | {"DEBIAN_FRONTEND": "noninteractive"}
        run(["apt-get", "update", "-qq"], Path("/"), env)
        run(["apt-get", "install", "-y", "-qq", "wrk"], Path("/"), env)
        found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is not installed and apt-get did not install it")
    return found


def bake_and_train(folder: Path, env: dict[str, str]) -> tuple[Path, float]:
    """Bake the default project, install it, train a champion; return it and setup s."""
    started = time.perf_counter()
    project = bake(TEMPLATE, folder)
    # As the Docker image installs it. These machines set PYTHONDONTWRITEBYTECODE, so
    # without compiled bytecode every start would compile ~1,100 modules again (the
    # generated server's cold start: 5.3 s instead of 2.9 s).
    run(["uv", "sync", "--quiet", "--no-dev", "--compile-bytecode"], project, env)
    cli = str(project / ".venv" / "bin" / CLI)
    run([cli, "make-sample-data"], project, env)
    run([cli, "train", "--json"], project, env)
    os.sync()  # the fresh install's disk writes, done before anything is timed
    return project, time.perf_counter() - started


def generated_server(
    project: Path, folder: Path, env: dict[str, str], workers: int = 1
) -> Server:
    port = free_port()
    return Server(
        name=GENERATED if workers == 1 else GENERATED_2,
        argv=[
            str(project / ".venv" / "bin" / CLI),
            "serve",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env=env
        | {
            "MY_ML_SERVICE_API_RELOAD_INTERVAL_S": "0",  # no registry polling mid-run
            "MY_ML_SERVICE_PREDICTION_LOG_PATH": str(folder / "predictions.jsonl"),
            # Keep every rotated file: the line count is checked against wrk's.
            "MY_ML_SERVICE_PREDICTION_LOG_BACKUP_COUNT": "1000",
            "MY_ML_SERVICE_LOG_LEVEL": "WARNING",
        },
        cwd=project,
        ready_url=f"http://{HOST}:{port}/ready",
        predict_url=f"http://{HOST}:{port}/predict",
        body_key="instances",
        log=folder / "generated.log",
        metrics_url=f"http://{HOST}:{port}/metrics",
    )


def on_route(server: Server, name: str, path: str, body_key: str) -> Server:
    """The generated server, called on another of its routes."""
    base = server.predict_url.removesuffix("/predict")
    return replace(server, name=name, predict_url=base + path, body_key=body_key)


def v2_route(project: Path, folder: Path, env: dict[str, str]) -> Server:
    """The generated server, called as KServe V2 clients call it."""
    server = generated_server(project, folder, env)
    return on_route(server, GENERATED_V2, f"/v2/models/{CLI}/infer", V2_TENSORS)


def invocations_route(project: Path, folder: Path, env: dict[str, str]) -> Server:
    """The generated server, called as ``mlflow models serve``'s clients call it."""
    server = generated_server(project, folder, env)
    return on_route(server, GENERATED_INVOCATIONS, "/invocations", "dataframe_records")


def two_workers(project: Path, folder: Path, env: dict[str, str]) -> Server:
    """The generated server with two uvicorn workers, one per core of these machines."""
    return generated_server(project, folder, env, workers=2)


def mlflow_server(project: Path, folder: Path, env: dict[str, str]) -> Server:
    port = free_port()
    bin_dir = project / ".venv" / "bin"
    return Server(
        name=MLFLOW,
        argv=[
            str(bin_dir / "mlflow"),
            "models",
            "serve",
            "-m",
            MODEL_URI,
            "--env-manager",
            "local",
            "--host",
            HOST,
            "--port",
            str(port),
        ],
        env=env
        | {
            "MLFLOW_TRACKING_URI": f"sqlite:///{project / 'mlflow.db'}",
            # mlflow execs a bare `uvicorn`: it must find the project's on PATH.
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
            # Its uvicorn reads UVICORN_* variables: no access log, like the others.
            "UVICORN_ACCESS_LOG": "false",
        },
        cwd=project,
        ready_url=f"http://{HOST}:{port}/ping",
        predict_url=f"http://{HOST}:{port}/invocations",
        body_key="dataframe_records",
        log=folder / "mlflow.log",
    )


def hello_server(project: Path, folder: Path, env: dict[str, str]) -> Server:
    port = free_port()
    (folder / "hello_app.py").write_text(HELLO_APP, encoding="utf-8")
    return Server(
        name=HELLO,
        argv=[
            str(project / ".venv" / "bin" / "python"),
            "-m",
            "uvicorn",
            "hello_app:app",
            "--host",
            HOST,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=folder,
        ready_url=f"http://{HOST}:{port}/",
        predict_url=f"http://{HOST}:{port}/predict",
        body_key=None,
        log=folder / "hello.log",
    )


def sample_rows(project: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """The first rows of the project's sample, feature columns only, as the API takes
    them: read with the project's own contract rather than a copy of it here."""
    script = (
        "import pandas as pd\n"
        f"from {PACKAGE}.schema import FEATURE_NAMES\n"
        f"frame = pd.read_csv('data/train.csv').head({max(BATCHES)})\n"
        "print(frame[list(FEATURE_NAMES)].to_json(orient='records'))\n"
    )
    python = str(project / ".venv" / "bin" / "python")
    rows: list[dict[str, Any]] = json.loads(run([python, "-c", script], project, env))
    return rows


def body(server: Server, rows: list[dict[str, Any]]) -> str:
    if server.body_key == V2_TENSORS:
        return json.dumps(v2_request(server, rows))
    key = server.body_key or "instances"
    return json.dumps({key: rows})


def v2_request(server: Server, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The rows as V2 input tensors, named and typed as the model's metadata says."""
    status, answer = http_status(server.predict_url.removesuffix("/infer"))
    if status != 200:
        raise RuntimeError(f"{server.name} metadata answered {status}: {answer!r}")
    tensors = json.loads(answer)["inputs"]
    return {
        "inputs": [
            {
                "name": tensor["name"],
                "datatype": tensor["datatype"],
                "shape": [len(rows)],
                "data": [row[tensor["name"]] for row in rows],
            }
            for tensor in tensors
        ]
    }


def http_status(url: str, data: bytes | None = None) -> tuple[int, bytes]:
    """Status and body of one request; connection failures count as status 0."""
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status: int = response.status
            return status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, b""


def log_tail(server: Server) -> str:
    return server.log.read_text(encoding="utf-8", errors="replace")[-3000:]


def wait_ready(server: Server, process: subprocess.Popen[bytes]) -> None:
    """Poll the readiness URL until it answers 200; fail fast if the server died."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server.name} exited early:\n{log_tail(server)}")
        if http_status(server.ready_url)[0] == 200:
            return
        time.sleep(0.05)
    raise RuntimeError(
        f"{server.name} not ready in {TIMEOUT_S:.0f} s:\n{log_tail(server)}"
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (mlflow serves from a child process), wait,
    and only kill it if it does not stop in time."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


@contextmanager
def running(server: Server) -> Iterator[tuple[float, int]]:
    """Start the server, yield its cold start in seconds and its process id (also its
    session's), and always stop it."""
    with server.log.open("wb") as log:
        started = time.perf_counter()
        # Its own session, so stop() reaches every process it spawns and no other.
        process = subprocess.Popen(
            server.argv,
            cwd=server.cwd,
            env=server.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            wait_ready(server, process)
            yield time.perf_counter() - started, process.pid
        finally:
            stop(process)


def session_stats(session: int) -> Iterator[tuple[list[str], str]]:
    """For each process in the session: its /proc stat fields after the command name,
    and its /proc status text."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The session id is the 6th field, after the parenthesised command name.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[3]) != session:
                continue
            yield fields, (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue  # the process ended meanwhile


def resident_mb(session: int) -> float:
    """Resident memory of every process in the session, summed (workers share some)."""
    total_kb = 0
    for _, status in session_stats(session):
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        total_kb += int(match.group(1)) if match else 0
    return total_kb / 1024


def settle(session: int, limit_s: float = 60) -> None:
    """Wait until the session's processes use under 5 % of a core.

    ``mlflow server`` answers /health while its job-runner processes are still starting,
    and they would take CPU from whatever is measured next.
    """
    ticks = os.sysconf("SC_CLK_TCK")

    def cpu_s() -> float:
        # utime and stime: the 14th and 15th fields of /proc/<pid>/stat.
        return sum(int(f[11]) + int(f[12]) for f, _ in session_stats(session)) / ticks

    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        before = cpu_s()
        time.sleep(1)
        if cpu_s() - before < 0.05:
            return


def tracking_server(project: Path, folder: Path, env: dict[str, str]) -> Server:
    """``mlflow server`` on the project's store, for the generated server to read."""
    port = free_port()
    return Server(
        name="mlflow server",
        argv=[
            str(project / ".venv" / "bin" / "mlflow"),
            "server",
            *("--host", HOST, "--port", str(port), "--workers", "1"),
            *("--backend-store-uri", f"sqlite:///{project / 'mlflow.db'}"),
        ],
        env=env,
        cwd=project,
        ready_url=f"http://{HOST}:{port}/health",
        predict_url="",
        body_key=None,
        log=folder / "tracking.log",
    )


def warm_up(server: Server, rows: list[dict[str, Any]]) -> None:
    """One request that must answer 200 (and, for a model, one prediction a row)."""
    count = len(rows)
    status, answer = http_status(server.predict_url, body(server, rows).encode())
    if status != 200:
        raise RuntimeError(
            f"{server.name} answered {status} to {count} rows: {answer[:500]!r}"
        )
    if server.body_key is not None:
        answered = json.loads(answer)
        if server.body_key == V2_TENSORS:
            predictions = answered["outputs"][0]["data"]
        else:
            predictions = answered["predictions"]
        if len(predictions) != count:
            raise RuntimeError(
                f"{server.name}: {len(predictions)} predictions for {count} rows"
            )


def lua_script(path: Path, payload: str) -> Path:
    """A wrk script that POSTs the payload (a Lua long string: no escaping needed)."""
    if "]==]" in payload:
        raise ValueError("the payload would end the Lua long string early")
    path.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f"wrk.body = [==[{payload}]==]\n",
        encoding="utf-8",
    )
    return path


UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(text: str) -> float:
    """wrk prints a duration as 870.00us, 1.29ms, 2.01s or 1.50m: convert to ms."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match[1]) * UNIT_MS[match[2]]


def parse_wrk(output: str, server: str, count: int, connections: int) -> Measure:
    """Pull requests/s, p50, p99 and the error counts out of ``wrk --latency``."""

    def find(pattern: str) -> str:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise ValueError(f"{pattern!r} not in wrk output:\n{output}")
        return match[1]

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:\s+(.+)$", output, re.MULTILINE)
    return Measure(
        server,
        count,
        connections,
        int(find(r"(\d+) requests in")),
        float(find(r"Requests/sec:\s+([\d.]+)")),
        to_ms(find(r"^\s+50%\s+(\S+)")),
        to_ms(find(r"^\s+99%\s+(\S+)")),
        int(non_2xx[1]) if non_2xx else 0,
        errors[1].strip() if errors else None,
    )


def drive(
    wrk: str, server: Server, folder: Path, sample: list[dict[str, Any]]
) -> tuple[list[Measure], int]:
    """wrk against the server for every batch size and load, after a warm-up each;
    also how many requests the warm-ups sent."""
    measures = []
    warm_up_requests = 0
    for count in BATCHES:
        warm_up(server, sample[:count])
        script = lua_script(folder / f"post-{count}.lua", body(server, sample[:count]))
        # Not counted: the first seconds of load pay for lazy set-up in every server.
        output = run_wrk(wrk, server, script, 1, 1, WARM_UP_SECONDS)
        warm_up_requests += 1 + parse_wrk(output, server.name, count, 1).requests
        for threads, connections in LOADS:
            output = run_wrk(wrk, server, script, threads, connections, WRK_SECONDS)
            measures.append(parse_wrk(output, server.name, count, connections))
    return measures, warm_up_requests


def run_wrk(
    wrk: str, server: Server, script: Path, threads: int, connections: int, seconds: int
) -> str:
    """What wrk prints after driving the server's predict URL for ``seconds``."""
    args = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s"]
    args += ["--timeout", "10s", "--latency", "-s", str(script), server.predict_url]
    return subprocess.run(
        args, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout


def venv_size(project: Path) -> str:
    """``du`` of the baked project's .venv, in MB."""
    output = subprocess.run(
        ["du", "-sk", str(project / ".venv")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=True,
    ).stdout
    return f"{int(output.split()[0]) / 1024:.0f} MB"


def logged_lines(path: Path) -> int:
    """Lines in the prediction log and its rotated files."""
    files = [path, *path.parent.glob(f"{path.name}.*")]
    return sum(len(f.read_bytes().splitlines()) for f in files if f.is_file())


def print_table(measures: list[Measure]) -> None:
    print(
        f"{'server':<22}{'rows':>6}{'conc':>6}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}"
    )
    for m in measures:
        print(
            f"{m.server:<22}{m.rows:>6}{m.connections:>6}"
            f"{m.rps:>10.1f}{m.p50_ms:>10.2f}{m.p99_ms:>10.2f}"
        )


def print_ratios(measures: list[Measure]) -> None:
    """Throughput of the generated server over the others, case by case."""
    rps = {(m.server, m.rows, m.connections): m.rps for m in measures}
    print(
        f"{'rows':>6}{'conc':>6}{'generated/mlflow':>18}{'generated/hello-world':>23}"
        f"{'2 workers/1':>13}{'V2/predict':>12}{'invocations/predict':>21}"
    )
    for count in BATCHES:
        for _, connections in LOADS:
            ours = rps[(GENERATED, count, connections)]
            print(
                f"{count:>6}{connections:>6}"
                f"{ours / rps[(MLFLOW, count, connections)]:>18.2f}"
                f"{ours / rps[(HELLO, count, connections)]:>23.2f}"
                f"{rps[(GENERATED_2, count, connections)] / ours:>13.2f}"
                f"{rps[(GENERATED_V2, count, connections)] / ours:>12.2f}"
                f"{rps[(GENERATED_INVOCATIONS, count, connections)] / ours:>21.2f}"
            )


def status_counts(server: Server) -> Counter[str]:
    """Requests the server itself counted, by method, route and status."""
    counts: Counter[str] = Counter()
    if server.metrics_url is None:
        return counts
    status, text = http_status(server.metrics_url)
    if status != 200:
        raise RuntimeError(f"{server.metrics_url} answered {status}")
    for line in text.decode().splitlines():
        if line.startswith("http_request_duration_seconds_count{"):
            labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
            key = f"{labels['method']} {labels['route']} {labels['status']}"
            counts[key] += int(float(line.rsplit(" ", 1)[1]))
    return counts


def log_problems(log: Path) -> Counter[str]:
    """ERROR lines and the exception ending each traceback in a server's output."""
    problems: Counter[str] = Counter()
    in_traceback = False
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if re.search(r"\bERROR\b", line):
            problems["ERROR lines"] += 1
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
        elif in_traceback and line and not line[0].isspace():
            # The first unindented line after the frames names the exception.
            problems[f"traceback: {line[:120]}"] += 1
            in_traceback = False
    return problems


def print_server_view(
    statuses: dict[str, Counter[str]], problems: dict[str, Counter[str]]
) -> None:
    """What the servers saw: their own request counts, and errors in their output."""
    for name, counts in statuses.items():
        cells = ", ".join(f"{key}: {n}" for key, n in sorted(counts.items()))
        print(f"{name} /metrics counted: {cells}")
    for name, found in problems.items():
        cells = "; ".join(f"{what} x{n}" for what, n in found.most_common())
        print(f"{name} output: {cells or 'no errors'}")


def print_errors(measures: list[Measure]) -> None:
    """Every non-2xx response and socket error wrk counted (none expected)."""
    bad = [m for m in measures if m.non_2xx or m.socket_errors]
    for m in bad:
        print(
            f"{m.server}, {m.rows} rows, c={m.connections}: {m.non_2xx} non-2xx "
            f"of {m.requests}; socket errors: {m.socket_errors or 'none'}"
        )
    if not bad:
        print("wrk counted no non-2xx responses and no socket errors")


def main() -> int:
    env = base_env()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="bench-serve-speed-") as name:
        folder = Path(name)
        project, setup_s = bake_and_train(folder, env)
        print(f"bake + uv sync + sample data + train: {setup_s:.1f} s\n")
        sample = sample_rows(project, env)
        measures: list[Measure] = []
        cold: dict[str, float] = {}
        statuses: dict[str, Counter[str]] = {}
        problems: dict[str, Counter[str]] = {}
        warm_ups: Counter[str] = Counter()
        memory: dict[str, float] = {}

        def measure(server: Server) -> None:
            # One server at a time: on 2 cores they would steal CPU from each other.
            with running(server) as (cold[server.name], pid):
                server_measures, warm_ups[server.name] = drive(
                    wrk, server, folder, sample
                )
                measures.extend(server_measures)
                memory[server.name] = resident_mb(pid)
                # wrk leaves up to 16 requests in flight at its deadline: let the
                # server finish (or drop) them before asking what it counted.
                time.sleep(1)
                statuses[server.name] = status_counts(server)
            # Read after the stop: the server has flushed what it had to say.
            problems[server.name] = log_problems(server.log)

        servers = (
            generated_server,
            v2_route,
            invocations_route,
            two_workers,
            mlflow_server,
            hello_server,
        )
        for make in servers:
            measure(make(project, folder, env))
        # The generated server again, reading the same registry through an MLflow
        # tracking server: over REST, without importing MLflow.
        tracking = tracking_server(project, folder, env)
        with running(tracking) as (_, tracking_session):
            settle(tracking_session)
            local = generated_server(project, folder, env)
            measure(
                replace(
                    local,
                    name=GENERATED_REST,
                    env=local.env
                    | {
                        "MLFLOW_TRACKING_URI": tracking.ready_url.removesuffix(
                            "/health"
                        )
                    },
                    log=folder / "generated-rest.log",
                )
            )
        logged = logged_lines(folder / "predictions.jsonl")
        weight = venv_size(project)

    print_table(measures)
    print("\ncold start (process start to first 200 from the readiness URL):")
    for server_name, seconds in cold.items():
        print(f"  {server_name:<22}{seconds:>6.2f} s")
    print("\nresident memory after the load (all of a server's processes):")
    for server_name, megabytes in memory.items():
        print(f"  {server_name:<22}{megabytes:>6.0f} MB")
    print("\nthroughput ratios, same run:")
    print_ratios(measures)
    print()
    print_errors(measures)
    print_server_view({k: v for k, v in statuses.items() if v}, problems)
    # wrk stops counting at the deadline; requests in flight then still get logged.
    # The generated servers all write the same log.
    generated = (
        GENERATED,
        GENERATED_V2,
        GENERATED_INVOCATIONS,
        GENERATED_2,
        GENERATED_REST,
    )
    counted = sum(m.requests for m in measures if m.server in generated)
    warmed = sum(warm_ups[name] for name in generated)
    print(
        f"generated prediction log: {logged} lines for {counted} requests wrk counted "
        f"(+{warmed} warm-up requests)"
    )
    print(f"served environment: {weight} (du -sk of the project's .venv, no dev tools)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
