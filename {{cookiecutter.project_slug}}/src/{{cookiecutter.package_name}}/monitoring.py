"""Training reference statistics, kept with the model for later drift checks."""

from typing import Any

import numpy as np
import pandas as pd

from .contract import CATEGORICAL, NUMERIC

QUANTILES = tuple(np.linspace(0, 1, 11))


def reference_statistics(frame: pd.DataFrame) -> dict[str, Any]:
    """Deciles and missing share of each numeric feature, shares of each category."""
    numeric = {
        name: {
            "quantiles": [float(v) for v in frame[name].quantile(list(QUANTILES))],
            "missing_share": float(frame[name].isna().mean()),
            "mean": float(frame[name].mean()),
        }
        for name in NUMERIC
    }
    categorical = {
        name: {
            str(k): float(v)
            for k, v in frame[name].value_counts(normalize=True).items()
        }
        for name in CATEGORICAL
    }
    return {"rows": len(frame), "numeric": numeric, "categorical": categorical}
