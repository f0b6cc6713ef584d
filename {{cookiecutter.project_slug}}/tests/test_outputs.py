"""What a prediction is for the contract's task: labels, probabilities, or values."""

import json

import numpy as np
import pytest

from {{ cookiecutter.package_name }}.contract import TARGET
from {{ cookiecutter.package_name }}.onnx_model import Scores
from {{ cookiecutter.package_name }}.outputs import (
    HISTOGRAM_BUCKETS,
    OUTPUT_COLUMNS,
    PROBABILITY_COLUMNS,
    columns,
    counted,
    interpret,
    label_kind,
    rows,
)
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    TASK,
)

ROWS = 50


def scores(seed: int = 0) -> Scores:
    """Scores as a scorer gives them for the task: probabilities per class, or values."""
    rng = np.random.default_rng(seed)
    if TASK == "regression":
        low, high = float(TARGET.minimum or 0), float(TARGET.maximum or 1)
        return rng.uniform(low, high, ROWS)
    return rng.dirichlet(np.ones(len(CLASSES)), ROWS)


def test_the_batch_columns_follow_the_task() -> None:
    expected = {
        "binary": ("prediction", "probability"),
        "multiclass": (
            "prediction",
            "probability",
            *(f"probability_{label}" for label in CLASSES),
        ),
        "regression": ("prediction",),
    }[TASK]

    assert expected == OUTPUT_COLUMNS
    assert tuple(columns(interpret(scores(), 0.5))) == OUTPUT_COLUMNS


def test_labels_are_the_contracts_classes_or_values() -> None:
    given = scores()

    predicted = interpret(given, 0.5)

    assert len(predicted) == ROWS
    if TASK == "regression":
        np.testing.assert_array_equal(predicted.labels, given)
        assert predicted.probability is None
        return
    assert predicted.probability is not None
    if TASK == "binary":
        # The second class is the positive one: its probability, cut at the threshold.
        np.testing.assert_array_equal(predicted.probability, given[:, 1])
        expected = [CLASSES[1] if p >= 0.5 else CLASSES[0] for p in given[:, 1]]
        assert predicted.probabilities is None
        # The threshold moves rows to the positive class, and nothing else.
        low = interpret(given, 0.1)
        assert (low.labels == CLASSES[1]).sum() == (given[:, 1] >= 0.1).sum()
        assert (low.labels == CLASSES[1]).sum() > (predicted.labels == CLASSES[1]).sum()
        np.testing.assert_array_equal(low.probability, predicted.probability)
    else:
        np.testing.assert_array_equal(predicted.probability, given.max(axis=1))
        expected = [CLASSES[i] for i in given.argmax(axis=1)]
        assert predicted.probabilities is not None
        np.testing.assert_array_equal(predicted.probabilities, given)
    assert predicted.labels.tolist() == expected
    assert all(type(label) is label_kind() for label in predicted.labels.tolist())


def test_each_row_is_a_json_object_of_the_task() -> None:
    predicted = interpret(scores(), 0.5)

    answered = json.loads(json.dumps(rows(predicted)))

    assert len(answered) == ROWS
    keys = {
        "binary": {"prediction", "probability"},
        "multiclass": {"prediction", "probability", "probabilities"},
        "regression": {"prediction"},
    }[TASK]
    for row, label in zip(answered, predicted.labels.tolist(), strict=True):
        assert set(row) == keys
        assert row["prediction"] == label
        if TASK == "multiclass":
            assert list(row["probabilities"]) == [str(c) for c in CLASSES]
            assert sum(row["probabilities"].values()) == pytest.approx(1)
            assert row["probability"] == max(row["probabilities"].values())


def test_counts_are_by_label_and_add_up() -> None:
    predicted = interpret(scores(), 0.5)

    counts = counted(predicted)

    assert sum(counts.values()) == ROWS
    if TASK == "regression":
        assert counts == {"value": ROWS}
    else:
        assert set(counts) <= {str(c) for c in CLASSES}
        assert len(counts) > 1


def test_histogram_buckets_cover_what_is_predicted() -> None:
    assert list(HISTOGRAM_BUCKETS) == sorted(set(HISTOGRAM_BUCKETS))
    if TASK == "regression":
        assert HISTOGRAM_BUCKETS[0] == TARGET.minimum
        assert HISTOGRAM_BUCKETS[-1] == TARGET.maximum
    else:
        assert HISTOGRAM_BUCKETS[-1] == 1.0
    assert {c: f"probability_{c}" for c in CLASSES} == PROBABILITY_COLUMNS
