"""The data contract: columns, types, ranges and categories, shared by training and serving."""

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the server reads the contract but never builds a pandera schema
    import pandas as pd
    import pandera.pandas as pa

ENTITY_ID = "customer_id"
EVENT_TIME = "event_time"
TARGET = "churned"


@dataclass(frozen=True)
class Numeric:
    """A numeric feature with the range real values fall in."""

    name: str
    minimum: float
    maximum: float
    integer: bool = False
    nullable: bool = False
    description: str = ""


@dataclass(frozen=True)
class Categorical:
    """A categorical feature with its allowed values."""

    name: str
    categories: tuple[str, ...]
    description: str = ""


FEATURES: tuple[Numeric | Categorical, ...] = (
    Numeric("tenure_months", 0, 120, integer=True, description="months as a customer"),
    Numeric("monthly_charges", 0, 500, description="current monthly bill"),
    Numeric(
        "total_charges",
        0,
        60_000,
        nullable=True,
        description="billed since joining; missing for some new customers",
    ),
    Numeric(
        "support_calls", 0, 50, integer=True, description="calls in the last 90 days"
    ),
    Categorical("contract", ("month-to-month", "one-year", "two-year")),
    Categorical(
        "payment_method", ("card", "bank-transfer", "electronic-check", "mailed-check")
    ),
    Categorical("internet_service", ("dsl", "fiber", "none")),
)
# One valid row: the example in the API docs and in tests.
EXAMPLE: dict[str, Any] = {
    "tenure_months": 14,
    "monthly_charges": 74.5,
    "total_charges": 1043.0,
    "support_calls": 3,
    "contract": "month-to-month",
    "payment_method": "electronic-check",
    "internet_service": "fiber",
}
NUMERIC = tuple(f.name for f in FEATURES if isinstance(f, Numeric))
INTEGER = tuple(f.name for f in FEATURES if isinstance(f, Numeric) and f.integer)
CATEGORICAL = tuple(f.name for f in FEATURES if isinstance(f, Categorical))
FEATURE_NAMES = tuple(f.name for f in FEATURES)


def _feature_column(feature: Numeric | Categorical) -> "pa.Column":
    import pandera.pandas as pa

    if isinstance(feature, Categorical):
        return pa.Column(
            str, pa.Check.isin(feature.categories), description=feature.description
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


def training_schema(
    *, now: datetime, max_age: timedelta, min_rows: int
) -> "pa.DataFrameSchema":
    """Labelled rows: a unique entity id, a fresh event time, the features and the target."""
    import pandas as pd
    import pandera.pandas as pa

    cutoff = pd.Timestamp(now - max_age)

    def fresh(times: "pd.Series[Any]") -> bool:
        newest = pd.to_datetime(times, utc=True, errors="coerce").max()
        return bool(newest >= cutoff)

    columns = {
        ENTITY_ID: pa.Column(str, unique=True),
        EVENT_TIME: pa.Column(
            pd.DatetimeTZDtype("ns", "UTC"),
            pa.Check(
                fresh,
                error=f"newest {EVENT_TIME} must be after {cutoff.isoformat()} "
                f"(data at most {max_age.days} days old)",
            ),
            coerce=True,
        ),
        **{feature.name: _feature_column(feature) for feature in FEATURES},
        TARGET: pa.Column(
            "int64",
            [
                pa.Check.isin([0, 1]),
                pa.Check(
                    lambda target: target.nunique() == 2,
                    error="target must hold both classes, 0 and 1",
                ),
            ],
            coerce=True,
        ),
    }
    return pa.DataFrameSchema(
        columns,
        checks=pa.Check(
            lambda frame: len(frame) >= min_rows, error=f"at least {min_rows} rows"
        ),
        strict=True,
        name="training data",
    )


def describe() -> dict[str, Any]:
    """The contract as JSON-ready data, logged with every model."""
    return {
        "entity_id": ENTITY_ID,
        "event_time": EVENT_TIME,
        "target": TARGET,
        "features": [
            {"kind": type(feature).__name__.lower(), **asdict(feature)}
            for feature in FEATURES
        ],
    }
