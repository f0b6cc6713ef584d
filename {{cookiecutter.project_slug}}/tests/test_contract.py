"""The data contract as data: what it logs and what it accepts."""

import json
from datetime import UTC, datetime, timedelta

from {{ cookiecutter.package_name }}.contract import (
    FEATURE_NAMES,
    describe,
    scoring_schema,
    training_schema,
)
from {{ cookiecutter.package_name }}.sample import make_sample


def test_sample_meets_the_training_contract() -> None:
    frame = make_sample(rows=300, seed=1)
    schema = training_schema(
        now=datetime.now(UTC), max_age=timedelta(days=30), min_rows=100
    )

    validated = schema.validate(frame)

    assert len(validated) == 300


def test_scoring_contract_lets_extra_columns_pass() -> None:
    frame = make_sample(rows=20, seed=1)

    validated = scoring_schema().validate(frame)

    assert "customer_id" in validated.columns


def test_description_is_json_and_lists_every_feature() -> None:
    document = json.loads(json.dumps(describe()))

    assert [f["name"] for f in document["features"]] == list(FEATURE_NAMES)
    contract = next(f for f in document["features"] if f["name"] == "contract")
    assert contract["kind"] == "categorical"
    assert "month-to-month" in contract["categories"]
