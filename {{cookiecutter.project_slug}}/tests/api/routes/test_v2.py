"""The Open Inference Protocol (KServe V2): bodies made and read by Triton's own HTTP
client, in JSON and in binary tensor data, answer what /predict answers; every bad body
is a 400 in the protocol's error form."""

import json
import math
from typing import Any

import numpy as np
import pytest
import tritonclient.http as triton
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from tritonclient.utils import triton_to_np_dtype

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.columns import (
    Categorical,
    Numeric,
)
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import (
    EXAMPLE,
    FEATURES,
)
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    FEATURE_NAMES,
    TASK,
)

from ..cases import (
    above,
    edge_rows,
    features,
    unknown_category,
)

NAME = Settings.model_fields["model_name"].default
INFER = f"/v2/models/{NAME}/infer"
OUTPUTS = ["prediction"] + (
    []
    if TASK == "regression"
    else ["probability"] + (["probabilities"] if TASK == "multiclass" else [])
)


def metadata(client: TestClient) -> dict[str, Any]:
    response = client.get(f"/v2/models/{NAME}")
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def tensors(
    rows: list[dict[str, Any]], datatypes: dict[str, str], binary: bool
) -> list[triton.InferInput]:
    """One Triton input per column, of the advertised type; missing values as the
    protocol's binary data has them (NaN, an empty text)."""
    inputs = []
    for feature in FEATURES:
        datatype = datatypes[feature.name]
        values = [row[feature.name] for row in rows]
        if isinstance(feature, Categorical):
            array = np.array(["" if v is None else v for v in values], dtype=object)
        else:
            array = np.array(
                [math.nan if v is None else v for v in values],
                dtype=triton_to_np_dtype(datatype),
            )
        tensor = triton.InferInput(feature.name, [len(rows)], datatype)
        tensor.set_data_from_numpy(array, binary_data=binary)
        inputs.append(tensor)
    return inputs


def infer(
    client: TestClient,
    rows: list[dict[str, Any]],
    binary: bool,
    path: str = INFER,
) -> triton.InferResult:
    """POST rows as tritonclient.http writes them; read the answer as it does."""
    datatypes = {t["name"]: t["datatype"] for t in metadata(client)["inputs"]}
    outputs = (
        None
        if binary
        else [triton.InferRequestedOutput(n, binary_data=False) for n in OUTPUTS]
    )
    body, header_length = triton.InferenceServerClient.generate_request_body(
        tensors(rows, datatypes, binary), outputs=outputs, request_id="r-1"
    )
    headers = {
        "Content-Type": "application/octet-stream" if binary else "application/json"
    }
    if header_length is not None:
        headers["Inference-Header-Content-Length"] = str(header_length)
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 200, response.text
    length = response.headers.get("Inference-Header-Content-Length")
    return triton.InferenceServerClient.parse_response_body(
        response.content, header_length=None if length is None else int(length)
    )


def v2_body(rows: list[dict[str, Any]], **changes: Any) -> dict[str, Any]:
    """A JSON inference request written by hand, each column as FP64 or BYTES."""
    inputs = [
        {
            "name": feature.name,
            "shape": [len(rows)],
            "datatype": "BYTES" if isinstance(feature, Categorical) else "FP64",
            "data": [row[feature.name] for row in rows],
        }
        for feature in FEATURES
    ]
    return {"inputs": inputs, **changes}


def assert_protocol_error(response: Any, status: int, *words: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert isinstance(error, str)
    for word in words:
        assert word in error, error
    return error


@pytest.mark.parametrize("binary", [True, False], ids=["binary-data", "json-data"])
def test_a_triton_request_gets_what_predict_answers(
    client: TestClient, binary: bool
) -> None:
    rows = edge_rows()

    result = infer(client, rows, binary)

    expected = client.post("/predict", json={"instances": rows}).json()["predictions"]
    answer = result.get_response()
    assert answer["id"] == "r-1"
    assert answer["model_name"] == NAME
    assert answer["model_version"] == "1"
    assert [o["name"] for o in answer["outputs"]] == OUTPUTS
    prediction = result.as_numpy("prediction")
    assert prediction.shape == (len(rows),)
    if TASK == "regression":
        assert prediction.tolist() == pytest.approx([p["prediction"] for p in expected])
        return
    labels = [
        label.decode() if isinstance(label, bytes) else label
        for label in prediction.tolist()
    ]
    assert labels == [p["prediction"] for p in expected]
    probability = result.as_numpy("probability")
    assert probability.tolist() == pytest.approx([p["probability"] for p in expected])
    if TASK == "multiclass":
        probabilities = result.as_numpy("probabilities")
        assert probabilities.shape == (len(rows), len(CLASSES))
        np.testing.assert_allclose(
            probabilities,
            [[p["probabilities"][str(c)] for c in CLASSES] for p in expected],
            rtol=1e-6,
        )


def test_columns_as_n_by_1_and_any_number_type_are_taken(client: TestClient) -> None:
    rows = edge_rows()[:2]
    body = v2_body(rows)
    for tensor in body["inputs"]:
        tensor["shape"] = [len(rows), 1]
        tensor["data"] = [[value] for value in tensor["data"]]
        if tensor["datatype"] == "FP64":
            tensor["datatype"] = "FP32"

    response = client.post(INFER, json=body)

    assert response.status_code == 200, response.text
    expected = client.post("/predict", json={"instances": rows}).json()["predictions"]
    got = response.json()["outputs"][0]["data"]
    assert got == pytest.approx([p["prediction"] for p in expected])


def test_metadata_has_a_tensor_per_column_and_the_task_outputs(
    client: TestClient,
) -> None:
    answer = metadata(client)

    assert answer["name"] == NAME
    assert answer["versions"] == ["1"]
    assert answer["platform"] == "onnxruntime_onnx"
    assert [t["name"] for t in answer["inputs"]] == list(FEATURE_NAMES)
    for tensor, feature in zip(answer["inputs"], FEATURES, strict=True):
        numbers = {"FP64", "INT64"}
        assert tensor["datatype"] in (
            {"BYTES"} if isinstance(feature, Categorical) else numbers
        )
        assert tensor["shape"] == [-1]
    assert [t["name"] for t in answer["outputs"]] == OUTPUTS
    assert client.get(f"/v2/models/{NAME}/versions/1").json() == answer


def test_health_and_server_metadata(client: TestClient) -> None:
    assert client.get("/v2/health/live").json() == {"live": True}
    assert client.get("/v2/health/ready").json() == {"ready": True}
    assert client.get(f"/v2/models/{NAME}/ready").json() == {
        "name": NAME,
        "ready": True,
    }
    assert client.get(f"/v2/models/{NAME}/versions/1/ready").status_code == 200
    server = client.get("/v2").json()
    assert "binary_tensor_data" in server["extensions"]


def test_without_a_champion_live_but_not_ready(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        assert client.get("/v2/health/live").status_code == 200
        assert_protocol_error(client.get("/v2/health/ready"), 503, "no model loaded")
        assert_protocol_error(client.post(INFER, json=v2_body([EXAMPLE])), 503, "train")


def test_another_model_or_version_is_a_404(client: TestClient) -> None:
    assert_protocol_error(client.get("/v2/models/other"), 404, "'other'", NAME)
    assert_protocol_error(
        client.get(f"/v2/models/{NAME}/versions/2/ready"), 404, "version 1"
    )
    assert_protocol_error(
        client.post("/v2/models/other/infer", json=v2_body([EXAMPLE])), 404
    )
    assert_protocol_error(client.get("/v2/nothing/here"), 404)
    versioned = client.post(
        f"/v2/models/{NAME}/versions/1/infer", json=v2_body([EXAMPLE])
    )
    assert versioned.status_code == 200, versioned.text


def test_the_api_key_guards_models_not_health(api_settings: Settings) -> None:
    guarded = api_settings.model_copy(update={"api_key": SecretStr("k3y")})
    with TestClient(create_app(guarded)) as client:
        assert_protocol_error(
            client.post(INFER, json=v2_body([EXAMPLE])), 401, "X-API-Key"
        )
        assert_protocol_error(client.get(f"/v2/models/{NAME}"), 401)
        assert client.get("/v2/health/ready").status_code == 200
        keyed = client.post(
            INFER, json=v2_body([EXAMPLE]), headers={"X-API-Key": "k3y"}
        )
        assert keyed.status_code == 200, keyed.text


def contract_cases() -> list[Any]:
    """Bodies whose one value breaks the contract, and the input they must name."""
    cases = []
    for feature in features("numeric")[:1]:
        assert isinstance(feature, Numeric)
        cases.append(pytest.param(feature.name, above(feature), id="above-maximum"))
        cases.append(
            pytest.param(
                feature.name, str(EXAMPLE[feature.name]), id="string-for-number"
            )
        )
        cases.append(pytest.param(feature.name, True, id="boolean-for-number"))
    for feature in features("numeric", nullable=False)[:1]:
        cases.append(pytest.param(feature.name, None, id="null-where-not-nullable"))
    for feature in features("categorical")[:1]:
        assert isinstance(feature, Categorical)
        cases.append(
            pytest.param(feature.name, unknown_category(feature), id="unknown-category")
        )
        cases.append(pytest.param(feature.name, 1, id="number-for-category"))
    return cases


@pytest.mark.parametrize(("column", "value"), contract_cases())
def test_a_value_breaking_the_contract_is_a_400_naming_the_input(
    client: TestClient, column: str, value: Any
) -> None:
    body = v2_body([EXAMPLE, {**EXAMPLE, column: value}])

    error = assert_protocol_error(
        client.post(INFER, json=body), 400, f"input {column!r} element 1"
    )

    assert json.dumps(value) in error or repr(value) in error or str(value) in error


def hostile_bodies() -> list[Any]:
    good = v2_body([EXAMPLE])
    first = dict(good["inputs"][0])
    others = good["inputs"][1:]
    numeric = next(t for t in good["inputs"] if t["datatype"] == "FP64")
    return [
        pytest.param(b"not json", {}, id="not-json"),
        pytest.param(b"\xff\xfe\x00", {}, id="bad-utf8"),
        pytest.param(b"[]", {}, id="a-list"),
        pytest.param(b"{}", {}, id="no-inputs"),
        pytest.param(json.dumps({"inputs": "x"}).encode(), {}, id="inputs-not-a-list"),
        pytest.param(
            json.dumps({"inputs": others}).encode(), {}, id="a-column-missing"
        ),
        pytest.param(
            json.dumps({"inputs": [*good["inputs"], {**first, "name": "x"}]}).encode(),
            {},
            id="an-unknown-column",
        ),
        pytest.param(
            json.dumps({"inputs": [first, *good["inputs"]]}).encode(),
            {},
            id="a-column-twice",
        ),
        pytest.param(
            json.dumps({"inputs": [{**first, "shape": [2]}, *others]}).encode(),
            {},
            id="shape-not-data",
        ),
        pytest.param(
            json.dumps({"inputs": [{**first, "shape": [1, 2]}, *others]}).encode(),
            {},
            id="shape-not-a-column",
        ),
        pytest.param(
            json.dumps(
                {"inputs": [{**first, "shape": [0], "data": []}, *others]}
            ).encode(),
            {},
            id="no-rows",
        ),
        pytest.param(
            json.dumps({"inputs": [{**first, "shape": [-1]}, *others]}).encode(),
            {},
            id="negative-shape",
        ),
        pytest.param(
            json.dumps({"inputs": [{**first, "data": None}, *others]}).encode(),
            {},
            id="no-data",
        ),
        pytest.param(
            json.dumps(
                {
                    **good,
                    "inputs": [
                        (
                            {**numeric, "datatype": "BOOL", "data": [True]}
                            if t is numeric
                            else t
                        )
                        for t in good["inputs"]
                    ],
                }
            ).encode(),
            {},
            id="bool-datatype",
        ),
        pytest.param(
            json.dumps(
                {
                    **good,
                    "inputs": [
                        {**numeric, "datatype": "BYTES"} if t is numeric else t
                        for t in good["inputs"]
                    ],
                }
            ).encode(),
            {},
            id="bytes-for-number",
        ),
        pytest.param(json.dumps({**good, "id": 7}).encode(), {}, id="id-not-text"),
        pytest.param(
            json.dumps({**good, "outputs": [{"name": "nope"}]}).encode(),
            {},
            id="unknown-output",
        ),
        pytest.param(
            # Not NaN: where the contract lets a number be missing, NaN is missing.
            json.dumps(good)
            .replace(json.dumps(numeric["data"]), "[Infinity]", 1)
            .encode(),
            {},
            id="infinity",
        ),
        pytest.param(
            json.dumps(good)
            .replace(json.dumps(numeric["data"]), "[1e999]", 1)
            .encode(),
            {},
            id="infinity",
        ),
        pytest.param(
            json.dumps(
                {"inputs": [{**first, "data": [[[[[[[[[[1]]]]]]]]]]}, *others]}
            ).encode(),
            {},
            id="nested-too-deep",
        ),
        pytest.param(b'{"inputs":' * 5000, {}, id="deep-json"),
        pytest.param(
            json.dumps(good).encode(),
            {"Inference-Header-Content-Length": "-3"},
            id="header-length-negative",
        ),
        pytest.param(
            json.dumps(good).encode(),
            {"Inference-Header-Content-Length": "999999"},
            id="header-length-past-end",
        ),
        pytest.param(
            json.dumps(good).encode() + b"\x00" * 8,
            {"Inference-Header-Content-Length": str(len(json.dumps(good)))},
            id="binary-data-nobody-claims",
        ),
        pytest.param(
            json.dumps(
                {
                    "inputs": [
                        (
                            {
                                **numeric,
                                "data": None,
                                "parameters": {"binary_data_size": 64},
                            }
                            if t is numeric
                            else t
                        )
                        for t in good["inputs"]
                    ]
                }
            ).encode(),
            {},
            id="binary-size-past-end",
        ),
    ]


@pytest.mark.parametrize(("content", "headers"), hostile_bodies())
def test_a_hostile_body_is_a_400_in_the_protocols_form(
    client: TestClient, content: bytes, headers: dict[str, str]
) -> None:
    response = client.post(INFER, content=content, headers=headers)

    error = assert_protocol_error(response, 400)
    assert len(error) < 3000


def test_binary_text_that_is_not_utf8_is_a_400(client: TestClient) -> None:
    categorical = features("categorical")
    if not categorical:
        pytest.skip("the contract has no categorical feature")
    header = v2_body([EXAMPLE])
    chunk = len(b"\xff\xfe").to_bytes(4, "little") + b"\xff\xfe"
    for tensor in header["inputs"]:
        if tensor["name"] == categorical[0].name:
            tensor.pop("data")
            tensor["parameters"] = {"binary_data_size": len(chunk)}
    text = json.dumps(header).encode()

    response = client.post(
        INFER,
        content=text + chunk,
        headers={"Inference-Header-Content-Length": str(len(text))},
    )

    assert_protocol_error(response, 400, "not UTF-8", categorical[0].name)


@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_any_body_gets_a_4xx_never_a_server_error(
    client: TestClient, content: bytes
) -> None:
    response = client.post(INFER, content=content)

    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()


def test_a_body_over_the_limit_is_a_413(api_settings: Settings) -> None:
    small = api_settings.model_copy(update={"api_max_body_bytes": 2_000})
    with TestClient(create_app(small)) as client:
        response = client.post(INFER, json=v2_body([EXAMPLE] * 50))

    # Refused by the body limit before any route reads it, as on /predict.
    assert response.status_code == 413


def test_v2_requests_are_counted_and_logged(api_settings: Settings) -> None:
    rows = edge_rows()
    with TestClient(create_app(api_settings)) as client:
        assert client.post(INFER, json=v2_body(rows)).status_code == 200
        metrics = client.get("/metrics").text

    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("predictions_total{")
    )
    assert counted == len(rows)
    assert 'route="/v2/models/{name}/infer"' in metrics
    assert api_settings.prediction_log_path is not None
    lines = api_settings.prediction_log_path.read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [entry["rows"] for entry in entries] == [len(rows)]
    assert entries[0]["inputs"][0] == rows[0]
