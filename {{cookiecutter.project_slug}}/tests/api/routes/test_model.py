"""GET /model describes what is served."""

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.contract import FEATURE_NAMES


def test_model_info(client: TestClient) -> None:
    info = client.get("/model").json()

    assert info["version"] == 1
    assert info["backend"] == "onnx"
    assert 0.5 < info["metrics"]["roc_auc"] <= 1
    assert [f["name"] for f in info["input_schema"]["features"]] == list(FEATURE_NAMES)
