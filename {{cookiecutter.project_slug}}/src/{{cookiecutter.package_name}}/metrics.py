"""Metrics on held-out rows, per task, each with the direction that makes it better."""

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from .columns import Task

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Metric:
    """A score a model gets on validation rows."""

    direction: Direction
    tasks: tuple[Task, ...]


METRICS: dict[str, Metric] = {
    "roc_auc": Metric("higher", ("binary",)),
    "pr_auc": Metric("higher", ("binary",)),
    "f1": Metric("higher", ("binary",)),
    "f1_macro": Metric("higher", ("multiclass",)),
    "accuracy": Metric("higher", ("binary", "multiclass")),
    "balanced_accuracy": Metric("higher", ("binary", "multiclass")),
    "log_loss": Metric("lower", ("binary", "multiclass")),
    "rmse": Metric("lower", ("regression",)),
    "mae": Metric("lower", ("regression",)),
    "r2": Metric("higher", ("regression",)),
}
# What the promotion gate compares unless the primary_metric setting names another: a
# ranking score for two classes, a proper score for many, the error for values.
DEFAULT_METRIC: dict[Task, str] = {
    "binary": "roc_auc",
    "multiclass": "log_loss",
    "regression": "rmse",
}


def metrics_for(task: Task) -> tuple[str, ...]:
    return tuple(name for name, metric in METRICS.items() if task in metric.tasks)


def is_better(metric: str, challenger: float, reference: float) -> bool:
    """Whether ``challenger`` is strictly better than ``reference`` on ``metric``."""
    if METRICS[metric].direction == "higher":
        return challenger > reference
    return challenger < reference


def evaluate(
    task: Task,
    truth: npt.NDArray[Any],
    scores: npt.NDArray[np.float64],
    threshold: float,
) -> dict[str, float]:
    """Every metric of the task. ``truth`` holds class numbers (or values); ``scores``
    one probability per class and row (or one value per row); binary labels are cut
    at ``threshold``."""
    from sklearn import metrics as sk

    if task == "regression":
        return {
            "rmse": float(np.sqrt(sk.mean_squared_error(truth, scores))),
            "mae": float(sk.mean_absolute_error(truth, scores)),
            "r2": float(sk.r2_score(truth, scores)),
        }
    classes = list(range(scores.shape[1]))
    if task == "binary":
        positive = scores[:, 1]
        predicted = (positive >= threshold).astype(int)
        return {
            "roc_auc": float(sk.roc_auc_score(truth, positive)),
            "pr_auc": float(sk.average_precision_score(truth, positive)),
            "f1": float(sk.f1_score(truth, predicted, zero_division=0)),
            "accuracy": float(sk.accuracy_score(truth, predicted)),
            "balanced_accuracy": float(sk.balanced_accuracy_score(truth, predicted)),
            "log_loss": float(sk.log_loss(truth, positive, labels=classes)),
        }
    predicted = scores.argmax(axis=1)
    return {
        "f1_macro": float(
            sk.f1_score(
                truth, predicted, labels=classes, average="macro", zero_division=0
            )
        ),
        "accuracy": float(sk.accuracy_score(truth, predicted)),
        "balanced_accuracy": float(sk.balanced_accuracy_score(truth, predicted)),
        "log_loss": float(sk.log_loss(truth, scores, labels=classes)),
    }


def baseline_scores(
    task: Task, truth: npt.NDArray[Any], rows: int, classes: int
) -> npt.NDArray[np.float64]:
    """What a model that learnt nothing but the training target would score on ``rows``
    rows: the class shares of ``truth`` (never quite zero), or its mean."""
    if task == "regression":
        return np.full(rows, float(np.mean(truth)))
    shares = np.bincount(truth, minlength=classes) / max(len(truth), 1)
    shares = np.clip(shares, 1e-6, None)
    return np.tile(shares / shares.sum(), (rows, 1))
