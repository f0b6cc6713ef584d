"""Classification metrics on held-out data."""

import numpy as np
import numpy.typing as npt
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    f1_score,
    log_loss,
    roc_auc_score,
)

# Every metric that can decide a promotion is one where higher is better.
RANKING_METRICS = ("roc_auc", "pr_auc", "f1", "accuracy")


def classification_metrics(
    truth: npt.ArrayLike, probability: npt.NDArray[np.float64], threshold: float
) -> dict[str, float]:
    """ROC AUC, PR AUC, F1, accuracy (at ``threshold``) and log loss."""
    predicted = (probability >= threshold).astype(int)
    return {
        "roc_auc": float(roc_auc_score(truth, probability)),
        "pr_auc": float(average_precision_score(truth, probability)),
        "f1": float(f1_score(truth, predicted, zero_division=0)),
        "accuracy": float(accuracy_score(truth, predicted)),
        "log_loss": float(log_loss(truth, probability, labels=[0, 1])),
    }
