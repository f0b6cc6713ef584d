"""The champion as the API and batch scoring load it: ONNX first, else the pipeline."""

import pickle

import numpy as np

from {{ cookiecutter.package_name }}.champion import (
    fetch,
    load_version,
    scoring_registry,
)
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.onnx_model import pipeline_scores
from {{ cookiecutter.package_name }}.train import train

from .contract_cases import features, records, sample


def test_a_version_without_onnx_scores_with_its_pipeline(settings: Settings) -> None:
    # No ONNX conversion can match this closely: training keeps the pipeline only.
    strict = settings.model_copy(update={"onnx_tolerance": 1e-300})
    assert train(strict).serving_backend == "sklearn"
    registry = scoring_registry(strict)
    version = registry.require_champion()
    rows = sample(rows=40, seed=3)

    model = load_version(registry, version)
    # What a Dask client ships to its workers survives pickling whole.
    shipped = pickle.loads(pickle.dumps(fetch(registry, version)))  # noqa: S301

    assert model.backend == shipped.backend == "sklearn"
    expected = pipeline_scores(registry.load(version), features(rows))
    for scores in (
        model.scorer.from_frame(rows),
        model.scorer.from_records(records(rows)),
        shipped.scorer().from_frame(rows),
    ):
        np.testing.assert_array_equal(scores, expected)


def test_onnx_scores_records_and_frames_alike(trained: Settings) -> None:
    registry = scoring_registry(trained)
    model = load_version(registry, registry.require_champion())
    rows = sample(rows=40, seed=3)

    assert model.backend == "onnx"
    np.testing.assert_array_equal(
        model.scorer.from_frame(rows), model.scorer.from_records(records(rows))
    )
