"""The contract itself: a declaration the rest of the project can be derived from."""

import json
from pathlib import Path

import pandas as pd

from {{ cookiecutter.package_name }}.contract import (
    DATA_PATH,
    ENTITY_ID,
    EVENT_TIME,
    EXAMPLE,
    FEATURES,
    IGNORED,
    MAX_DATA_AGE_DAYS,
    MIN_ROWS,
    TARGET,
)
from {{ cookiecutter.package_name }}.data import SUFFIXES
from {{ cookiecutter.package_name }}.schema import (
    FEATURE_NAMES,
    describe,
    scoring_schema,
)


def test_every_column_has_one_name_and_one_role() -> None:
    names = [*filter(None, (ENTITY_ID, EVENT_TIME)), *FEATURE_NAMES, TARGET.name]

    assert len(set(names)) == len(names), names
    assert not set(IGNORED) & set(names)
    assert FEATURES, "the contract declares no feature"


def test_the_example_is_one_valid_row_of_every_feature() -> None:
    assert sorted(EXAMPLE) == sorted(FEATURE_NAMES)

    scoring_schema().validate(pd.DataFrame([EXAMPLE]))


def test_limits_are_usable() -> None:
    assert MIN_ROWS >= 1
    assert MAX_DATA_AGE_DAYS is None or MAX_DATA_AGE_DAYS >= 1
    assert Path(DATA_PATH).suffix in SUFFIXES


def test_description_is_json_data_naming_every_column() -> None:
    document = describe()

    assert json.loads(json.dumps(document)) == document
    assert (document["entity_id"], document["event_time"]) == (ENTITY_ID, EVENT_TIME)
    assert document["target"]["name"] == TARGET.name
    assert document["target"]["task"] == TARGET.task
    assert document["target"]["classes"] == list(TARGET.classes)
    assert [f["name"] for f in document["features"]] == list(FEATURE_NAMES)
    for feature, described in zip(FEATURES, document["features"], strict=True):
        assert described["kind"] == type(feature).__name__.lower()
        assert described["nullable"] == feature.nullable
