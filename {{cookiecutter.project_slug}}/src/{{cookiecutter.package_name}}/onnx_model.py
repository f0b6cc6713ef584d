"""The fitted pipeline converted to ONNX: the same scores, far less time per row.

scikit-learn spends about 3 ms validating a one-row DataFrame; onnxruntime scores the
same pipeline in tens of microseconds. Training converts and checks parity; serving
loads the bytes with onnxruntime alone. A classifier's model answers one probability
per class (in the contract's order), a regressor's one value per row.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .columns import Categorical
from .contract import FEATURES, TARGET

# The server imports this module: it must not pay for pandas or sklearn.
if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

Feeds = dict[str, npt.NDArray[Any]]
Scores = npt.NDArray[np.float64]
# Where training logs the ONNX file in the run, and where serving looks for it.
ARTIFACT = "serving/model.onnx"
OUTPUT = "probabilities" if TARGET.is_classification else "variable"
# onnxmltools writes LightGBM and XGBoost trees in version 3 of the ML operators.
ML_OPSET = 3
MISSING_CATEGORY = ""  # what a missing category is fed as: one-hot all zeros


def convert(pipeline: "Pipeline") -> bytes | None:
    """ONNX bytes of the pipeline, or None when its estimator cannot be converted."""
    from skl2onnx import convert_sklearn  # training only
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    from .onnx_converters import register_converters

    register_converters()
    inputs = [
        (
            feature.name,
            (
                StringTensorType([None, 1])
                if isinstance(feature, Categorical)
                else FloatTensorType([None, 1])
            ),
        )
        for feature in FEATURES
    ]
    estimator = pipeline.steps[-1][1]
    # Plain probability tensors, not a list of {class: probability} maps.
    options = {id(estimator): {"zipmap": False}} if TARGET.is_classification else None
    try:
        model = convert_sklearn(
            pipeline,
            initial_types=inputs,
            options=options,
            target_opset={"": _main_opset(), "ai.onnx.ml": ML_OPSET},
        )
    except (RuntimeError, NotImplementedError, ValueError, TypeError) as error:
        logger.warning(
            "ONNX conversion of %s failed, serving will use scikit-learn: %s",
            type(estimator).__name__,
            error,
        )
        return None
    serialized: bytes = model.SerializeToString()
    return serialized


def _main_opset() -> int:
    from skl2onnx import get_latest_tested_opset_version

    return int(get_latest_tested_opset_version())


def feeds_from_frame(frame: "pd.DataFrame") -> Feeds:
    """One (rows, 1) array per feature: float32 numbers (NaN when missing), strings."""
    feeds: Feeds = {}
    for feature in FEATURES:
        column = frame[feature.name]
        if isinstance(feature, Categorical):
            if feature.nullable:
                column = column.astype(object).where(column.notna(), MISSING_CATEGORY)
            feeds[feature.name] = column.to_numpy(dtype=object).reshape(-1, 1)
        else:
            feeds[feature.name] = column.to_numpy(
                dtype=np.float32, na_value=np.nan
            ).reshape(-1, 1)
    return feeds


def feeds_from_records(records: Sequence[Mapping[str, Any]]) -> Feeds:
    """Like ``feeds_from_frame`` for a list of validated rows, without building a DataFrame."""
    feeds: Feeds = {}
    for feature in FEATURES:
        values = [record[feature.name] for record in records]
        if isinstance(feature, Categorical):
            if feature.nullable:
                values = [MISSING_CATEGORY if v is None else v for v in values]
            feeds[feature.name] = np.array(values, dtype=object).reshape(-1, 1)
        else:
            feeds[feature.name] = np.array(
                [np.nan if value is None else value for value in values],
                dtype=np.float32,
            ).reshape(-1, 1)
    return feeds


class OnnxScorer:
    """Scores from ONNX bytes, through onnxruntime: class probabilities or values."""

    def __init__(self, model: bytes) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread per request is fastest for small batches; workers give parallelism.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
        )
        # skl2onnx renames inputs whose names are not identifiers ("mean radius" is
        # mean_radius); they keep the features' order.
        self.inputs = [node.name for node in self.session.get_inputs()]

    def scores(self, feeds: Feeds) -> Scores:
        named = dict(zip(self.inputs, feeds.values(), strict=True))
        output = self.session.run([OUTPUT], named)[0]
        if TARGET.is_classification:
            return np.asarray(output, dtype=np.float64)
        return np.asarray(output, dtype=np.float64).reshape(-1)

    def from_records(self, records: Sequence[Mapping[str, Any]]) -> Scores:
        return self.scores(feeds_from_records(records))

    def from_frame(self, frame: "pd.DataFrame") -> Scores:
        return self.scores(feeds_from_frame(frame))


def pipeline_scores(pipeline: "Pipeline", frame: "pd.DataFrame") -> Scores:
    """The fitted pipeline's own scores: probabilities per class, or values."""
    if TARGET.is_classification:
        return np.asarray(pipeline.predict_proba(frame), dtype=np.float64)
    return np.asarray(pipeline.predict(frame), dtype=np.float64).reshape(-1)


def max_difference(model: bytes, pipeline: "Pipeline", frame: "pd.DataFrame") -> float:
    """The largest gap between ONNX and scikit-learn scores on ``frame``.

    Probabilities are compared as they are; values relative to the largest of them, so
    that a target near 150 (float32 keeps about 7 digits) is held to the same standard
    as one near 1.
    """
    onnx = OnnxScorer(model).from_frame(frame)
    reference = pipeline_scores(pipeline, frame)
    gap = float(np.max(np.abs(onnx - reference), initial=0.0))
    if TARGET.is_classification:
        return gap
    return gap / max(float(np.max(np.abs(reference), initial=0.0)), 1.0)
