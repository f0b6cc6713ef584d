"""The contract as rules: the column lists derived from it, and the pandera schemas that
hold data to it at every boundary."""

import json
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .columns import Categorical, Numeric
from .contract import (
    ENTITY_ID,
    EVENT_TIME,
    FEATURES,
    IGNORED,
    MAX_DATA_AGE_DAYS,
    MIN_ROWS,
    TARGET,
)

if TYPE_CHECKING:  # the server reads the contract but never builds a pandera schema
    import pandas as pd
    import pandera.pandas as pa

TASK = TARGET.task
CLASSES = TARGET.classes
NUMERIC = tuple(f.name for f in FEATURES if isinstance(f, Numeric))
INTEGER = tuple(f.name for f in FEATURES if isinstance(f, Numeric) and f.integer)
CATEGORICAL = tuple(f.name for f in FEATURES if isinstance(f, Categorical))
FEATURE_NAMES = tuple(f.name for f in FEATURES)
# The columns a data file may hold besides the features: in the order files have them.
KEYS = tuple(name for name in (ENTITY_ID, EVENT_TIME) if name is not None)


def _feature_column(feature: Numeric | Categorical) -> "pa.Column":
    import pandera.pandas as pa

    if isinstance(feature, Categorical):
        return pa.Column(
            str,
            pa.Check.isin(feature.categories),
            nullable=feature.nullable,
            description=feature.description,
        )
    checks = [pa.Check.in_range(feature.minimum, feature.maximum)]
    if feature.integer:
        # Coercing to int64 would truncate 3.5 to 3 and pass it: integers are checked
        # as whole numbers first and typed as integers after (with_integer_types).
        checks.append(
            pa.Check(lambda values: values % 1 == 0, error="must be a whole number")
        )
    return pa.Column(
        "float64",
        checks,
        nullable=feature.nullable,
        coerce=True,
        description=feature.description,
    )


def _target_column() -> "pa.Column":
    """Labels (or values) of the target. A row without one is allowed here: training
    leaves it out (see ``labelled``), scoring never reads the target."""
    import pandera.pandas as pa

    if TARGET.is_classification:
        shown = ", ".join(map(repr, CLASSES))
        return pa.Column(
            checks=[
                pa.Check.isin(list(CLASSES), error=f"must be one of {shown}"),
                pa.Check(
                    lambda target: target.nunique() >= 2,
                    error="must hold at least two classes",
                ),
            ],
            nullable=True,
            description=TARGET.description,
        )
    return pa.Column(
        "float64",
        pa.Check(lambda values: np.isfinite(values), error="must be finite"),
        nullable=True,
        coerce=True,
        description=TARGET.description,
    )


def with_integer_types(frame: "pd.DataFrame") -> "pd.DataFrame":
    """The integer features as int64, once the contract has held them to whole numbers.

    A column with missing values stays float64, the one numeric type that holds them.
    """
    whole = [name for name in INTEGER if name in frame and frame[name].notna().all()]
    return frame.astype(dict.fromkeys(whole, "int64")) if whole else frame


def scoring_schema() -> "pa.DataFrameSchema":
    """Rows to score: every feature; other columns (an id, say) pass through untouched."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {feature.name: _feature_column(feature) for feature in FEATURES},
        name="scoring data",
    )


def freshness_rule(
    now: datetime, max_age: timedelta | None = None
) -> "tuple[pd.Timestamp, str] | None":
    """The oldest the newest event time may be, and the rule in words; None: any age.

    ``max_age`` defaults to the contract's MAX_DATA_AGE_DAYS.
    """
    import pandas as pd

    if max_age is None and MAX_DATA_AGE_DAYS is not None:
        max_age = timedelta(days=MAX_DATA_AGE_DAYS)
    if EVENT_TIME is None or max_age is None:
        return None
    cutoff = pd.Timestamp(now - max_age)
    return cutoff, (
        f"newest {EVENT_TIME} must be after {cutoff.isoformat()} (data at most "
        f"{max_age.days} days old: MAX_DATA_AGE_DAYS in contract.py)"
    )


def min_rows_rule(min_rows: int = MIN_ROWS) -> str:
    return f"at least {min_rows} labelled rows (MIN_ROWS in contract.py)"


def training_schema(
    *,
    now: datetime,
    max_age: timedelta | None = None,
    min_rows: int = MIN_ROWS,
    part: bool = False,
) -> "pa.DataFrameSchema":
    """Labelled rows: the entity id (unique) and the event time (fresh) when the contract
    names them, the features, the target, and nothing else but the ignored columns.

    ``max_age`` defaults to the contract's MAX_DATA_AGE_DAYS (None: any age). A ``part``
    of a larger data set is held to every rule but those of the whole (freshness,
    MIN_ROWS), which whoever holds the whole checks with ``freshness_rule`` and
    ``min_rows_rule``; its ids are unique within the part.
    """
    import pandas as pd
    import pandera.pandas as pa

    columns: dict[str, pa.Column] = {}
    if ENTITY_ID is not None:
        columns[ENTITY_ID] = pa.Column(str, unique=True)
    if EVENT_TIME is not None:
        checks = []
        rule = None if part else freshness_rule(now, max_age)
        if rule is not None:
            cutoff, words = rule

            def fresh(times: "pd.Series[Any]") -> bool:
                newest = pd.to_datetime(times, utc=True, errors="coerce").max()
                return bool(newest >= cutoff)

            checks.append(pa.Check(fresh, error=words))
        columns[EVENT_TIME] = pa.Column(
            pd.DatetimeTZDtype("ns", "UTC"), checks, coerce=True
        )
    columns.update({feature.name: _feature_column(feature) for feature in FEATURES})
    columns[TARGET.name] = _target_column()
    columns.update({name: pa.Column(required=False, nullable=True) for name in IGNORED})

    def enough(frame: "pd.DataFrame") -> bool:
        return bool(frame[TARGET.name].notna().sum() >= min_rows)

    return pa.DataFrameSchema(
        columns,
        checks=[] if part else pa.Check(enough, error=min_rows_rule(min_rows)),
        strict=True,
        name="training data",
    )


def encode_target(values: "pd.Series[Any]") -> npt.NDArray[Any]:
    """What the estimator learns: class numbers in the contract's order (0, 1, ...), or
    the values of a regression target as floats."""
    if not TARGET.is_classification:
        return values.to_numpy(dtype=np.float64)
    codes = {label: code for code, label in enumerate(CLASSES)}
    return values.map(codes).to_numpy(dtype=np.int64)


def describe() -> dict[str, Any]:
    """The contract as JSON data (lists, not tuples), logged with every model: equal to
    what is read back from a run's contract.json."""
    document = {
        "entity_id": ENTITY_ID,
        "event_time": EVENT_TIME,
        "target": asdict(TARGET),
        "features": [
            {"kind": type(feature).__name__.lower(), **asdict(feature)}
            for feature in FEATURES
        ],
    }
    parsed: dict[str, Any] = json.loads(json.dumps(document))
    return parsed
