"""GET /metrics reports requests, predictions by label, their probabilities (or
values) and the model version."""

from collections import Counter

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.schema import TASK

from ..cases import edge_rows

HISTOGRAM = "prediction_value" if TASK == "regression" else "prediction_probability"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the exposition, by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_metrics_count_requests_and_predictions(client: TestClient) -> None:
    rows = edge_rows()
    answer = client.post("/predict", json={"instances": rows}).json()
    client.post("/predict", json={"instances": [{"bad": 1}]})

    found = samples(client.get("/metrics").text)

    def requests(status: str) -> float:
        labels = (("method", "POST"), ("route", "/predict"), ("status", status))
        return found[("http_request_duration_seconds_count", labels)]

    assert (requests("200"), requests("422")) == (1.0, 1.0)
    predicted = {
        dict(labels)["prediction"]: value
        for (name, labels), value in found.items()
        if name == "predictions_total" and dict(labels)["model_version"] == "1"
    }
    if TASK == "regression":
        expected = {"value": float(len(rows))}
        observed = [p["prediction"] for p in answer["predictions"]]
    else:  # by label, as text
        counts = Counter(str(p["prediction"]) for p in answer["predictions"])
        expected = {label: float(count) for label, count in counts.items()}
        observed = [p["probability"] for p in answer["predictions"]]
    assert predicted == expected
    assert found[(f"{HISTOGRAM}_count", ())] == len(rows)
    assert abs(found[(f"{HISTOGRAM}_sum", ())] - sum(observed)) <= 1e-6 * max(
        1.0, abs(sum(observed))
    )
    assert found[("model_version", ())] == 1.0
