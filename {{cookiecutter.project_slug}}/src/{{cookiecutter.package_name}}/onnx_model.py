"""The fitted pipeline converted to ONNX: the same probabilities, far less time per row.

scikit-learn spends about 3 ms validating a one-row DataFrame; onnxruntime scores the
same pipeline in tens of microseconds. Training converts and checks parity; serving
loads the bytes with onnxruntime alone.
"""

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .contract import FEATURES, Categorical

# The server imports this module: it must not pay for pandas or sklearn.
if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

Feeds = dict[str, npt.NDArray[Any]]
# Where training logs the ONNX file in the run, and where serving looks for it.
ARTIFACT = "serving/model.onnx"


def convert(pipeline: "Pipeline") -> bytes | None:
    """ONNX bytes of the pipeline, or None when skl2onnx cannot convert its estimator."""
    from skl2onnx import convert_sklearn  # training only
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

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
    try:
        model = convert_sklearn(
            pipeline,
            initial_types=inputs,
            # Plain probability tensors, not a list of {class: probability} maps.
            options={id(pipeline.steps[-1][1]): {"zipmap": False}},
        )
    except (RuntimeError, NotImplementedError, ValueError) as error:
        logger.warning(
            "ONNX conversion failed, serving will use scikit-learn: %s", error
        )
        return None
    serialized: bytes = model.SerializeToString()
    return serialized


def feeds_from_frame(frame: "pd.DataFrame") -> Feeds:
    """One (rows, 1) array per feature: float32 numbers (NaN when missing), strings."""
    return {
        feature.name: (
            frame[feature.name].to_numpy(dtype=object).reshape(-1, 1)
            if isinstance(feature, Categorical)
            else frame[feature.name]
            .to_numpy(dtype=np.float32, na_value=np.nan)
            .reshape(-1, 1)
        )
        for feature in FEATURES
    }


def feeds_from_records(records: Sequence[Mapping[str, Any]]) -> Feeds:
    """Like ``feeds_from_frame`` for a list of validated rows, without building a DataFrame."""
    feeds: Feeds = {}
    for feature in FEATURES:
        values = [record[feature.name] for record in records]
        if isinstance(feature, Categorical):
            feeds[feature.name] = np.array(values, dtype=object).reshape(-1, 1)
        else:
            feeds[feature.name] = np.array(
                [np.nan if value is None else value for value in values],
                dtype=np.float32,
            ).reshape(-1, 1)
    return feeds


class OnnxScorer:
    """Churn probabilities from ONNX bytes, through onnxruntime."""

    def __init__(self, model: bytes) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # One thread per request is fastest for small batches; workers give parallelism.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
        )

    def probability(self, feeds: Feeds) -> npt.NDArray[np.float64]:
        probabilities = self.session.run(["probabilities"], feeds)[0]
        return np.asarray(probabilities[:, 1], dtype=np.float64)

    def from_records(
        self, records: Sequence[Mapping[str, Any]]
    ) -> npt.NDArray[np.float64]:
        return self.probability(feeds_from_records(records))

    def from_frame(self, frame: "pd.DataFrame") -> npt.NDArray[np.float64]:
        return self.probability(feeds_from_frame(frame))


def max_difference(model: bytes, pipeline: "Pipeline", frame: "pd.DataFrame") -> float:
    """The largest gap between ONNX and scikit-learn probabilities on ``frame``."""
    onnx = OnnxScorer(model).probability(feeds_from_frame(frame))
    reference = pipeline.predict_proba(frame)[:, 1]
    return float(np.max(np.abs(onnx - reference)))
