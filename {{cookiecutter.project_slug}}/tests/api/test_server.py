"""End to end: a real uvicorn on 127.0.0.1 serves the champion and swaps in a new one
while requests keep flowing, without failing any of them."""

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tritonclient.http as triton
from tritonclient.utils import triton_to_np_dtype

from {{ cookiecutter.package_name }}.api.schemas import PredictResponse
from {{ cookiecutter.package_name }}.columns import Categorical
from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
)
from {{ cookiecutter.package_name }}.contract import (
    EXAMPLE,
    FEATURES,
)
from {{ cookiecutter.package_name }}.train import train

from ..processes import free_port, wait_until

PACKAGE = "{{ cookiecutter.package_name }}"
# The served API has a key, so that /admin/reload is on; every call carries it.
API_KEY = "k3y"


def call(url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json", "X-API-Key": API_KEY},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def loaded_workers(base: str) -> int:
    """How many workers report a loaded model: /ready answers for one worker only."""
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    return sum(
        line.startswith("model_version") and not line.endswith(" 0.0")
        for line in text.splitlines()
    )


@contextmanager
def serving(settings: Settings, folder: Path, workers: int = 1) -> Iterator[str]:
    """The project's own `serve` command in a child process; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": settings.mlflow_tracking_uri,
        f"{ENV_PREFIX}API_RELOAD_INTERVAL_S": "0",
        f"{ENV_PREFIX}API_KEY": API_KEY,
        f"{ENV_PREFIX}PREDICTION_LOG_PATH": str(folder / "predictions.jsonl"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
    }
    command = [sys.executable, "-m", PACKAGE, "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: call(f"{base}/ready")[0] == 200 and loaded_workers(base) == workers,
            process,
            lambda: process.communicate()[1],
            seconds=90,
        )
        yield base
    finally:
        process.terminate()
        _, log = process.communicate(timeout=30)
    # The lifespan ran to its end in every worker: a clean shutdown.
    assert log.count("API stopping") == workers, log


@pytest.fixture
def server(api_settings: Settings, tmp_path: Path) -> Iterator[str]:
    with serving(api_settings, tmp_path) as base:
        yield base


def test_swaps_champion_under_load_without_failing_a_request(
    server: str, api_settings: Settings
) -> None:
    outcomes: list[tuple[int, int | None]] = []
    answers: list[dict[str, Any]] = []
    stop = threading.Event()

    def keep_predicting() -> None:
        while not stop.is_set():
            status, body = call(f"{server}/predict", {"instances": [EXAMPLE]})
            outcomes.append((status, body.get("model_version")))
            answers.append(body)

    workers = [threading.Thread(target=keep_predicting) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        time.sleep(0.3)
        assert train(api_settings).promoted  # version 2 becomes champion
        reload_status, reloaded = call(f"{server}/admin/reload", {})
        time.sleep(0.3)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)

    assert reload_status == 200
    assert reloaded["model_version"] == 2
    assert {status for status, _ in outcomes} == {200}
    versions = [version for _, version in outcomes]
    assert versions[0] == 1
    assert versions[-1] == 2
    assert len(outcomes) > 20
    for answer in answers:  # each in the task's documented shape, over real HTTP
        PredictResponse.model_validate(answer)


def test_two_workers_report_their_metrics_together(
    api_settings: Settings, tmp_path: Path
) -> None:
    with serving(api_settings, tmp_path, workers=2) as base:
        for _ in range(40):  # a new connection each time: the kernel spreads them
            assert call(f"{base}/predict", {"instances": [EXAMPLE]})[0] == 200
        with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
            text = response.read().decode()

    samples = [line for line in text.splitlines() if not line.startswith("#")]
    predicted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in samples
        if line.startswith("predictions_total{")
    )
    assert predicted == 40
    versions = [line for line in samples if line.startswith("model_version{")]
    assert len(versions) == 2  # one per live worker
    assert all(line.endswith(" 1.0") for line in versions), versions


def test_a_triton_client_gets_what_predict_answers(server: str) -> None:
    client = triton.InferenceServerClient(server.removeprefix("http://"))
    key = {"X-API-Key": API_KEY}
    name = Settings.model_fields["model_name"].default
    assert client.is_server_live()
    assert client.is_server_ready()
    assert client.is_model_ready(name, headers=key)
    datatypes = {
        tensor["name"]: tensor["datatype"]
        for tensor in client.get_model_metadata(name, headers=key)["inputs"]
    }
    inputs = []
    for feature in FEATURES:
        tensor = triton.InferInput(feature.name, [1], datatypes[feature.name])
        value = EXAMPLE[feature.name]
        if isinstance(feature, Categorical):
            array = np.array(["" if value is None else value], dtype=object)
        else:
            dtype = triton_to_np_dtype(datatypes[feature.name])
            array = np.array([np.nan if value is None else value], dtype=dtype)
        tensor.set_data_from_numpy(array)  # binary data, the client's default
        inputs.append(tensor)

    result = client.infer(name, inputs, headers=key)

    status, answer = call(f"{server}/predict", {"instances": [EXAMPLE]})
    assert status == 200
    expected = answer["predictions"][0]
    got = result.as_numpy("prediction").tolist()[0]
    got = got.decode() if isinstance(got, bytes) else got
    if isinstance(expected["prediction"], float):
        assert got == pytest.approx(expected["prediction"])
    else:
        assert got == expected["prediction"]
    if "probability" in expected:
        assert result.as_numpy("probability").tolist() == pytest.approx(
            [expected["probability"]]
        )
