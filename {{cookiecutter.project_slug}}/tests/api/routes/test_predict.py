"""POST /predict: answers in the task's shape, every kind of bad body, limits, the log
and the API key; the rows come from the contract, whatever its columns."""

import asyncio
import json
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.api.schemas import PredictResponse
from {{ cookiecutter.package_name }}.champion import PipelineScorer
from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
    load_settings,
)
from {{ cookiecutter.package_name }}.contract import EXAMPLE
from {{ cookiecutter.package_name }}.outputs import interpret
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    TASK,
)

from ..cases import body, edge_rows, features, field_cases, rows_that_fit

JSON = {"Content-Type": "application/json"}
LABELS = [str(label) for label in CLASSES]


def test_predicts_what_the_pipeline_predicts(
    client: TestClient, api_settings: Settings
) -> None:
    rows = edge_rows()

    response = client.post("/predict", json={"instances": rows})

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model_version"] == 1
    registry = Registry(api_settings)
    pipeline = PipelineScorer(registry.load(registry.require_champion()))
    expected = interpret(pipeline.from_records(rows), api_settings.decision_threshold)
    predictions = answer["predictions"]
    assert len(predictions) == len(rows)
    tolerance = api_settings.onnx_tolerance  # what training accepted for ONNX
    if TASK == "regression":
        # ONNX computes in float32: about 7 digits of the target's scale.
        scale = max(float(abs(expected.labels).max()), 1.0)
        got = [p["prediction"] for p in predictions]
        assert got == pytest.approx(expected.labels.tolist(), abs=tolerance * scale)
        return
    assert expected.probability is not None
    assert [p["prediction"] for p in predictions] == expected.labels.tolist()
    got = [p["probability"] for p in predictions]
    assert got == pytest.approx(expected.probability.tolist(), abs=tolerance)
    if TASK == "multiclass":
        assert expected.probabilities is not None
        for prediction, each in zip(
            predictions, expected.probabilities.tolist(), strict=True
        ):
            assert list(prediction["probabilities"]) == LABELS
            got = list(prediction["probabilities"].values())
            assert got == pytest.approx(each, abs=tolerance)


def test_each_prediction_has_the_shape_of_the_task(
    client: TestClient, api_settings: Settings
) -> None:
    response = client.post("/predict", json={"instances": edge_rows()})

    assert response.status_code == 200, response.text
    PredictResponse.model_validate(response.json())  # the documented schema
    for prediction in response.json()["predictions"]:
        if TASK == "regression":
            assert prediction.keys() == {"prediction"}
            assert isinstance(prediction["prediction"], float)
        elif TASK == "binary":
            # The positive class (the second) exactly when its probability reaches
            # the threshold.
            assert prediction.keys() == {"prediction", "probability"}
            positive = prediction["probability"] >= api_settings.decision_threshold
            assert prediction["prediction"] == CLASSES[int(positive)]
        else:
            # The most probable class, and its probability.
            assert prediction.keys() == {"prediction", "probability", "probabilities"}
            chances = prediction["probabilities"]
            best = max(chances, key=chances.get)
            assert str(prediction["prediction"]) == best
            assert prediction["probability"] == chances[best]
            assert sum(chances.values()) == pytest.approx(1, abs=1e-5)


@pytest.mark.skipif(TASK != "binary", reason="a decision threshold is for binary tasks")
def test_the_threshold_setting_cuts_the_positive_probability(
    client: TestClient, api_settings: Settings
) -> None:
    request = {"instances": edge_rows()}
    chances = [
        p["probability"]
        for p in client.post("/predict", json=request).json()["predictions"]
    ]
    threshold = sorted(chances)[len(chances) // 2]  # some rows on either side
    moved = api_settings.model_copy(update={"decision_threshold": threshold})

    with TestClient(create_app(moved)) as other:
        labels = [
            p["prediction"]
            for p in other.post("/predict", json=request).json()["predictions"]
        ]

    assert labels == [CLASSES[int(chance >= threshold)] for chance in chances]
    assert set(labels) == set(CLASSES)


@pytest.mark.parametrize(("content", "location", "error_type"), field_cases())
def test_a_field_breaking_the_contract_is_a_422_naming_it(
    client: TestClient, content: bytes, location: list[str | int], error_type: str
) -> None:
    response = client.post("/predict", content=content, headers=JSON)

    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert [location, error_type] in [[e["loc"], e["type"]] for e in errors], errors


@pytest.mark.parametrize(
    "name",
    [f.name for f in features("any", nullable=True)]
    or [pytest.param("", marks=pytest.mark.skip(reason="no feature is nullable"))],
)
def test_null_is_accepted_where_the_contract_allows_it(
    client: TestClient, name: str
) -> None:
    response = client.post(
        "/predict", content=body(field=name, raw="null"), headers=JSON
    )

    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    "content",
    [b"{not json", b'{"instances": []}', b"[]", b'{"instances": [null]}'],
    ids=["json", "empty", "shape", "null-row"],
)
def test_malformed_body_is_422(client: TestClient, content: bytes) -> None:
    response = client.post("/predict", content=content, headers=JSON)

    assert response.status_code == 422


def test_batch_and_body_caps(api_settings: Settings) -> None:
    # A body limit that holds 3 rows of this contract, whatever their width.
    limit = len(body(rows=3)) + 100
    capped = api_settings.model_copy(
        update={"api_max_batch": 2, "api_max_body_bytes": limit}
    )
    with TestClient(create_app(capped)) as client:
        at_cap = client.post("/predict", content=body(rows=2), headers=JSON)
        too_many = client.post("/predict", content=body(rows=3), headers=JSON)
        too_big = client.post(
            "/predict", json={"instances": [EXAMPLE], "pad": "x" * limit}
        )

    assert at_cap.status_code == 200, at_cap.text
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["body", "instances"]
    assert too_big.status_code == 413


def test_a_full_batch_fits_the_default_body_limit(
    client: TestClient, api_settings: Settings
) -> None:
    """The largest batch the body limit lets through is scored whole."""
    rows = min(
        api_settings.api_max_batch, rows_that_fit(api_settings.api_max_body_bytes)
    )

    response = client.post("/predict", content=body(rows=rows), headers=JSON)

    assert rows >= 1
    assert response.status_code == 200, response.text
    assert len(response.json()["predictions"]) == rows


def test_api_key_guards_predict_and_model_only(api_settings: Settings) -> None:
    keyed = api_settings.model_copy(update={"api_key": SecretStr("k3y")})
    request = {"instances": [EXAMPLE]}
    with TestClient(create_app(keyed)) as client:
        missing = client.post("/predict", json=request)
        wrong = client.post("/predict", json=request, headers={"X-API-Key": "nope"})
        right = client.post("/predict", json=request, headers={"X-API-Key": "k3y"})
        model = client.get("/model")
        open_probes = [client.get("/health"), client.get("/ready")]

    assert (missing.status_code, wrong.status_code, right.status_code) == (
        401,
        401,
        200,
    )
    assert model.status_code == 401
    assert [r.status_code for r in open_probes] == [200, 200]


def test_each_request_is_logged_as_one_json_line(
    api_settings: Settings, tmp_path: Path
) -> None:
    rows = edge_rows()
    with TestClient(create_app(api_settings)) as client:
        answers = [
            client.post("/predict", json={"instances": rows}).json(),
            client.post("/predict", json={"instances": [EXAMPLE]}).json(),
        ]

    lines = (tmp_path / "logs" / "predictions.jsonl").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["rows"] for e in entries] == [len(rows), 1]
    assert entries[0]["model_version"] == 1
    assert entries[0]["inputs"][0] == rows[0]
    for entry, answer in zip(entries, answers, strict=True):
        predictions = answer["predictions"]
        # What the caller was told: labels (or values), and for a classifier the
        # probability each answer gave (of the positive or of the predicted class).
        if TASK == "regression":
            assert entry["predictions"] == pytest.approx(
                [p["prediction"] for p in predictions]
            )
            assert "probabilities" not in entry
        else:
            assert entry["predictions"] == [p["prediction"] for p in predictions]
            assert entry["probabilities"] == pytest.approx(
                [p["probability"] for p in predictions], abs=1e-6
            )


@pytest.mark.parametrize("word", ["off", "None"])
def test_the_prediction_log_turns_off_with_a_word(
    api_settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    word: str,
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}PREDICTION_LOG_PATH", word)
    path = load_settings().prediction_log_path
    settings = api_settings.model_copy(update={"prediction_log_path": path})

    with TestClient(create_app(settings)) as client:
        response = client.post("/predict", json={"instances": [EXAMPLE]})

    assert (path, response.status_code) == (None, 200)
    assert not list(tmp_path.rglob("*.jsonl"))


def test_openapi_request_example_is_accepted_as_is(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schema = document["components"]["schemas"]["PredictRequest"]

    response = client.post("/predict", json=schema["examples"][0])

    assert response.status_code == 200, response.text
    assert "requestBody" in document["paths"]["/predict"]["post"]


def test_openapi_documents_the_answer_of_the_task(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    answer = document["paths"]["/predict"]["post"]["responses"]["200"]
    [example] = schemas["PredictResponse"]["examples"]

    assert answer["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PredictResponse"
    }
    PredictResponse.model_validate(example)
    fields = schemas["Prediction"]["properties"]
    expected = {
        "binary": {"prediction", "probability"},
        "multiclass": {"prediction", "probability", "probabilities"},
        "regression": {"prediction"},
    }[TASK]
    assert set(fields) == set(schemas["Prediction"]["required"]) == expected
    if TASK == "regression":
        assert fields["prediction"]["type"] == "number"
    else:
        assert fields["prediction"]["enum"] == list(CLASSES)
        assert (fields["probability"]["minimum"], fields["probability"]["maximum"]) == (
            0,
            1,
        )
    if TASK == "multiclass":
        chances = fields["probabilities"]
        assert list(chances["properties"]) == chances["required"] == LABELS
        assert chances["additionalProperties"] is False


def test_client_that_hangs_up_is_a_499_not_a_server_error(
    api_settings: Settings,
) -> None:
    app = create_app(api_settings)
    app.state.models.reload()
    sent: list[MutableMapping[str, Any]] = []
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/predict",
        "raw_path": b"/predict",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json")],
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "root_path": "",
        "http_version": "1.1",
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))

    assert sent[0]["status"] == 499
    with TestClient(app) as client:
        metrics = client.get("/metrics").text
    assert 'route="/predict",status="499"' in metrics
    assert 'status="500"' not in metrics
