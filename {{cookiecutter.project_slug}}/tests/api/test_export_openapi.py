"""`export-openapi` writes what a consumer builds against: the OpenAPI document and the
/predict JSON Schemas, in the shape of the contract's task."""

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.api.schemas import PredictResponse
from {{ cookiecutter.package_name }}.cli import app

NAMES = ("openapi.json", "predict-request.schema.json", "predict-response.schema.json")


def test_export_writes_the_documents_the_app_serves(
    tmp_path: Path, client: TestClient
) -> None:
    out = tmp_path / "api"

    result = CliRunner().invoke(app, ["export-openapi", "--out", str(out)])

    assert result.exit_code == 0, result.output
    written = {name: json.loads((out / name).read_text("utf-8")) for name in NAMES}
    served = client.get("/openapi.json").json()
    # The same operations and schemas as the running app (its settings differ only in
    # where the model comes from).
    assert written["openapi.json"]["paths"].keys() == served["paths"].keys()
    assert written["openapi.json"]["components"] == served["components"]
    [request] = written["predict-request.schema.json"]["examples"]
    assert client.post("/predict", json=request).status_code == 200
    [answer] = written["predict-response.schema.json"]["examples"]
    PredictResponse.model_validate(answer)
