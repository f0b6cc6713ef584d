"""Data at the boundary: each contract rule fails with the column, the rule and the values."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    TARGET,
)
from {{ cookiecutter.package_name }}.data import (
    read_table,
    split,
    validate,
    write_table,
)
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    INTEGER,
    training_schema,
)

from .contract_cases import (
    BAD_ROW,
    ROWS,
    bad_feature_values,
    sample,
    training_breaks,
    with_value,
)

NOW = datetime(2030, 6, 1, tzinfo=UTC)
SCHEMA = training_schema(now=NOW)
BREAKS = training_breaks()


def good() -> pd.DataFrame:
    return sample(rows=ROWS, seed=11, end=NOW)


def test_good_data_passes() -> None:
    assert len(validate(good(), SCHEMA, source="good.csv")) == ROWS


@pytest.mark.skipif(not INTEGER, reason="the contract has no integer feature")
def test_whole_numbers_pass_as_integers_whatever_their_type() -> None:
    """14.0 (as a CSV with a blank elsewhere reads it) is 14; the column is int64."""
    name = INTEGER[0]
    frame = good()
    value = frame[name].dropna().iloc[0]
    frame = with_value(frame, name, float(value)).astype({name: float})
    frame[name] = frame[name].fillna(value)

    valid = validate(frame, SCHEMA, source="good.csv")

    assert valid[name].dtype == "int64"
    assert valid[name].iloc[BAD_ROW] == value


@pytest.mark.parametrize("case", BREAKS.values(), ids=BREAKS.keys())
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
    # One broken rule is one line: no follow-on failures.
    assert len([x for x in message.splitlines() if x.startswith("  column")]) == 1


def test_broken_rows_are_named_by_their_place_in_the_file() -> None:
    bad = next(iter(bad_feature_values().values()))

    with pytest.raises(DataError) as caught:
        validate(bad.into(good()), SCHEMA, source="bad.csv")

    assert f"in 1 row ({BAD_ROW});" in str(caught.value)
    assert str(caught.value).endswith(
        "(rows are numbered from 0, not counting a header line)"
    )


def test_every_broken_rule_is_listed_at_once() -> None:
    frame = good()
    for row, bad in enumerate(bad_feature_values().values()):
        frame = bad.into(frame, row=row)

    with pytest.raises(DataError) as caught:
        validate(frame, SCHEMA, source="bad.csv")

    for bad in bad_feature_values().values():
        assert f"column {bad.column!r}" in str(caught.value)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_tables_round_trip_through_every_format(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data{suffix}"
    write_table(good(), path)

    frame = validate(read_table(path), SCHEMA, source=str(path))

    expected = validate(good(), SCHEMA, source="good")
    pd.testing.assert_frame_equal(frame, expected, check_dtype=False)
    if ENTITY_ID is not None:  # ids stay text, even where they look like numbers
        assert all(isinstance(value, str) for value in frame[ENTITY_ID])


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


@pytest.mark.skipif(EVENT_TIME is None, reason="the contract has no EVENT_TIME")
def test_with_an_event_time_the_newest_rows_validate() -> None:
    frame = validate(good(), SCHEMA, source="good.csv").sample(frac=1, random_state=0)

    train, validation = split(frame, 0.25, seed=1)

    assert len(validation) == round(ROWS * 0.25)
    assert train[EVENT_TIME].max() <= validation[EVENT_TIME].min()
    # The seed plays no part: time decides.
    again = split(frame, 0.25, seed=2)[1]
    assert validation.index.equals(again.index)


def without_time() -> pd.DataFrame:
    frame = validate(good(), SCHEMA, source="good.csv")
    return frame.drop(columns=[EVENT_TIME]) if EVENT_TIME else frame


def test_without_an_event_time_a_seeded_random_share_validates() -> None:
    """The path of a contract without EVENT_TIME, given its split by argument."""
    frame = without_time()

    train, validation = split(frame, 0.25, seed=1, event_time=None)
    again = split(frame, 0.25, seed=1, event_time=None)[1]
    other = split(frame, 0.25, seed=2, event_time=None)[1]

    assert len(validation) == round(ROWS * 0.25)
    assert sorted([*train.index, *validation.index]) == list(frame.index)
    assert validation.index.equals(again.index)
    assert not validation.index.equals(other.index)
    # Not simply the last rows: drawn from the whole file.
    assert validation.index.min() < len(frame) / 2 < validation.index.max()


@pytest.mark.skipif(not TARGET.is_classification, reason="a regression target")
def test_a_random_split_keeps_the_class_shares_on_both_sides() -> None:
    frame = without_time()

    train, validation = split(frame, 0.25, seed=1, event_time=None)

    shares = frame[TARGET.name].value_counts(normalize=True)
    for part in (train, validation):
        seen = part[TARGET.name].value_counts(normalize=True)
        assert set(seen.index) == set(CLASSES)
        assert (seen - shares).abs().max() < 0.02


@pytest.mark.skipif(TARGET.task != "binary", reason="not a binary target")
def test_validation_rows_of_one_class_cannot_rank_a_model() -> None:
    frame = without_time()
    # A time at which every row of the second class comes after the first's.
    second = (frame[TARGET.name] == CLASSES[1]).to_numpy()
    frame["seen"] = second * len(frame) + np.arange(len(frame))
    newest = second.mean() / 2

    with pytest.raises(DataError, match="cannot rank a model"):
        split(frame, newest, seed=1, event_time="seen")


def test_too_few_rows_to_split_say_what_to_change() -> None:
    with pytest.raises(DataError, match="VALIDATION_FRACTION"):
        split(without_time().head(1), 0.2, seed=1, event_time=None)
