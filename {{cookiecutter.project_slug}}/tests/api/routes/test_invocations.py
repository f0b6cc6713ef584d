"""POST /invocations: every input form of MLflow's scoring protocol answers what the
registered model's predict answers, as `mlflow models serve` does (checked against it
in the last test); bad bodies get MLflow's error form."""

import csv
import io
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import EXAMPLE
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.schema import (
    FEATURE_NAMES,
    TASK,
)

from ...processes import free_port, wait_until
from ..cases import (
    above,
    edge_rows,
    features,
)

JSON = {"Content-Type": "application/json"}
CSV = {"Content-Type": "text/csv"}


def csv_text(rows: list[dict[str, Any]]) -> str:
    """Rows as pandas writes them (DataFrame.to_csv): missing values empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FEATURE_NAMES)
    for row in rows:
        writer.writerow(["" if row[n] is None else row[n] for n in FEATURE_NAMES])
    return buffer.getvalue()


def bodies(rows: list[dict[str, Any]]) -> dict[str, tuple[bytes, dict[str, str]]]:
    """The same rows in each of the protocol's forms."""
    names = list(FEATURE_NAMES)
    split = {"columns": names, "data": [[row[n] for n in names] for row in rows]}
    columns = {n: [row[n] for row in rows] for n in names}
    forms: dict[str, Any] = {
        "dataframe_split": {"dataframe_split": split},
        "dataframe_split-with-index": {
            "dataframe_split": {**split, "index": list(range(len(rows)))}
        },
        "dataframe_records": {"dataframe_records": rows},
        "instances": {"instances": rows},
        "inputs-columns": {"inputs": columns},
        "inputs-rows": {"inputs": rows, "params": {}},
    }
    answer = {name: (json.dumps(body).encode(), JSON) for name, body in forms.items()}
    answer["csv"] = (csv_text(rows).encode(), CSV)
    return answer


def expected(settings: Settings, rows: list[dict[str, Any]]) -> list[Any]:
    """What the registered model's own predict gives, as MLflow serves it."""
    registry = Registry(settings)
    pipeline = registry.load(registry.require_champion())
    frame = pd.DataFrame.from_records(rows, columns=list(FEATURE_NAMES))
    predictions: list[Any] = np.asarray(pipeline.predict(frame)).tolist()
    return predictions


def assert_same(got: list[Any], want: list[Any]) -> None:
    if TASK == "regression":  # served by ONNX, in float32
        scale = max(max(abs(v) for v in want), 1.0)
        assert got == pytest.approx(want, abs=1e-4 * scale)
    else:
        assert got == want


@pytest.mark.parametrize("form", list(bodies([EXAMPLE])))
def test_each_form_answers_what_the_models_predict_answers(
    client: TestClient, api_settings: Settings, form: str
) -> None:
    rows = edge_rows()
    content, headers = bodies(rows)[form]

    response = client.post("/invocations", content=content, headers=headers)

    assert response.status_code == 200, response.text
    assert list(response.json()) == ["predictions"]
    assert_same(response.json()["predictions"], expected(api_settings, rows))


def assert_mlflow_error(response: Any, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    answer = response.json()
    assert set(answer) == {"error_code", "message"}
    for word in words:
        assert word in answer["message"], answer["message"]


def test_a_row_breaking_the_contract_is_a_400_naming_it(client: TestClient) -> None:
    feature = features("numeric")[0]
    rows = [EXAMPLE, {**EXAMPLE, feature.name: above(feature)}]  # type: ignore[arg-type]

    for content, headers in bodies(rows).values():
        response = client.post("/invocations", content=content, headers=headers)

        assert_mlflow_error(response, 400, f"row 1, column {feature.name!r}")
        assert response.json()["error_code"] == "BAD_REQUEST"


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        pytest.param(b"{}", JSON, 400, id="no-form"),
        pytest.param(b"[]", JSON, 400, id="a-list"),
        pytest.param(b"not json", JSON, 400, id="not-json"),
        pytest.param(b"\xff\xfe", JSON, 400, id="bad-utf8"),
        pytest.param(
            json.dumps(
                {"dataframe_records": [EXAMPLE], "instances": [EXAMPLE]}
            ).encode(),
            JSON,
            400,
            id="two-forms",
        ),
        pytest.param(b'{"dataframe_records": []}', JSON, 400, id="no-rows"),
        pytest.param(b'{"dataframe_records": 5}', JSON, 400, id="not-rows"),
        pytest.param(
            b'{"dataframe_records": [5]}', JSON, 400, id="a-row-not-an-object"
        ),
        pytest.param(
            b'{"dataframe_split": {"data": [[1]]}}', JSON, 400, id="no-columns"
        ),
        pytest.param(
            json.dumps(
                {"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}
            ).encode(),
            JSON,
            400,
            id="row-longer-than-columns",
        ),
        pytest.param(
            b'{"inputs": {"a": [1], "b": [1, 2]}}', JSON, 400, id="ragged-columns"
        ),
        pytest.param(
            json.dumps({"instances": [{**EXAMPLE, "extra": 1}]}).encode(),
            JSON,
            400,
            id="unknown-column",
        ),
        pytest.param(b"", CSV, 400, id="empty-csv"),
        pytest.param(b"a,b\n1\n", CSV, 400, id="ragged-csv"),
        pytest.param(b"\xff\n", CSV, 400, id="csv-not-utf8"),
        pytest.param(b"\r0", CSV, 400, id="csv-lone-carriage-return"),
        pytest.param(b"a\n" + b"x" * 200_000, CSV, 400, id="csv-field-too-long"),
        pytest.param(b"x", {"Content-Type": "text/plain"}, 415, id="plain-text"),
        pytest.param(b"x", {}, 415, id="no-content-type"),
        pytest.param(
            b"{}",
            {"Content-Type": "application/json; charset=latin-1"},
            415,
            id="latin-1",
        ),
    ],
)
def test_a_bad_body_gets_mlflows_error_form(
    client: TestClient, content: bytes, headers: dict[str, str], status: int
) -> None:
    response = client.post("/invocations", content=content, headers=headers)

    assert_mlflow_error(response, status)


def test_the_batch_cap_and_the_api_key_apply(api_settings: Settings) -> None:
    guarded = api_settings.model_copy(
        update={"api_key": SecretStr("k3y"), "api_max_batch": 2}
    )
    body = json.dumps({"dataframe_records": [EXAMPLE] * 3}).encode()
    with TestClient(create_app(guarded)) as client:
        unkeyed = client.post("/invocations", content=body, headers=JSON)
        over = client.post(
            "/invocations", content=body, headers={**JSON, "X-API-Key": "k3y"}
        )

    assert_mlflow_error(unkeyed, 401, "X-API-Key")
    assert unkeyed.json()["error_code"] == "UNAUTHENTICATED"
    assert_mlflow_error(over, 400, "1 to 2")


def post(url: str, content: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=content, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.tracking_server
def test_answers_what_mlflow_models_serve_answers(
    client: TestClient, api_settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "mlflow",
        "models",
        "serve",
        "--env-manager",
        "local",
    ]
    command += ["-m", f"models:/{api_settings.model_name}@champion"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "MLFLOW_TRACKING_URI": api_settings.mlflow_tracking_uri}
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, cwd=tmp_path
        )

    def pinged() -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1):
            return True

    try:
        wait_until(pinged, server, log.read_text, seconds=120)
        # MLflow's schema has no missing value for an integer column (it says so when
        # the model is logged): those rows are left out of the comparison.
        integers = {f.name for f in features("integer")}
        rows = [r for r in edge_rows() if all(r[n] is not None for n in integers)]
        for form, (content, headers) in bodies(rows).items():
            status, theirs = post(
                f"http://127.0.0.1:{port}/invocations", content, headers
            )
            ours = client.post("/invocations", content=content, headers=headers)

            assert status == 200, (form, theirs)
            assert ours.status_code == 200, (form, ours.text)
            assert list(ours.json()) == list(theirs), form
            assert_same(ours.json()["predictions"], theirs["predictions"])
    finally:
        server.terminate()
        server.wait(timeout=30)
