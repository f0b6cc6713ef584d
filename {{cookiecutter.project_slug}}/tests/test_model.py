"""Every model family, on the contract's task: trains, converts to ONNX with the same
scores, and the same seed gives the same model."""

import functools
import json
import pickle
import subprocess
import sys
from typing import get_args

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from {{ cookiecutter.package_name }}.config import (
    Family,
    Settings,
)
from {{ cookiecutter.package_name }}.contract import TARGET
from {{ cookiecutter.package_name }}.data import split
from {{ cookiecutter.package_name }}.errors import ConfigurationError
from {{ cookiecutter.package_name }}.metrics import (
    DEFAULT_METRIC,
    baseline_scores,
    evaluate,
    is_better,
)
from {{ cookiecutter.package_name }}.model import (
    DEFAULTS,
    EXTRAS,
    build_pipeline,
    estimator_params,
    model_params,
)
from {{ cookiecutter.package_name }}.onnx_model import (
    convert,
    max_difference,
    pipeline_scores,
)
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    TASK,
    encode_target,
)

from .contract_cases import features, sample

FAMILIES: tuple[Family, ...] = get_args(Family)
# Few trees: each family trains in a fraction of a second.
SMALL: dict[Family, dict[str, bool | int | float | str | None]] = {
    "linear": {},
    "random_forest": {"n_estimators": 10},
    "hist_gradient_boosting": {"max_iter": 10},
    "lightgbm": {"n_estimators": 10},
    "xgboost": {"n_estimators": 10},
}
# Settings that make each tree family draw rows or columns at random, so the seed counts.
DRAWING: dict[Family, dict[str, bool | int | float | str | None]] = {
    "random_forest": {},
    "hist_gradient_boosting": {"max_features": 0.5},
    "lightgbm": {"subsample": 0.7, "subsample_freq": 1, "colsample_bytree": 0.7},
    "xgboost": {"subsample": 0.7, "colsample_bytree": 0.7},
}


@functools.cache
def parts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows to train on and to validate on, made once."""
    return split(sample(), 0.2, seed=1)


def fit(family: Family, seed: int = 1, drawing: bool = False) -> Pipeline:
    """The family's pipeline fitted on the training rows; ``drawing``: with the
    settings that make it draw rows or columns at random."""
    params = {**SMALL[family], **(DRAWING.get(family, {}) if drawing else {})}
    pipeline = build_pipeline(
        Settings(estimator=family, estimator_params=params), TASK, seed
    )
    train, _ = parts()
    return pipeline.fit(features(train), encode_target(train[TARGET.name]))


# Each test that only reads a fitted pipeline shares it.
fitted = functools.cache(fit)


def test_every_family_has_defaults() -> None:
    assert set(DEFAULTS) == set(FAMILIES) == set(SMALL)
    assert set(DRAWING) == set(FAMILIES) - {"linear"}


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_learns_the_task_and_beats_the_baseline(family: Family) -> None:
    train, validation = parts()

    pipeline = fitted(family)

    scores = pipeline_scores(pipeline, features(validation))
    truth = encode_target(validation[TARGET.name])
    if TARGET.is_classification:
        assert scores.shape == (len(validation), len(CLASSES))
        np.testing.assert_allclose(scores.sum(axis=1), 1, rtol=1e-6)
    else:
        assert scores.shape == (len(validation),)
    metric = DEFAULT_METRIC[TASK]
    prior = baseline_scores(
        TASK, encode_target(train[TARGET.name]), len(validation), len(CLASSES)
    )
    learnt = evaluate(TASK, truth, scores, 0.5)[metric]
    nothing = evaluate(TASK, truth, prior, 0.5)[metric]
    assert is_better(metric, learnt, nothing), (metric, learnt, nothing)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_converts_to_onnx_with_the_same_scores(family: Family) -> None:
    _, validation = parts()
    pipeline = fitted(family)

    model = convert(pipeline)

    assert model is not None, f"{family} did not convert to ONNX"
    assert (
        max_difference(model, pipeline, features(validation))
        <= Settings().onnx_tolerance
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_the_same_seed_gives_the_same_model_bytes(family: Family) -> None:
    first, second = fitted(family, 1, True), fit(family, 1, True)

    assert first is not second
    assert pickle.dumps(first, protocol=5) == pickle.dumps(second, protocol=5)


@pytest.mark.parametrize("family", sorted(DRAWING))
def test_another_seed_changes_a_family_that_draws_at_random(family: Family) -> None:
    _, validation = parts()

    first = pipeline_scores(fitted(family, 1, True), features(validation))
    second = pipeline_scores(fitted(family, 2, True), features(validation))

    assert not np.array_equal(first, second)


def test_estimator_params_override_the_family_defaults_and_are_logged() -> None:
    settings = Settings(estimator="random_forest", estimator_params={"max_depth": 4})

    params = estimator_params(settings)
    logged = model_params(settings, seed=5)

    assert params == {**DEFAULTS["random_forest"], "max_depth": 4}
    assert logged["estimator"] == "random_forest"
    assert logged["seed"] == 5
    assert logged["estimator.max_depth"] == 4
    assert build_pipeline(settings, TASK, 5).steps[-1][1].get_params()["max_depth"] == 4


def test_a_parameter_the_estimator_does_not_take_is_named() -> None:
    settings = Settings(estimator="linear", estimator_params={"depth_of_trees": 3})

    with pytest.raises(ConfigurationError) as caught:
        build_pipeline(settings, TASK, 1)

    assert "depth_of_trees" in str(caught.value)
    assert "use the estimator's own parameter names" in str(caught.value)


# Builds each boosting family's pipeline with its library hidden, as if the boosting
# extra were not installed, and prints what each says.
WITHOUT_LIBRARIES = """
import json, sys
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.errors import ConfigurationError
from {{ cookiecutter.package_name }}.model import (
    EXTRAS,
    build_pipeline,
)
said = {}
for family, module in EXTRAS.items():
    sys.modules[module] = None
    try:
        build_pipeline(Settings(estimator=family), sys.argv[1], 1)
    except ConfigurationError as error:
        said[family] = str(error)
print(json.dumps(said))
"""


def test_a_family_whose_library_is_missing_says_how_to_install_it() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", WITHOUT_LIBRARIES, TASK],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    said = json.loads(completed.stdout)
    assert set(said) == set(EXTRAS) == {"lightgbm", "xgboost"}
    for family, module in EXTRAS.items():
        assert (
            f"ESTIMATOR={family!r} needs {module}, which is not installed"
            in said[family]
        )
        assert "uv sync --extra boosting" in said[family]
