"""Drift: PSI against the training reference, of inputs and of predictions, and the
drift command's exit code."""

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.monitoring import (
    PREDICTION,
    drift,
    population_stability,
    reference_statistics,
)
from {{ cookiecutter.package_name }}.schema import FEATURE_NAMES
from {{ cookiecutter.package_name }}.train import train

from .contract_cases import CATEGORICALS, NUMERICS, records, sample

runner = CliRunner()
NUMERIC = [f for f in FEATURES if isinstance(f, Numeric)]
CATEGORICAL = [f for f in FEATURES if isinstance(f, Categorical)]


def shifted(frame: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """The frame with its first numeric feature squeezed into the top fifth of its range
    and its first categorical feature all one category; and the names of the two."""
    moved: dict[str, Any] = {}
    if NUMERIC:
        feature = NUMERIC[0]
        low, span = feature.minimum, feature.maximum - feature.minimum
        values = (frame[feature.name] - low) * 0.2 + low + 0.8 * span
        moved[feature.name] = values.round() if feature.integer else values
    if CATEGORICAL:
        moved[CATEGORICAL[0].name] = CATEGORICAL[0].categories[0]
    return frame.assign(**moved), set(moved)


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


# The features a shift moves: the first numeric one, and the first categorical one
# that has more than one category.
MOVED_NUMERIC = NUMERICS[:1]
MOVED_CATEGORICAL = [f for f in CATEGORICALS if len(f.categories) > 1][:1]


def shifted(frame: pd.DataFrame) -> pd.DataFrame:
    """The moved numeric feature crowded near its minimum, the moved categorical one
    all of its first category; the other features as they were."""
    changes: dict[str, Any] = {}
    for number in MOVED_NUMERIC:
        values = number.minimum + (frame[number.name] - number.minimum) * 0.05
        changes[number.name] = values.round() if number.integer else values
    for category in MOVED_CATEGORICAL:
        changes[category.name] = category.categories[0]
    return frame.assign(**changes)


def moved_features() -> set[str]:
    return {f.name for f in MOVED_NUMERIC} | {f.name for f in MOVED_CATEGORICAL}


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    assert population_stability([0.5, 0.5], [0.5, 0.5]) == 0
    small = population_stability([0.5, 0.5], [0.45, 0.55])
    large = population_stability([0.5, 0.5], [0.1, 0.9])
    assert 0 < small < 0.1 < large


def test_same_population_does_not_drift_a_shifted_one_does() -> None:
    reference = reference_statistics(sample(rows=3000, seed=1))
    same = sample(rows=1000, seed=2)

    calm, moved = drift(reference, same), drift(reference, shifted(same))

    assert set(calm) == set(FEATURE_NAMES)  # no predictions given: features only
    assert max(calm.values()) < 0.1
    for name in FEATURE_NAMES:
        if name in moved_features():
            assert moved[name] > 0.2, name
        else:
            assert moved[name] == calm[name], name


@pytest.mark.parametrize("shift", [False, True])
def test_drift_command_exits_1_past_the_threshold(
    settings: Settings, tmp_path: Path, shift: bool
) -> None:
    # 400 validation rows: their predictions' shares or deciles are a steady reference.
    data = tmp_path / "more.csv"
    write_table(make_sample(rows=2000, seed=7), data)
    settings = settings.model_copy(update={"data_path": data})
    train(settings)
    served = sample(rows=500, seed=5)
    served = shifted(served) if shift else served
    log = tmp_path / "predictions.jsonl"
    log.write_text(
        "".join(json.dumps({"inputs": [row]}) + "\n" for row in records(served)),
        encoding="utf-8",
    )

    result = runner.invoke(app, ["drift", str(log), "--json"])

    assert result.exit_code == (1 if shift else 0), result.output
    report = json.loads(result.stdout)
    assert set(report["drifted"]) == (moved_features() if shift else set())
