"""GET /model describes what is served: version, backend, metrics and the contract."""

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.metrics import (
    is_better,
    metrics_for,
)
from {{ cookiecutter.package_name }}.schema import (
    FEATURE_NAMES,
    TASK,
    describe,
)


def test_model_info(client: TestClient, api_settings: Settings) -> None:
    info = client.get("/model").json()

    assert info["version"] == 1
    assert info["backend"] == "onnx"
    assert info["input_schema"] == describe()
    assert info["input_schema"]["target"]["task"] == TASK
    names = [f["name"] for f in info["input_schema"]["features"]]
    assert names == list(FEATURE_NAMES)
    # Every metric of the task; the primary one beat the baseline (or no promotion).
    metrics = info["metrics"]
    assert set(metrics_for(TASK)) <= set(metrics)
    metric = api_settings.metric
    assert is_better(metric, metrics[metric], metrics[f"baseline_{metric}"])
