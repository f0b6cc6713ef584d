"""Scoring with a fitted pipeline, shared by the CLI and the API."""

from pathlib import Path

import pandas as pd
from sklearn.pipeline import Pipeline

from .contract import FEATURE_NAMES, scoring_schema
from .data import read_table, validate, write_table


def predict(model: Pipeline, features: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """Class and churn probability for each row, on the frame's index."""
    probability = model.predict_proba(features[list(FEATURE_NAMES)])[:, 1]
    return pd.DataFrame(
        {
            "prediction": (probability >= threshold).astype(int),
            "probability": probability,
        },
        index=features.index,
    )


def score_file(model: Pipeline, source: Path, target: Path, threshold: float) -> int:
    """Validate a file against the contract, score it and write it with two new columns.

    Returns the number of rows scored.
    """
    frame = validate(read_table(source), scoring_schema(), source=str(source))
    scored = frame.join(predict(model, frame, threshold))
    write_table(scored, target)
    return len(scored)
