"""Seeded sample data made from the contract alone, so the project trains without downloads.

Rows follow the contract's ranges, categories and missing values; the target depends on
the features through a fixed, made-up relationship (the same for every seed), so a model
has something to learn and two samples describe the same world.
"""

from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .columns import Categorical, Numeric
from .contract import ENTITY_ID, EVENT_TIME, FEATURES, TARGET
from .schema import CLASSES

# Drives the relationship between features and target, not the rows.
WORLD_SEED = 20_240_601
MISSING_SHARE = 0.05  # of a nullable feature's values


def start_of_today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _feature_values(
    feature: Numeric | Categorical, rows: int, rng: np.random.Generator
) -> npt.NDArray[Any]:
    if isinstance(feature, Categorical):
        values: npt.NDArray[Any] = rng.choice(
            np.array(feature.categories, dtype=object), rows
        )
    else:
        numbers = rng.uniform(feature.minimum, feature.maximum, rows)
        numbers = numbers.round() if feature.integer else numbers.round(3)
        values = np.clip(numbers, feature.minimum, feature.maximum)
    if feature.nullable:
        values = values.astype(object if isinstance(feature, Categorical) else float)
        values[rng.random(rows) < MISSING_SHARE] = (
            None if isinstance(feature, Categorical) else np.nan
        )
    return values


def _signals(columns: dict[str, npt.NDArray[Any]], count: int) -> npt.NDArray[Any]:
    """``count`` scores per row, each a fixed random mix of the features (unit scale)."""
    world = np.random.default_rng(WORLD_SEED)
    rows = len(next(iter(columns.values()))) if columns else 0
    scores = np.zeros((rows, count))
    for feature in FEATURES:
        values = columns[feature.name]
        if isinstance(feature, Categorical):
            effects = dict(
                zip(
                    feature.categories,
                    world.normal(size=(len(feature.categories), count)),
                    strict=True,
                )
            )
            part = np.array([effects.get(v, np.zeros(count)) for v in values])
        else:
            middle = (feature.minimum + feature.maximum) / 2
            half = max((feature.maximum - feature.minimum) / 2, 1e-12)
            scaled = np.nan_to_num((values.astype(float) - middle) / half)
            part = np.outer(scaled, world.normal(size=count))
        scores += part.reshape(rows, count)
    spread = scores.std(axis=0)
    return np.asarray(scores / np.where(spread > 0, spread, 1.0))


def _target(
    columns: dict[str, npt.NDArray[Any]], rows: int, rng: np.random.Generator
) -> npt.NDArray[Any]:
    if TARGET.task == "regression":
        low, high = float(TARGET.minimum or 0), float(TARGET.maximum or 1)
        middle, span = (low + high) / 2, high - low
        signal = _signals(columns, 1)[:, 0]
        values = middle + span / 6 * signal + rng.normal(0, span / 30, rows)
        return np.asarray(np.clip(values, low, high).round(2))
    count = len(CLASSES)
    scores = 2.0 * _signals(columns, 1 if count == 2 else count)
    if count == 2:
        # About a third of the rows in the positive class, as in many real tables.
        chance = 1 / (1 + np.exp(-(scores[:, 0] - 1.0)))
        picked = (rng.random(rows) < chance).astype(int)
    else:
        weights = np.exp(scores - scores.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        picked = (rng.random((rows, 1)) > weights.cumsum(axis=1)).sum(axis=1)
        picked = np.minimum(picked, count - 1)
    labels: npt.NDArray[Any] = np.array(CLASSES, dtype=object)[picked]
    return labels


def make_sample(
    rows: int = 2000, seed: int = 7, end: datetime | None = None, days: int = 180
) -> pd.DataFrame:
    """Return ``rows`` rows meeting the contract; with an event time, their events span
    the ``days`` before ``end``.

    The same (rows, seed, end) always gives the same frame. ``end`` defaults to the start
    of today (UTC), so a fresh sample passes the contract's freshness check.
    """
    rng = np.random.default_rng(seed)
    frame: dict[str, Any] = {}
    if ENTITY_ID is not None:
        prefix = ENTITY_ID[:1].upper() or "E"
        frame[ENTITY_ID] = [f"{prefix}{n:07d}" for n in rng.permutation(rows) + 1]
    if EVENT_TIME is not None:
        seconds = rng.uniform(0, days * 86_400, rows).round()
        end_time = pd.Timestamp(end or start_of_today())
        end_time = end_time.tz_localize(UTC) if end_time.tz is None else end_time
        frame[EVENT_TIME] = end_time - pd.to_timedelta(seconds, unit="s")
    columns = {f.name: _feature_values(f, rows, rng) for f in FEATURES}
    frame.update(columns)
    for feature in FEATURES:  # whole numbers without gaps are written as integers
        if isinstance(feature, Numeric) and feature.integer and not feature.nullable:
            frame[feature.name] = columns[feature.name].astype(np.int64)
    labels = _target(columns, rows, rng)
    frame[TARGET.name] = labels if TARGET.task == "regression" else list(labels)
    sample = pd.DataFrame(frame)
    if EVENT_TIME is not None:
        sample = sample.sort_values(EVENT_TIME, kind="stable").reset_index(drop=True)
    return sample
