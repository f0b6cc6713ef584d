"""The bins of a training reference, and values counted into them.

``monitoring`` measures drift from these in a process that has pandas; the API counts
served rows into the same bins with numpy alone, and Prometheus turns the counts into
the same PSI.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

from .columns import Categorical
from .contract import FEATURES
from .schema import CLASSES

# The file of a training run that holds its reference statistics.
REFERENCE_STATISTICS = "reference_statistics.json"
# The key of the predictions' PSI in a drift report, beside the features' names.
PREDICTION = "prediction"


def bin_counts(values: npt.NDArray[np.float64], edges: list[float]) -> list[int]:
    """Values per bin between ``edges``, the outer bins open-ended; NaN (missing) apart."""
    present = values[~np.isnan(values)]
    bounds = [-np.inf, *edges[1:-1], np.inf]
    counts, _ = np.histogram(present, bins=bounds)
    return [int(c) for c in counts]


def reference_bins(reference: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Every column's bins and the reference's share in each, by the bin's label.

    Numeric bins are labelled by their index; categories and classes by their text,
    every one the contract allows (at share 0 when training saw none), so that a served
    value always has a bin to count in. ``prediction`` is there when the reference
    holds the model's predictions.
    """
    bins: dict[str, dict[str, float]] = {}
    for name, stats in reference["numeric"].items():
        bins[name] = {str(i): share for i, share in enumerate(stats["shares"])}
    for feature in FEATURES:
        if isinstance(feature, Categorical):
            seen = reference["categorical"].get(feature.name, {})
            bins[feature.name] = {**dict.fromkeys(feature.categories, 0.0), **seen}
    predictions = reference.get(PREDICTION)
    if predictions is not None:
        if predictions["kind"] == "values":
            shares = enumerate(predictions["shares"])
            bins[PREDICTION] = {str(i): share for i, share in shares}
        else:
            classes = dict.fromkeys(map(str, CLASSES), 0.0)
            bins[PREDICTION] = {**classes, **predictions["shares"]}
    return bins


def value_edges(reference: dict[str, Any]) -> dict[str, list[float]]:
    """The bin edges of each column counted by value: numeric features, and the
    predictions of a regression."""
    edges = {name: stats["edges"] for name, stats in reference["numeric"].items()}
    predictions = reference.get(PREDICTION)
    if predictions is not None and predictions["kind"] == "values":
        edges[PREDICTION] = predictions["edges"]
    return edges
