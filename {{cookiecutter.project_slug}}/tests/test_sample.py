"""The sample made from the contract: seeded, valid, gappy where allowed, learnable."""

from datetime import UTC, datetime

import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.columns import Categorical
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    FEATURES,
    TARGET,
)
from {{ cookiecutter.package_name }}.data import (
    labelled,
    split,
    validate,
)
from {{ cookiecutter.package_name }}.metrics import (
    DEFAULT_METRIC,
    baseline_scores,
    evaluate,
    is_better,
)
from {{ cookiecutter.package_name }}.model import build_pipeline
from {{ cookiecutter.package_name }}.onnx_model import pipeline_scores
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    KEYS,
    TASK,
    encode_target,
    training_schema,
)

from .contract_cases import ROWS, features

END = datetime(2030, 1, 1, tzinfo=UTC)


def test_same_seed_same_frame() -> None:
    first = make_sample(rows=200, seed=3, end=END)
    second = make_sample(rows=200, seed=3, end=END)

    pd.testing.assert_frame_equal(first, second)


def test_other_seed_other_frame() -> None:
    assert not make_sample(rows=200, seed=3, end=END).equals(
        make_sample(rows=200, seed=4, end=END)
    )


def test_the_sample_meets_the_training_contract_with_the_columns_in_order() -> None:
    frame = make_sample(rows=ROWS, seed=3, end=END)

    valid = validate(frame, training_schema(now=END), source="sample")

    assert len(valid) == ROWS
    assert list(frame.columns) == [*KEYS, *(f.name for f in FEATURES), TARGET.name]
    if ENTITY_ID is not None:
        assert frame[ENTITY_ID].is_unique
    if EVENT_TIME is not None:
        newest = frame[EVENT_TIME].max()
        assert newest <= END
        assert (END - newest).days < 1
        assert frame[EVENT_TIME].is_monotonic_increasing


def test_every_class_and_category_occurs_and_values_spread() -> None:
    frame = make_sample(rows=ROWS, seed=3, end=END)

    if TARGET.is_classification:
        assert set(frame[TARGET.name]) == set(CLASSES)
    else:
        low, high = float(TARGET.minimum or 0), float(TARGET.maximum or 0)
        assert frame[TARGET.name].between(low, high).all()
        assert frame[TARGET.name].nunique() > ROWS / 2
    for feature in FEATURES:
        if isinstance(feature, Categorical):
            found = set(frame[feature.name].dropna())
            assert found <= set(feature.categories)
            if len(feature.categories) * 20 <= ROWS:  # each then surely drawn
                assert found == set(feature.categories), feature.name


def test_values_are_missing_where_the_contract_allows_it_and_only_there() -> None:
    frame = make_sample(rows=ROWS, seed=3, end=END)

    nullable = [f.name for f in FEATURES if f.nullable]
    required = [f.name for f in FEATURES if not f.nullable]
    assert not frame[required].isna().any().any()
    if not nullable:
        pytest.skip("the contract has no nullable feature")
    assert frame[nullable].isna().any().all()


def test_a_model_beats_the_baseline_on_the_sample() -> None:
    frame = labelled(
        validate(
            make_sample(rows=ROWS, seed=3), training_schema(now=datetime.now(UTC)), "s"
        ),
        "sample",
    )
    train, validation = split(frame, 0.2, seed=1)
    pipeline = build_pipeline(Settings(), TASK, seed=1)
    pipeline.fit(features(train), encode_target(train[TARGET.name]))

    truth = encode_target(validation[TARGET.name])
    metric = DEFAULT_METRIC[TASK]
    learnt = evaluate(TASK, truth, pipeline_scores(pipeline, features(validation)), 0.5)
    prior = baseline_scores(
        TASK, encode_target(train[TARGET.name]), len(validation), len(CLASSES)
    )
    nothing = evaluate(TASK, truth, prior, 0.5)

    assert is_better(metric, learnt[metric], nothing[metric]), (learnt, nothing)
