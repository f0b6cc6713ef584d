"""What a prediction is for the contract's task, wherever it is given (API, files, logs).

- binary: the label, and the probability of the positive class (the second of the
  contract's classes), cut at the decision threshold;
- multiclass: the most probable label, its probability, and every class's;
- regression: the value.
"""

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from .contract import TARGET
from .onnx_model import Scores
from .schema import CLASSES, TASK

_LABELS = np.array(CLASSES, dtype=object)
# The batch output's columns besides the input's, in order.
PROBABILITY_COLUMNS = {label: f"probability_{label}" for label in CLASSES}
OUTPUT_COLUMNS: tuple[str, ...] = (
    ("prediction",)
    if TASK == "regression"
    else (
        ("prediction", "probability")
        if TASK == "binary"
        else ("prediction", "probability", *PROBABILITY_COLUMNS.values())
    )
)


@dataclass(frozen=True)
class Predictions:
    """Predictions of some rows: ``labels`` (class labels, or values), ``probability``
    (of the positive class, or of the predicted one; None for values) and, for
    multiclass, ``probabilities`` (rows x classes)."""

    labels: npt.NDArray[Any]
    probability: npt.NDArray[np.float64] | None
    probabilities: npt.NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.labels)


def interpret(scores: Scores, threshold: float) -> Predictions:
    """Turn a scorer's output into predictions of the contract's task."""
    if TASK == "regression":
        return Predictions(scores, None)
    if TASK == "binary":
        positive = scores[:, 1]
        return Predictions(_LABELS[(positive >= threshold).astype(np.int64)], positive)
    best = scores.argmax(axis=1)
    return Predictions(_LABELS[best], scores[np.arange(len(best)), best], scores)


def rows(predictions: Predictions) -> list[dict[str, Any]]:
    """One JSON-ready object per row, as /predict answers it."""
    labels = predictions.labels.tolist()
    if predictions.probability is None:
        return [{"prediction": value} for value in labels]
    chance = predictions.probability.tolist()
    if predictions.probabilities is None:
        return [
            {"prediction": label, "probability": p}
            for label, p in zip(labels, chance, strict=True)
        ]
    names = [str(label) for label in CLASSES]
    return [
        {
            "prediction": label,
            "probability": p,
            "probabilities": dict(zip(names, each, strict=True)),
        }
        for label, p, each in zip(
            labels, chance, predictions.probabilities.tolist(), strict=True
        )
    ]


def columns(predictions: Predictions) -> dict[str, npt.NDArray[Any]]:
    """The batch output's columns, named as ``OUTPUT_COLUMNS``."""
    out: dict[str, npt.NDArray[Any]] = {"prediction": predictions.labels}
    if predictions.probability is not None:
        out["probability"] = predictions.probability
    if predictions.probabilities is not None:
        for index, name in enumerate(PROBABILITY_COLUMNS.values()):
            out[name] = predictions.probabilities[:, index]
    return out


def label_kind() -> type:
    """The Python type of a prediction: the classes' (int or str), or float."""
    if TASK == "regression":
        return float
    return int if all(isinstance(c, int) for c in CLASSES) else str


def counted(predictions: Predictions) -> dict[str, int]:
    """Rows per predicted class, by label as text; all under "value" for regression."""
    if TASK == "regression":
        return {"value": len(predictions)}
    # A Counter over the labels: several times cheaper than np.unique on the few
    # rows a request brings, and no slower on a hundred.
    return dict(Counter(map(str, predictions.labels.tolist())))


HISTOGRAM_BUCKETS: tuple[float, ...] = (
    tuple(
        float(edge)
        for edge in np.linspace(
            float(TARGET.minimum or 0), float(TARGET.maximum or 1), 11
        )
    )
    if TASK == "regression"
    else tuple(float(edge) for edge in np.round(np.linspace(0.1, 1.0, 10), 1))
)
