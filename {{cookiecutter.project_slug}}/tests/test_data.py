"""Data at the boundary: each contract rule fails with the column, the rule and the values."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.contract import training_schema
from {{ cookiecutter.package_name }}.data import (
    read_table,
    time_split,
    validate,
    write_table,
)
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.sample import make_sample

NOW = datetime(2030, 6, 1, tzinfo=UTC)
SCHEMA = training_schema(now=NOW, max_age=timedelta(days=30), min_rows=100)


def good() -> pd.DataFrame:
    return make_sample(rows=300, seed=11, end=NOW)


def set_value(column: str, value: object) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        values = frame[column].astype(object).tolist()
        values[3] = value
        return frame.assign(**{column: values})

    return change


# (how to break a good frame, the column named, the rule named, an offending value shown)
BROKEN: dict[str, tuple[Callable[[pd.DataFrame], pd.DataFrame], str, str, str]] = {
    "wrong-type": (
        set_value("tenure_months", "twelve"),
        "tenure_months",
        "coerce_dtype",
        "twelve",
    ),
    "null": (
        set_value("monthly_charges", np.nan),
        "monthly_charges",
        "not_nullable",
        "nan",
    ),
    "fraction-for-an-integer": (
        set_value("tenure_months", 3.5),
        "tenure_months",
        "must be a whole number",
        "3.5",
    ),
    "out-of-range": (
        set_value("support_calls", 999),
        "support_calls",
        "in_range",
        "999",
    ),
    "unknown-category": (set_value("contract", "weekly"), "contract", "isin", "weekly"),
    "duplicate-id": (
        set_value("customer_id", "C0000001"),
        "customer_id",
        "uniqueness",
        "C0000001",
    ),
    "not-a-time": (
        set_value("event_time", "yesterday"),
        "event_time",
        "coerce_dtype",
        "yesterday",
    ),
    "missing-column": (
        lambda f: f.drop(columns="internet_service"),
        "internet_service",
        "column_in_dataframe",
        "internet_service",
    ),
    "unknown-column": (
        lambda f: f.assign(favourite_colour="red"),
        "favourite_colour",
        "column_in_schema",
        "favourite_colour",
    ),
    "too-few-rows": (lambda f: f.head(50), "(table)", "at least 100 rows", "False"),
    "one-class": (lambda f: f.assign(churned=0), "churned", "both classes", "False"),
    "stale": (
        lambda f: f.assign(event_time=f["event_time"] - pd.Timedelta(days=90)),
        "event_time",
        "at most 30 days old",
        "False",
    ),
}


def test_good_data_passes() -> None:
    assert len(validate(good(), SCHEMA, source="good.csv")) == 300


def test_whole_numbers_pass_as_integers_whatever_their_type() -> None:
    """14.0 (as a CSV with a blank elsewhere reads it) is 14; the column is int64."""
    frame = set_value("tenure_months", 14.0)(good()).astype({"tenure_months": float})

    valid = validate(frame, SCHEMA, source="good.csv")

    assert valid["tenure_months"].dtype == "int64"
    assert valid["tenure_months"].iloc[3] == 14


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
def test_each_rule_names_column_rule_and_values(
    case: tuple[Callable[[pd.DataFrame], pd.DataFrame], str, str, str],
) -> None:
    breaker, column, rule, value = case

    with pytest.raises(DataError) as caught:
        validate(breaker(good()), SCHEMA, source="bad.csv")

    message = str(caught.value)
    assert message.startswith("bad.csv breaks the data contract:")
    line = next(
        (line for line in message.splitlines() if f"column {column!r}" in line), ""
    )
    assert rule in line, message
    assert value in line, message


def test_broken_rows_are_named_by_their_place_in_the_file() -> None:
    with pytest.raises(DataError) as caught:
        validate(set_value("support_calls", 999)(good()), SCHEMA, source="bad.csv")

    assert "in 1 row (3);" in str(caught.value)
    assert str(caught.value).endswith(
        "(rows are numbered from 0, not counting a header line)"
    )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_tables_round_trip_through_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    write_table(good(), path)

    frame = validate(read_table(path), SCHEMA, source=str(path))

    assert frame["customer_id"].tolist() == good()["customer_id"].tolist()


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="make-sample-data"):
        read_table(tmp_path / "nope.csv")


def test_unknown_file_type_lists_the_known_ones(tmp_path: Path) -> None:
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"\x00")

    with pytest.raises(DataError, match=r"\.csv, \.jsonl, \.parquet"):
        read_table(path)


def test_unreadable_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("{not json\n", encoding="utf-8")

    with pytest.raises(DataError, match="Could not read"):
        read_table(path)


def test_time_split_validates_on_the_newest_rows() -> None:
    frame = validate(good(), SCHEMA, source="good.csv")

    train, validation = time_split(frame, 0.25)

    assert len(validation) == 75
    assert train["event_time"].max() <= validation["event_time"].min()
