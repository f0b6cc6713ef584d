"""Drift: PSI against the training reference, of inputs and of predictions, and the
drift command's exit code."""

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import (
    Settings,
    env_name,
)
from {{ cookiecutter.package_name }}.contract import TARGET
from {{ cookiecutter.package_name }}.data import write_table
from {{ cookiecutter.package_name }}.drift_bins import PREDICTION
from {{ cookiecutter.package_name }}.monitoring import (
    drift,
    population_stability,
    reference_statistics,
)
from {{ cookiecutter.package_name }}.onnx_model import pipeline_scores
from {{ cookiecutter.package_name }}.outputs import interpret
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    FEATURE_NAMES,
    TASK,
)
from {{ cookiecutter.package_name }}.train import train

from .contract_cases import shifted

runner = CliRunner()


def shifted_predictions(predictions: "pd.Series[Any]") -> list[Any]:
    """Predictions of another kind than the model's: all the first class, or values
    moved by half the target's range."""
    if TASK == "regression":
        span = float(TARGET.maximum or 0) - float(TARGET.minimum or 0)
        return (predictions.astype(float) + span / 2).tolist()
    return [CLASSES[0]] * len(predictions)


def model_predictions(settings: Settings, rows: pd.DataFrame) -> list[Any]:
    """The champion's predictions of rows, as /predict answers (and logs) them."""
    registry = Registry(settings)
    pipeline = registry.load(registry.require_champion())
    scores = pipeline_scores(pipeline, rows[list(FEATURE_NAMES)])
    labels: list[Any] = interpret(scores, settings.decision_threshold).labels.tolist()
    return labels


def prediction_log(path: Path, served: pd.DataFrame, predictions: list[Any]) -> Path:
    """A log as the API writes it: a line per request, its inputs and predictions."""
    rows = served[list(FEATURE_NAMES)].to_dict(orient="records")
    lines = [
        {
            "inputs": [{k: None if pd.isna(v) else v for k, v in row.items()}],
            "predictions": [predicted],
        }
        for row, predicted in zip(rows, predictions, strict=True)
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), "utf-8")
    return path


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    assert population_stability([0.5, 0.5], [0.5, 0.5]) == 0
    small = population_stability([0.5, 0.5], [0.45, 0.55])
    large = population_stability([0.5, 0.5], [0.1, 0.9])
    assert 0 < small < 0.1 < large


def test_same_population_does_not_drift_a_shifted_one_does() -> None:
    reference = reference_statistics(make_sample(rows=3000, seed=1))
    same = make_sample(rows=1000, seed=2)
    moved_frame, moved = shifted(same)

    calm, moved_report = drift(reference, same), drift(reference, moved_frame)

    assert set(calm) == set(FEATURE_NAMES)  # no predictions given: features only
    assert max(calm.values()) < 0.1
    for name in FEATURE_NAMES:
        assert (moved_report[name] > 0.2) is (name in moved), name


def test_prediction_reference_is_class_shares_or_value_deciles() -> None:
    frame = make_sample(rows=1000, seed=1)
    target = frame[TARGET.name]

    predicted = reference_statistics(frame, target)[PREDICTION]

    if TASK == "regression":
        assert predicted["kind"] == "values"
        assert predicted["edges"] == sorted(target.quantile(np.linspace(0, 1, 11)))
        assert math.isclose(sum(predicted["shares"]), 1)
    else:
        assert predicted["kind"] == "classes"
        assert list(predicted["shares"]) == [str(c) for c in CLASSES]
        assert predicted["shares"] == {
            str(c): float((target == c).mean()) for c in CLASSES
        }
    one_class = reference_statistics(frame, [target.iloc[0]] * 10)[PREDICTION]
    if TASK != "regression":  # every class is kept, the absent ones at 0
        assert sorted(one_class["shares"].values()) == [0.0] * (len(CLASSES) - 1) + [1]


def test_predictions_drift_beside_the_features() -> None:
    reference_rows = make_sample(rows=3000, seed=1)
    reference = reference_statistics(reference_rows, reference_rows[TARGET.name])
    served = make_sample(rows=1000, seed=2)
    served_predictions = served[TARGET.name]

    calm = drift(reference, served, served_predictions)
    moved = drift(reference, served, shifted_predictions(served_predictions))

    assert set(calm) == {*FEATURE_NAMES, PREDICTION}
    assert calm[PREDICTION] < 0.1
    assert moved[PREDICTION] > 0.2
    assert max(moved[name] for name in FEATURE_NAMES) < 0.1


@pytest.mark.parametrize(
    ("change", "drifted"),
    [("none", False), ("inputs", True), ("predictions", True)],
)
def test_drift_command_on_a_prediction_log(
    settings: Settings, tmp_path: Path, change: str, drifted: bool
) -> None:
    # 400 validation rows: their predictions' shares or deciles are a steady reference.
    data = tmp_path / "more.csv"
    write_table(make_sample(rows=2000, seed=7), data)
    settings = settings.model_copy(update={"data_path": data})
    train(settings)
    served = make_sample(rows=1000, seed=5)
    predictions = model_predictions(settings, served)
    expected: set[str] = set()
    if change == "inputs":
        served, expected = shifted(served)
        predictions = model_predictions(settings, served)  # what the model answers
    elif change == "predictions":
        predictions = shifted_predictions(pd.Series(predictions))
        expected = {PREDICTION}
    log = prediction_log(tmp_path / "predictions.jsonl", served, predictions)

    result = runner.invoke(app, ["drift", str(log), "--json"])

    assert result.exit_code == int(drifted), result.output
    report = json.loads(result.stdout)
    assert set(report["psi"]) == {*FEATURE_NAMES, PREDICTION}
    assert report["predictions"] == len(served)
    if change == "inputs":
        assert expected <= set(report["drifted"])
    else:  # the inputs are the training population
        assert report["drifted"] == sorted(expected)


def test_drift_command_on_a_data_file_reports_features_only(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    train(settings)
    path = tmp_path / "served.csv"
    write_table(make_sample(rows=500, seed=5), path)
    monkeypatch.setenv(env_name("data_path"), str(path))

    named = runner.invoke(app, ["drift", str(path), "--json"])
    by_default = runner.invoke(app, ["drift", "--json"])  # the data_path setting's

    assert named.exit_code == 0, named.output
    report = json.loads(named.stdout)
    assert set(report["psi"]) == set(FEATURE_NAMES)
    assert report["rows"] == 500
    assert "predictions" not in report
    assert by_default.exit_code == 0, by_default.output
    assert json.loads(by_default.stdout) == report


def test_drift_command_names_missing_features(
    settings: Settings, tmp_path: Path
) -> None:
    train(settings)
    path = tmp_path / "served.csv"
    write_table(make_sample(rows=50, seed=5).drop(columns=FEATURE_NAMES[0]), path)

    result = runner.invoke(app, ["drift", str(path)])

    assert result.exit_code == 1
    assert repr(FEATURE_NAMES[0]) in result.stderr
