"""GET /metrics reports requests, predictions and the model version."""

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.contract import EXAMPLE


def test_metrics_count_requests_and_predictions(client: TestClient) -> None:
    client.post("/predict", json={"instances": [EXAMPLE] * 4})
    client.post("/predict", json={"instances": [{"bad": 1}]})

    text = client.get("/metrics").text

    assert (
        'http_request_duration_seconds_count{method="POST",route="/predict",status="200"} 1.0'
        in text
    )
    assert (
        'http_request_duration_seconds_count{method="POST",route="/predict",status="422"} 1.0'
        in text
    )
    predicted = [
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('predictions_total{model_version="1"')
    ]
    assert sum(predicted) == 4
    assert "prediction_probability_count 4.0" in text
    assert "model_version 1.0" in text
