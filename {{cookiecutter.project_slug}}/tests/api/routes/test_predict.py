"""POST /predict: answers, every kind of bad body, limits and the API key."""

import asyncio
import json
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
    load_settings,
)
from {{ cookiecutter.package_name }}.contract import EXAMPLE, FEATURE_NAMES
from {{ cookiecutter.package_name }}.registry import Registry


def test_predicts_what_the_pipeline_predicts(
    client: TestClient, api_settings: Settings
) -> None:
    rows = [EXAMPLE, {**EXAMPLE, "contract": "two-year", "total_charges": None}]

    response = client.post("/predict", json={"instances": rows})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == 1
    registry = Registry(api_settings)
    pipeline = registry.load(registry.require_champion())
    expected = pipeline.predict_proba(pd.DataFrame(rows, columns=list(FEATURE_NAMES)))[
        :, 1
    ]
    for prediction, probability in zip(body["predictions"], expected, strict=True):
        assert prediction["probability"] == pytest.approx(probability, abs=1e-5)
        assert prediction["prediction"] == int(probability >= 0.5)


@pytest.mark.parametrize(
    ("instance", "field"),
    [
        ({**EXAMPLE, "tenure_months": "ten"}, "tenure_months"),
        ({**EXAMPLE, "monthly_charges": -1}, "monthly_charges"),
        ({**EXAMPLE, "contract": "weekly"}, "contract"),
        ({**EXAMPLE, "favourite_colour": "red"}, "favourite_colour"),
        ({k: v for k, v in EXAMPLE.items() if k != "support_calls"}, "support_calls"),
        ({**EXAMPLE, "monthly_charges": None}, "monthly_charges"),
    ],
    ids=["type", "range", "category", "unknown-column", "missing", "null"],
)
def test_bad_instance_is_422_naming_the_field(
    client: TestClient, instance: dict[str, Any], field: str
) -> None:
    response = client.post("/predict", json={"instances": [instance]})

    assert response.status_code == 422
    locations = [error["loc"] for error in response.json()["detail"]]
    assert ["body", "instances", 0, field] in locations


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"instances": []}', b"[]"], ids=["json", "empty", "shape"]
)
def test_malformed_body_is_422(client: TestClient, body: bytes) -> None:
    response = client.post("/predict", content=body)

    assert response.status_code == 422


def test_batch_and_body_caps(api_settings: Settings) -> None:
    capped = api_settings.model_copy(
        update={"api_max_batch": 2, "api_max_body_bytes": 2_000}
    )
    with TestClient(create_app(capped)) as client:
        too_many = client.post("/predict", json={"instances": [EXAMPLE] * 3})
        too_big = client.post(
            "/predict", json={"instances": [EXAMPLE], "pad": "x" * 5_000}
        )

    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["body", "instances"]
    assert too_big.status_code == 413


def test_api_key_guards_predict_and_model_only(api_settings: Settings) -> None:
    keyed = api_settings.model_copy(update={"api_key": SecretStr("k3y")})
    body = {"instances": [EXAMPLE]}
    with TestClient(create_app(keyed)) as client:
        missing = client.post("/predict", json=body)
        wrong = client.post("/predict", json=body, headers={"X-API-Key": "nope"})
        right = client.post("/predict", json=body, headers={"X-API-Key": "k3y"})
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
    with TestClient(create_app(api_settings)) as client:
        client.post("/predict", json={"instances": [EXAMPLE] * 3})
        client.post("/predict", json={"instances": [EXAMPLE]})

    lines = (tmp_path / "logs" / "predictions.jsonl").read_text("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [e["rows"] for e in entries] == [3, 1]
    assert entries[0]["model_version"] == 1
    assert entries[0]["inputs"][0] == EXAMPLE
    assert len(entries[0]["probabilities"]) == 3


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


def test_openapi_example_is_accepted_as_is(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schema = document["components"]["schemas"]["PredictRequest"]

    response = client.post("/predict", json=schema["examples"][0])

    assert response.status_code == 200
    assert "requestBody" in document["paths"]["/predict"]["post"]


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
