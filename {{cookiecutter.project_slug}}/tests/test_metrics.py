"""Metrics per task, each in its own direction, and the baseline they are held against.

These take the task as an argument, so every task is tested whatever the contract's.
"""

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from {{ cookiecutter.package_name }}.columns import (
    TASKS,
    Task,
)
from {{ cookiecutter.package_name }}.metrics import (
    DEFAULT_METRIC,
    METRICS,
    baseline_scores,
    evaluate,
    is_better,
    metrics_for,
)

ROWS = 400
CLASSES = {"binary": 2, "multiclass": 4, "regression": 0}


def truth_of(task: Task, seed: int = 0) -> npt.NDArray[Any]:
    rng = np.random.default_rng(seed)
    if task == "regression":
        return rng.normal(100, 20, ROWS)
    return rng.integers(0, CLASSES[task], ROWS)


def scores_of(
    task: Task, truth: npt.NDArray[Any], skill: float
) -> npt.NDArray[np.float64]:
    """Scores that are right with weight ``skill`` (1: nearly perfect) and noise else."""
    rng = np.random.default_rng(1)
    if task == "regression":
        return np.asarray(truth + (1 - skill) * rng.normal(0, 40, len(truth)))
    noise = rng.dirichlet(np.ones(CLASSES[task]), len(truth))
    right = np.eye(CLASSES[task])[truth]
    mixed = skill * (0.96 * right + 0.01) + (1 - skill) * noise
    return np.asarray(mixed / mixed.sum(axis=1, keepdims=True))


def test_every_task_has_its_metrics_and_a_default_among_them() -> None:
    assert set(DEFAULT_METRIC) == set(TASKS)
    for task in TASKS:
        assert DEFAULT_METRIC[task] in metrics_for(task)
    assert {t for m in METRICS.values() for t in m.tasks} <= set(TASKS)
    assert {m.direction for m in METRICS.values()} == {"higher", "lower"}


@pytest.mark.parametrize("task", TASKS)
def test_evaluate_gives_every_metric_of_the_task_and_only_those(task: Task) -> None:
    truth = truth_of(task)

    values = evaluate(task, truth, scores_of(task, truth, 0.5), threshold=0.5)

    assert set(values) == set(metrics_for(task))
    assert all(np.isfinite(v) for v in values.values())


@pytest.mark.parametrize("task", TASKS)
def test_a_better_model_is_better_on_every_metric_in_its_direction(task: Task) -> None:
    truth = truth_of(task)
    good = evaluate(task, truth, scores_of(task, truth, 0.9), 0.5)
    poor = evaluate(task, truth, scores_of(task, truth, 0.1), 0.5)

    for name in metrics_for(task):
        assert is_better(name, good[name], poor[name]), (name, good[name], poor[name])
        assert not is_better(name, poor[name], good[name]), name


def test_better_is_strict() -> None:
    assert not is_better("roc_auc", 0.8, 0.8)
    assert not is_better("log_loss", 0.3, 0.3)
    assert is_better("log_loss", 0.2, 0.3)
    assert is_better("r2", 0.3, 0.2)


def test_binary_metrics_read_the_second_column_and_cut_at_the_threshold() -> None:
    truth = truth_of("binary")
    scores = scores_of("binary", truth, 0.5)

    as_given = evaluate("binary", truth, scores, 0.5)
    swapped = evaluate("binary", truth, scores[:, ::-1], 0.5)
    strict = evaluate("binary", truth, scores, 0.99)

    assert swapped["roc_auc"] == pytest.approx(1 - as_given["roc_auc"])
    assert strict["f1"] < as_given["f1"]
    assert strict["roc_auc"] == as_given["roc_auc"]  # a ranking: no threshold


def test_regression_errors_are_in_the_targets_unit() -> None:
    truth = np.array([1.0, 2.0, 3.0, 4.0])

    values = evaluate("regression", truth, truth + np.array([1, -1, 1, -1]), 0.5)

    assert values["rmse"] == pytest.approx(1.0)
    assert values["mae"] == pytest.approx(1.0)
    assert values["r2"] == pytest.approx(1 - 4 / 5)


@pytest.mark.parametrize("task", ["binary", "multiclass"])
def test_the_baseline_predicts_the_training_class_shares(task: Task) -> None:
    train = truth_of(task, seed=2)
    count = CLASSES[task] + 1  # one class the training rows never hold

    scores = baseline_scores(task, train, rows=7, classes=count)

    shares = np.bincount(train, minlength=count) / len(train)
    assert scores.shape == (7, count)
    np.testing.assert_allclose(scores[0], shares, atol=1e-5)
    assert (scores == scores[0]).all()
    assert scores.min() > 0  # never quite zero: the log loss stays finite
    np.testing.assert_allclose(scores.sum(axis=1), 1)


def test_the_regression_baseline_predicts_the_training_mean() -> None:
    train = truth_of("regression", seed=2)

    scores = baseline_scores("regression", train, rows=5, classes=0)

    np.testing.assert_allclose(scores, np.full(5, train.mean()))


@pytest.mark.parametrize("task", TASKS)
def test_a_model_that_learnt_something_beats_the_baseline_on_the_default_metric(
    task: Task,
) -> None:
    truth = truth_of(task)
    metric = DEFAULT_METRIC[task]
    baseline = baseline_scores(task, truth_of(task, seed=3), ROWS, CLASSES[task])

    learnt = evaluate(task, truth, scores_of(task, truth, 0.5), 0.5)[metric]
    nothing = evaluate(task, truth, baseline, 0.5)[metric]

    assert is_better(metric, learnt, nothing)
    if task == "binary":
        assert nothing == 0.5  # one score for every row ranks nothing
