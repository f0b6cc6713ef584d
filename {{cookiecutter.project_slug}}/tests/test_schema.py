"""The contract as rules: derived column lists, and the target's and time's rules."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.columns import (
    Categorical,
    Numeric,
)
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    FEATURES,
    MAX_DATA_AGE_DAYS,
    MIN_ROWS,
    TARGET,
)
from {{ cookiecutter.package_name }}.data import (
    labelled,
    validate,
)
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.schema import (
    CATEGORICAL,
    CLASSES,
    FEATURE_NAMES,
    INTEGER,
    KEYS,
    NUMERIC,
    TASK,
    encode_target,
    scoring_schema,
    training_schema,
    with_integer_types,
)

from .contract_cases import ROWS, sample, training_breaks, unlabelled, with_value

NOW = datetime(2030, 6, 1, tzinfo=UTC)
SCHEMA = training_schema(now=NOW)

needs_event_time = pytest.mark.skipif(
    EVENT_TIME is None, reason="the contract has no EVENT_TIME: nothing to be fresh"
)


def test_column_lists_follow_the_declarations() -> None:
    assert TARGET.task == TASK
    assert TARGET.classes == CLASSES
    assert tuple(f.name for f in FEATURES if isinstance(f, Numeric)) == NUMERIC
    assert tuple(f.name for f in FEATURES if isinstance(f, Categorical)) == CATEGORICAL
    assert sorted((*NUMERIC, *CATEGORICAL)) == sorted(FEATURE_NAMES)
    assert set(INTEGER) <= set(NUMERIC)
    assert tuple(name for name in (ENTITY_ID, EVENT_TIME) if name) == KEYS


def test_scoring_reads_the_features_and_lets_other_columns_pass() -> None:
    rows = unlabelled(sample(rows=20)).assign(note="kept")

    validated = scoring_schema().validate(rows)

    assert list(validated.columns) == list(rows.columns)
    assert (validated["note"] == "kept").all()


def test_whole_numbers_become_integers_unless_values_are_missing() -> None:
    frame = sample(rows=50).astype(dict.fromkeys(INTEGER, "float64"))

    typed = with_integer_types(frame)

    for name in INTEGER:
        expected = "int64" if frame[name].notna().all() else "float64"
        assert typed[name].dtype == expected, name


def test_the_target_is_encoded_in_the_contracts_order() -> None:
    frame = sample(rows=200)

    encoded = encode_target(frame[TARGET.name])

    if TARGET.is_classification:
        assert encoded.dtype == np.int64
        assert [CLASSES[code] for code in encoded] == frame[TARGET.name].tolist()
    else:
        assert encoded.dtype == np.float64
        np.testing.assert_array_equal(encoded, frame[TARGET.name].to_numpy(float))


def test_rows_without_a_label_are_allowed_then_left_out_and_not_counted() -> None:
    frame = sample(rows=ROWS, end=NOW)
    missing = frame.index[::7]
    unlabelled_rows = frame.assign(**{TARGET.name: frame[TARGET.name].astype(object)})
    unlabelled_rows.loc[missing, TARGET.name] = None

    kept = labelled(validate(unlabelled_rows, SCHEMA, "some.csv"), "some.csv")

    assert len(kept) == len(frame) - len(missing)
    assert not kept.index.isin(missing).any()
    # Too few labelled rows, however many rows there are.
    few = unlabelled_rows.copy()
    few.loc[few.index[: len(frame) - MIN_ROWS + 1], TARGET.name] = None
    with pytest.raises(DataError, match=f"at least {MIN_ROWS} labelled rows"):
        validate(few, SCHEMA, "some.csv")


def test_the_target_is_held_to_the_rules_of_its_task() -> None:
    """Each broken rule is tested with the others in test_data; here, what the rules
    say and allow."""
    frame = sample(rows=ROWS, end=NOW)
    if TARGET.is_classification:
        breaker, _, _, shown = training_breaks()["unknown-class"]
        with pytest.raises(DataError) as caught:
            validate(breaker(frame), SCHEMA, "bad.csv")
        # The message lists the classes the contract allows.
        message = str(caught.value)
        assert f"column {TARGET.name!r}: must be one of " in message
        assert ", ".join(map(repr, CLASSES)) in message
        assert shown in message
        return
    # The target's range shapes the histogram; it does not bound real values.
    high = float(TARGET.maximum or 0) * 2 + 1
    assert (
        validate(with_value(frame, TARGET.name, high), SCHEMA, "ok.csv")[
            TARGET.name
        ].max()
        == high
    )
    with pytest.raises(DataError, match=rf"column {TARGET.name!r}: must be finite"):
        validate(with_value(frame, TARGET.name, float("-inf")), SCHEMA, "bad.csv")


@needs_event_time
def test_data_older_than_the_allowed_age_is_refused_saying_which_setting() -> None:
    age = timedelta(days=MAX_DATA_AGE_DAYS or 30)
    schema = training_schema(now=NOW, max_age=age)
    # Every event in the day before ``end``: the newest is then on one side of the cutoff.
    fresh = sample(end=NOW - age + timedelta(days=1), days=1)
    stale = sample(end=NOW - age - timedelta(seconds=1), days=1)

    validate(fresh, schema, "fresh.csv")
    with pytest.raises(DataError) as caught:
        validate(stale, schema, "stale.csv")

    message = str(caught.value)
    assert f"column {EVENT_TIME!r}: newest {EVENT_TIME} must be after" in message
    assert f"at most {age.days} days old: MAX_DATA_AGE_DAYS in contract.py" in message


@needs_event_time
def test_the_contracts_own_age_applies_by_default() -> None:
    years_old = sample(end=NOW - timedelta(days=3650))

    if MAX_DATA_AGE_DAYS is None:
        assert len(validate(years_old, SCHEMA, "old.csv")) == len(years_old)
    else:
        with pytest.raises(DataError, match="MAX_DATA_AGE_DAYS"):
            validate(years_old, SCHEMA, "old.csv")


@needs_event_time
def test_times_are_read_as_utc_whatever_their_zone() -> None:
    frame = sample(rows=ROWS, end=NOW)
    frame[EVENT_TIME] = pd.to_datetime(frame[EVENT_TIME]).dt.tz_convert("Asia/Tokyo")

    times = validate(frame, SCHEMA, "tokyo.csv")[EVENT_TIME]

    assert str(times.dt.tz) == "UTC"
    assert times.max() == pd.to_datetime(sample(rows=ROWS, end=NOW)[EVENT_TIME]).max()
