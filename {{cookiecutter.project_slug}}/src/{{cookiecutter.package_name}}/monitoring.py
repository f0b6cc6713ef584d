"""Training reference statistics, and drift of served inputs measured against them."""

from typing import Any

import numpy as np
import pandas as pd

from .schema import CATEGORICAL, NUMERIC

DECILES = np.linspace(0, 1, 11)
# Keeps an empty bin from making the logarithm infinite.
SMALLEST_SHARE = 1e-4


def _bin_shares(values: pd.Series, edges: list[float]) -> list[float]:
    """Share of values in each bin, with the outer bins open-ended; missing values apart."""
    present = values.dropna().to_numpy(dtype=float)
    bounds = [-np.inf, *edges[1:-1], np.inf]
    counts, _ = np.histogram(present, bins=bounds)
    total = max(len(present), 1)
    return [float(c) / total for c in counts]


def reference_statistics(frame: pd.DataFrame) -> dict[str, Any]:
    """Decile bins and their shares per numeric feature, category shares, missing shares."""
    numeric = {}
    for name in NUMERIC:
        edges = sorted({float(v) for v in frame[name].quantile(DECILES).dropna()})
        numeric[name] = {
            "edges": edges,
            "shares": _bin_shares(frame[name], edges),
            "missing_share": float(frame[name].isna().mean()),
            "mean": float(frame[name].mean()),
        }
    categorical = {
        name: {
            str(k): float(v)
            for k, v in frame[name].value_counts(normalize=True).items()
        }
        for name in CATEGORICAL
    }
    return {"rows": len(frame), "numeric": numeric, "categorical": categorical}


def population_stability(expected: list[float], actual: list[float]) -> float:
    """PSI: the sum over bins of (actual - expected) * ln(actual / expected)."""
    e = np.clip(np.asarray(expected, dtype=float), SMALLEST_SHARE, None)
    a = np.clip(np.asarray(actual, dtype=float), SMALLEST_SHARE, None)
    return float(np.sum((a - e) * np.log(a / e)))


def drift(reference: dict[str, Any], inputs: pd.DataFrame) -> dict[str, float]:
    """PSI of each feature of the served inputs against the training reference."""
    report = {}
    for name, stats in reference["numeric"].items():
        report[name] = population_stability(
            stats["shares"], _bin_shares(inputs[name], stats["edges"])
        )
    for name, expected in reference["categorical"].items():
        actual = inputs[name].value_counts(normalize=True)
        categories = sorted(set(expected) | {str(c) for c in actual.index})
        report[name] = population_stability(
            [expected.get(c, 0.0) for c in categories],
            [float(actual.get(c, 0.0)) for c in categories],
        )
    return report
