"""Training reference statistics, and drift of served inputs and predictions measured
against them.

The reference holds each feature's distribution on the training rows and the
distribution of the model's predictions on the validation rows: the shares of the
classes for a classification task, decile bins of the values for a regression one.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .drift_bins import PREDICTION, bin_counts
from .errors import DataError
from .schema import CATEGORICAL, CLASSES, FEATURE_NAMES, NUMERIC, TASK

DECILES = np.linspace(0, 1, 11)
# Keeps an empty bin from making the logarithm infinite.
SMALLEST_SHARE = 1e-4
if TYPE_CHECKING:  # pd.Series is generic to type checkers only
    # Predictions of some rows: class labels, or values.
    Predicted = Sequence[Any] | npt.NDArray[Any] | pd.Series[Any]


def _bin_shares(values: "pd.Series[Any]", edges: list[float]) -> list[float]:
    """Share of values in each bin, with the outer bins open-ended; missing values apart."""
    counts = bin_counts(values.to_numpy(dtype=float, na_value=np.nan), edges)
    total = max(sum(counts), 1)
    return [c / total for c in counts]


def _numeric_statistics(values: "pd.Series[Any]") -> dict[str, Any]:
    """Decile bins of the values and their shares, the missing share and the mean."""
    numbers = values.astype(float)
    edges = sorted({float(v) for v in numbers.quantile(DECILES).dropna()})
    return {
        "edges": edges,
        "shares": _bin_shares(numbers, edges),
        "missing_share": float(numbers.isna().mean()),
        "mean": float(numbers.mean()),
    }


def _shares(values: "pd.Series[Any]") -> dict[str, float]:
    """Share of each value, by its text (a label 1 and "1" are one class)."""
    counts = values.dropna().astype(str).value_counts(normalize=True)
    return {str(k): float(v) for k, v in counts.items()}


def prediction_statistics(predictions: "Predicted") -> dict[str, Any]:
    """How predictions are spread: every class's share, or the values' decile bins."""
    values = pd.Series(np.asarray(predictions, dtype=object))
    if TASK == "regression":
        return {"kind": "values", **_numeric_statistics(values)}
    found = _shares(values)
    return {
        "kind": "classes",
        "shares": {str(c): found.get(str(c), 0.0) for c in CLASSES},
    }


def reference_statistics(
    frame: pd.DataFrame, predictions: "Predicted | None" = None
) -> dict[str, Any]:
    """Decile bins and their shares per numeric feature, category shares, missing shares;
    and, given the model's predictions on the validation rows (class labels or values),
    their distribution."""
    reference: dict[str, Any] = {
        "rows": len(frame),
        "numeric": {name: _numeric_statistics(frame[name]) for name in NUMERIC},
        "categorical": {name: _shares(frame[name]) for name in CATEGORICAL},
    }
    if predictions is not None:
        reference[PREDICTION] = prediction_statistics(predictions)
    return reference


def population_stability(expected: list[float], actual: list[float]) -> float:
    """PSI: the sum over bins of (actual - expected) * ln(actual / expected)."""
    e = np.clip(np.asarray(expected, dtype=float), SMALLEST_SHARE, None)
    a = np.clip(np.asarray(actual, dtype=float), SMALLEST_SHARE, None)
    return float(np.sum((a - e) * np.log(a / e)))


def _share_stability(expected: dict[str, float], values: "pd.Series[Any]") -> float:
    actual = _shares(values)
    keys = sorted(set(expected) | set(actual))
    return population_stability(
        [expected.get(k, 0.0) for k in keys], [actual.get(k, 0.0) for k in keys]
    )


def drift(
    reference: dict[str, Any],
    inputs: pd.DataFrame,
    predictions: "Predicted | None" = None,
) -> dict[str, float]:
    """PSI of each feature of the served inputs against the training reference; and of
    the served predictions (key ``prediction``) when they are given and the reference
    has theirs.

    Raises:
        DataError: the inputs lack a feature of the contract.
    """
    missing = [name for name in FEATURE_NAMES if name not in inputs.columns]
    if missing:
        raise DataError(
            f"The rows to check for drift have no column {', '.join(map(repr, missing))}"
            ": give a prediction log or a data file with every feature of the contract"
        )
    report = {}
    for name, stats in reference["numeric"].items():
        report[name] = population_stability(
            stats["shares"], _bin_shares(inputs[name], stats["edges"])
        )
    for name, expected in reference["categorical"].items():
        report[name] = _share_stability(expected, inputs[name])
    expected_predictions = reference.get(PREDICTION)
    if predictions is not None and expected_predictions is not None:
        served = pd.Series(np.asarray(predictions, dtype=object))
        if expected_predictions["kind"] == "values":
            report[PREDICTION] = population_stability(
                expected_predictions["shares"],
                _bin_shares(served.astype(float), expected_predictions["edges"]),
            )
        else:
            report[PREDICTION] = _share_stability(
                expected_predictions["shares"], served
            )
    return report
