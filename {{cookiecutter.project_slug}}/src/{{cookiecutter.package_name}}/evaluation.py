"""What a reviewer looks at before a version may become champion: figures of the model
on its validation rows, and how much each feature matters to its primary metric.

Drawn with matplotlib on its own Figure objects (no pyplot window, no display, no
network); only training imports this module, never the server.
"""

import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .metrics import METRICS, evaluate
from .onnx_model import Scores, pipeline_scores
from .schema import CLASSES, FEATURE_NAMES, TASK

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

# Where a run keeps them, beside the model.
FOLDER = "evaluation"
# Enough rows to rank features steadily; more only costs time.
IMPORTANCE_ROWS = 5000
IMPORTANCE_REPEATS = 5
SHOWN_FEATURES = 20


@dataclass(frozen=True)
class Importance:
    """How much the primary metric worsens when one feature's values are shuffled."""

    feature: str
    mean: float
    std: float


def permutation_importances(
    pipeline: "Pipeline",
    features: "pd.DataFrame",
    truth: npt.NDArray[Any],
    metric: str,
    threshold: float,
    seed: int,
) -> list[Importance]:
    """Permutation importance of every contract column on (up to 5000) validation rows,
    in units of the primary metric, most important first."""
    from sklearn.inspection import permutation_importance

    sign = 1.0 if METRICS[metric].direction == "higher" else -1.0

    def score(model: "Pipeline", rows: "pd.DataFrame", values: Any) -> float:
        # The metric as the gate computes it, turned so that higher is better.
        scores = pipeline_scores(model, rows)
        return sign * evaluate(TASK, np.asarray(values), scores, threshold)[metric]

    if len(features) > IMPORTANCE_ROWS:
        chosen = np.random.default_rng(seed).choice(
            len(features), IMPORTANCE_ROWS, replace=False
        )
        features, truth = features.iloc[np.sort(chosen)], truth[np.sort(chosen)]
    found = permutation_importance(
        pipeline,
        features[list(FEATURE_NAMES)],
        truth,
        scoring=score,
        n_repeats=IMPORTANCE_REPEATS,
        random_state=seed,
        n_jobs=1,
    )
    ranked = sorted(
        zip(FEATURE_NAMES, found.importances_mean, found.importances_std, strict=True),
        key=lambda item: -item[1],
    )
    return [Importance(name, float(mean), float(std)) for name, mean, std in ranked]


def figures(
    truth: npt.NDArray[Any],
    scores: Scores,
    threshold: float,
    importances: list[Importance],
    metric: str,
) -> dict[str, bytes]:
    """PNG images by file name: for a classifier ROC, precision-recall, calibration and
    the confusion matrix (binary: at the decision threshold); for a regressor predicted
    against actual, and residuals; for both, the feature importances."""
    drawn = {"feature_importance.png": _importance_figure(importances, metric)}
    if TASK == "regression":
        drawn.update(_regression_figures(truth, scores))
    else:
        drawn.update(_classification_figures(truth, scores, threshold))
    return {name: _png(figure) for name, figure in drawn.items()}


def _figure(title: str) -> tuple["Figure", "Axes"]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.8), layout="constrained")
    axes = figure.subplots()
    axes.set_title(title)
    return figure, axes


def _png(figure: "Figure") -> bytes:
    buffer = io.BytesIO()
    # No software or date stamp: the same figure gives the same bytes.
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    return buffer.getvalue()


def _one_vs_rest(
    truth: npt.NDArray[Any], scores: Scores
) -> list[tuple[str, npt.NDArray[Any], npt.NDArray[np.float64]]]:
    """(label, is-this-class, its probability) for the positive class of a binary task,
    or for each class of a multiclass one that the validation rows both hold and lack.
    """
    if TASK == "binary":
        return [(str(CLASSES[1]), truth == 1, scores[:, 1])]
    return [
        (str(label), truth == index, scores[:, index])
        for index, label in enumerate(CLASSES)
        if 0 < int(np.sum(truth == index)) < len(truth)
    ]


def _classification_figures(
    truth: npt.NDArray[Any], scores: Scores, threshold: float
) -> dict[str, "Figure"]:
    from sklearn.calibration import CalibrationDisplay
    from sklearn.metrics import (
        ConfusionMatrixDisplay,
        PrecisionRecallDisplay,
        RocCurveDisplay,
    )

    curves = _one_vs_rest(truth, scores)
    drawn = {}
    for name, title, display in (
        ("roc.png", "ROC curve (validation rows)", RocCurveDisplay),
        ("precision_recall.png", "Precision-recall", PrecisionRecallDisplay),
    ):
        figure, axes = _figure(title)
        for index, (label, positive, probability) in enumerate(curves):
            display.from_predictions(
                positive,
                probability,
                name=label,
                ax=axes,
                plot_chance_level=index == len(curves) - 1,
            )
        drawn[name] = figure
    figure, axes = _figure("Calibration (quantile bins)")
    for label, positive, probability in curves:
        CalibrationDisplay.from_predictions(
            positive, probability, n_bins=10, strategy="quantile", name=label, ax=axes
        )
    drawn["calibration.png"] = figure
    if TASK == "binary":
        predicted = (scores[:, 1] >= threshold).astype(int)
        title = f"Confusion matrix at threshold {threshold:g}"
    else:
        predicted = scores.argmax(axis=1)
        title = "Confusion matrix (most probable class)"
    figure, axes = _figure(title)
    ConfusionMatrixDisplay.from_predictions(
        truth,
        predicted,
        labels=list(range(len(CLASSES))),
        display_labels=[str(label) for label in CLASSES],
        ax=axes,
        colorbar=False,
        xticks_rotation="vertical" if len(CLASSES) > 4 else "horizontal",
    )
    drawn["confusion_matrix.png"] = figure
    return drawn


def _regression_figures(truth: npt.NDArray[Any], scores: Scores) -> dict[str, "Figure"]:
    from sklearn.metrics import PredictionErrorDisplay

    drawn = {}
    for name, title, kind in (
        ("predicted_vs_actual.png", "Predicted against actual", "actual_vs_predicted"),
        ("residuals.png", "Residuals against predicted", "residual_vs_predicted"),
    ):
        figure, axes = _figure(title)
        PredictionErrorDisplay.from_predictions(
            truth, scores, kind=kind, subsample=2000, random_state=0, ax=axes
        )
        drawn[name] = figure
    return drawn


def _importance_figure(importances: list[Importance], metric: str) -> "Figure":
    shown = importances[:SHOWN_FEATURES][::-1]  # the most important on top
    figure, axes = _figure("Permutation importance (validation rows)")
    axes.barh(
        [item.feature for item in shown],
        [item.mean for item in shown],
        xerr=[item.std for item in shown],
        color="#4c72b0",
    )
    axes.set_xlabel(f"{metric} lost when the feature is shuffled")
    return figure
