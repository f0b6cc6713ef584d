"""GET /metrics reports requests, predictions by label, their probabilities (or
values), batch sizes, the model version and age, and the rows per drift bin."""

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.drift_bins import REFERENCE_STATISTICS
from {{ cookiecutter.package_name }}.monitoring import (
    drift,
    population_stability,
)
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.schema import FEATURE_NAMES, TASK

from ..cases import edge_rows

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]

HISTOGRAM = "prediction_value" if TASK == "regression" else "prediction_probability"


def samples(text: str) -> Samples:
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
    assert found[("prediction_batch_rows_count", ())] == 1.0
    assert found[("prediction_batch_rows_sum", ())] == len(rows)
    trained_at = found[("model_trained_timestamp_seconds", ())]
    assert 0 < time.time() - trained_at < 7 * 86400  # the session's training run


def served_rows(rows: int, seed: int) -> list[dict[str, Any]]:
    """Rows of the contract as a client sends them: JSON, nulls for missing values."""
    frame = make_sample(rows=rows, seed=seed)[list(FEATURE_NAMES)]
    records: list[dict[str, Any]] = json.loads(frame.to_json(orient="records"))
    return records


def psi_from_metrics(found: Samples, version: str) -> dict[str, float]:
    """Each column's PSI from the exposition alone, as monitoring/rules.yml has
    Prometheus compute it: the served share of each bin against the reference's."""
    counts: dict[str, dict[str, float]] = defaultdict(dict)
    reference: dict[str, dict[str, float]] = defaultdict(dict)
    for (name, labels), value in found.items():
        label = dict(labels)
        if label.get("model_version") == version:
            if name == "drift_rows_total":
                counts[label["column"]][label["bin"]] = value
            elif name == "drift_reference_share":
                reference[label["column"]][label["bin"]] = value
    assert counts.keys() == reference.keys()
    report = {}
    for column, expected in reference.items():
        assert counts[column].keys() == expected.keys(), column  # every bin exported
        total = sum(counts[column].values())
        bins = sorted(expected)
        report[column] = population_stability(
            [expected[b] for b in bins], [counts[column][b] / total for b in bins]
        )
    return report


def test_drift_metrics_give_the_psi_of_the_drift_command(
    api_settings: Settings,
) -> None:
    """The bins, counts and shares /metrics exports make, by the rules' formula, the
    PSI per column that ``drift`` computes from the prediction log of the same
    requests: its sample of each request's inputs, and every prediction."""
    with TestClient(create_app(api_settings)) as client:
        rows = served_rows(300, seed=21)
        for size in (1, 100, 150, 49):
            chunk, rows = rows[:size], rows[size:]
            answer = client.post("/predict", json={"instances": chunk})
            assert answer.status_code == 200, answer.text
        from_metrics = psi_from_metrics(samples(client.get("/metrics").text), "1")
    # Out of the app, the log is written whole.
    assert api_settings.prediction_log_path is not None
    log = [
        json.loads(line)
        for line in api_settings.prediction_log_path.read_text("utf-8").splitlines()
    ]
    inputs = pd.DataFrame([row for entry in log for row in entry["inputs"]])
    predictions = [label for entry in log for label in entry["predictions"]]
    registry = Registry(api_settings)
    document = registry.download(registry.require_champion(), REFERENCE_STATISTICS)
    assert document is not None

    expected = drift(json.loads(document), inputs, predictions)

    assert len(inputs) == 1 + 3 * api_settings.prediction_log_sample_rows
    assert from_metrics.keys() == expected.keys()
    for column, psi in expected.items():
        assert from_metrics[column] == pytest.approx(psi, rel=1e-9, abs=1e-12), column


def test_a_prediction_log_that_cannot_be_written_is_counted_and_serving_goes_on(
    api_settings: Settings,
) -> None:
    """/dev/full takes the file open and refuses every write: a full disk."""
    settings = api_settings.model_copy(
        update={"prediction_log_path": Path("/dev/full")}
    )
    with TestClient(create_app(settings)) as client:
        for _ in range(3):
            answer = client.post("/predict", json={"instances": edge_rows()})
            assert answer.status_code == 200, answer.text
            time.sleep(0.1)  # past the writer's flush interval
        failures = samples(client.get("/metrics").text)[
            ("prediction_log_write_failures_total", ())
        ]
    assert failures >= 1
