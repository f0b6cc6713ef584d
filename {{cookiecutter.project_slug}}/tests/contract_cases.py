"""Rows for tests, made from the contract alone: valid ones, and ones that break a rule.

Every test picks its columns and values here, never by name, so that the project's tests
hold for whatever contract it has (the example, or one `contract infer` wrote).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import numpy as np
import pandas as pd

from {{ cookiecutter.package_name }}.columns import (
    Categorical,
    Numeric,
)
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    FEATURES,
    MIN_ROWS,
    TARGET,
)
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    FEATURE_NAMES,
)

# Enough rows to train on, whatever MIN_ROWS the contract asks for.
ROWS = max(600, 2 * MIN_ROWS)
# The row each bad value is put in: not the first, so that row numbers are checked.
BAD_ROW = 3

Frame = pd.DataFrame
Breaker = Callable[[Frame], Frame]

NUMERICS = tuple(f for f in FEATURES if isinstance(f, Numeric))
CATEGORICALS = tuple(f for f in FEATURES if isinstance(f, Categorical))


def sample(
    rows: int = ROWS, seed: int = 7, end: datetime | None = None, days: int = 180
) -> Frame:
    """Labelled rows that meet the training contract (events in the ``days`` up to
    ``end``, default today)."""
    return make_sample(rows=rows, seed=seed, end=end, days=days)


def unlabelled(frame: Frame) -> Frame:
    """The rows as they come to be scored: everything but the target."""
    return frame.drop(columns=TARGET.name)


def features(frame: Frame) -> Frame:
    """The feature columns alone, in the contract's order."""
    return frame[list(FEATURE_NAMES)]


def records(frame: Frame) -> list[dict[str, Any]]:
    """Feature rows as a client sends them: plain Python values, whole numbers as
    ints, None where missing."""
    found = cast(list[dict[str, Any]], features(frame).to_dict("records"))
    rows: list[dict[str, Any]] = [
        {k: None if pd.isna(v) else v for k, v in row.items()} for row in found
    ]
    whole = [f.name for f in NUMERICS if f.integer]
    for row in rows:
        row.update({n: int(row[n]) for n in whole if row[n] is not None})
    return rows


def numeric(
    *, integer: bool | None = None, nullable: bool | None = None
) -> Numeric | None:
    """The first numeric feature that is (or is not) an integer, or nullable."""
    return next(
        (
            f
            for f in NUMERICS
            if integer in (None, f.integer) and nullable in (None, f.nullable)
        ),
        None,
    )


def categorical(*, nullable: bool | None = None) -> Categorical | None:
    return next((f for f in CATEGORICALS if nullable in (None, f.nullable)), None)


def required_feature() -> Numeric | Categorical | None:
    """A feature that may not be missing."""
    return next((f for f in FEATURES if not f.nullable), None)


def out_of_range(feature: Numeric) -> float:
    """A whole number above the feature's maximum."""
    return float(
        np.floor(feature.maximum) + max(1.0, np.ceil(feature.maximum - feature.minimum))
    )


def unknown_category(feature: Categorical) -> str:
    """A category the contract does not list."""
    value = "not-a-category"
    while value in feature.categories:
        value += "-really"
    return value


def other_class(label: Any) -> Any:
    """The next class after ``label``, in the contract's order (wrapping around)."""
    return CLASSES[(CLASSES.index(label) + 1) % len(CLASSES)]


def unknown_class() -> Any:
    """A label the contract does not list, of the classes' own kind."""
    if all(isinstance(c, int) for c in CLASSES):
        return max(int(c) for c in CLASSES) + 1
    value = "not-a-class"
    while value in CLASSES:
        value += "-really"
    return value


def with_value(frame: Frame, column: str, value: Any, row: int = BAD_ROW) -> Frame:
    """``frame`` with ``value`` in ``column`` at position ``row``."""
    values = frame[column].astype(object).tolist()
    values[row] = value
    return frame.assign(**{column: values})


@dataclass(frozen=True)
class BadValue:
    """A value that breaks the contract in one column, and how the contract's message
    names it: ``rule`` is in the column's line, and so is ``shown`` (the value)."""

    column: str
    value: Any
    rule: str
    shown: str

    def into(self, frame: Frame, row: int = BAD_ROW) -> Frame:
        return with_value(frame, self.column, self.value, row)

    def into_record(self, record: dict[str, Any]) -> dict[str, Any]:
        return {**record, self.column: self.value}


def bad_feature_values() -> dict[str, BadValue]:
    """Values no feature may hold, one per rule the contract's columns have: what
    scoring refuses (and training too). A rule no column has is left out."""
    cases: dict[str, BadValue] = {}
    number = numeric()
    if number is not None:
        cases["not-a-number"] = BadValue(
            number.name, "not a number", "coerce_dtype", "not a number"
        )
        high = out_of_range(number)
        cases["out-of-range"] = BadValue(number.name, high, "in_range", str(high))
    whole = numeric(integer=True)
    if whole is not None and whole.minimum + 0.5 <= whole.maximum:
        half = whole.minimum + 0.5
        cases["fraction-for-an-integer"] = BadValue(
            whole.name, half, "must be a whole number", str(half)
        )
    category = categorical()
    if category is not None:
        unknown = unknown_category(category)
        cases["unknown-category"] = BadValue(category.name, unknown, "isin", unknown)
    required = required_feature()
    if required is not None:
        cases["missing-value"] = BadValue(required.name, None, "not_nullable", "nan")
    return cases


def _assign(column: str, value: Any) -> Breaker:
    return lambda frame: frame.assign(**{column: value})


def training_breaks() -> dict[str, tuple[Breaker, str, str, str]]:
    """Ways a training file breaks the contract: (how, the column named, words of the
    rule, the value shown), for the rules this contract has. Freshness is apart: it
    depends on the day (see the tests of the schema)."""
    cases: dict[str, tuple[Breaker, str, str, str]] = {
        name: (bad.into, bad.column, bad.rule, bad.shown)
        for name, bad in bad_feature_values().items()
    }
    last = FEATURE_NAMES[-1]
    cases["missing-column"] = (
        lambda frame: frame.drop(columns=last),
        last,
        "column_in_dataframe",
        last,
    )
    stranger = "a_column_nobody_declared"
    cases["unknown-column"] = (
        _assign(stranger, 1),
        stranger,
        "column_in_schema",
        stranger,
    )
    cases["too-few-rows"] = (  # the newest rows: fresh, only too few
        lambda frame: frame.tail(MIN_ROWS - 1),
        "(table)",
        f"at least {MIN_ROWS} labelled rows",
        "False",
    )
    if ENTITY_ID is not None:
        cases["duplicate-id"] = (
            lambda frame: with_value(frame, ENTITY_ID, frame[ENTITY_ID].iloc[0]),
            ENTITY_ID,
            "uniqueness",
            "",
        )
    if EVENT_TIME is not None:
        cases["not-a-time"] = (
            lambda frame: with_value(frame, EVENT_TIME, "not a time"),
            EVENT_TIME,
            "coerce_dtype",
            "not a time",
        )
    if TARGET.is_classification:
        unknown = unknown_class()
        cases["unknown-class"] = (
            lambda frame: with_value(frame, TARGET.name, unknown),
            TARGET.name,
            "must be one of",
            str(unknown),
        )
        cases["one-class"] = (
            _assign(TARGET.name, CLASSES[0]),
            TARGET.name,
            "at least two classes",
            "False",
        )
    else:
        cases["infinite-target"] = (
            lambda frame: with_value(frame, TARGET.name, float("inf")),
            TARGET.name,
            "must be finite",
            "inf",
        )
        cases["text-target"] = (
            lambda frame: with_value(frame, TARGET.name, "not a number"),
            TARGET.name,
            "coerce_dtype",
            "not a number",
        )
    return cases


def shifted(frame: Frame) -> tuple[Frame, set[str]]:
    """The frame with its first numeric feature squeezed into the top fifth of its range
    and its first categorical feature all one category; and the names of the two."""
    moved: dict[str, Any] = {}
    if NUMERICS:
        feature = NUMERICS[0]
        low, span = feature.minimum, feature.maximum - feature.minimum
        values = (frame[feature.name] - low) * 0.2 + low + 0.8 * span
        moved[feature.name] = values.round() if feature.integer else values
    if CATEGORICALS:
        moved[CATEGORICALS[0].name] = CATEGORICALS[0].categories[0]
    return frame.assign(**moved), set(moved)


def taught_the_opposite(frame: Frame, rows: pd.Index) -> Frame:
    """``frame`` where each of ``rows`` carries the features of a row the target says
    the opposite of: of a row of the next class, or of the row at the mirrored rank of
    a regression target. A model trained on those rows does worse than one that learnt
    nothing. Targets and keys stay, so a split (stratified by class or not) picks the
    same rows as before."""
    result = frame.copy().astype(dict.fromkeys(FEATURE_NAMES, object))
    part = frame.loc[rows]
    names = list(FEATURE_NAMES)
    if TARGET.is_classification:
        rng = np.random.default_rng(0)
        for label in CLASSES:
            takers = part.index[part[TARGET.name] == label]
            givers = part.index[part[TARGET.name] == other_class(label)]
            chosen = rng.choice(givers, len(takers))
            result.loc[takers, names] = frame.loc[chosen, names].to_numpy(dtype=object)
    else:
        ranked = part[TARGET.name].astype(float).sort_values(kind="stable").index
        result.loc[ranked, names] = frame.loc[ranked[::-1], names].to_numpy(
            dtype=object
        )
    return result
