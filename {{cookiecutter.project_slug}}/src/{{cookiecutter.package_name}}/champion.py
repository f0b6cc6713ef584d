"""The champion, ready to score: its ONNX file when training made one, else its pipeline.

The API and batch `predict` load it the same way. A tracking server is read over REST
(``registry_rest``), so neither imports MLflow unless the store needs it.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .config import Settings
from .onnx_model import ARTIFACT as ONNX_ARTIFACT
from .onnx_model import OnnxScorer, Scores, pipeline_scores
from .registry_rest import RestRegistry, can_serve_from
from .schema import FEATURE_NAMES
from .tracking import Version

# Loading the ONNX file must not pay for pandas or scikit-learn.
if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

Records = Sequence[Mapping[str, Any]]
Backend = Literal["onnx", "sklearn"]


class ScoringRegistry(Protocol):
    """What scoring reads from the registry: ``registry.Registry`` or ``RestRegistry``."""

    def require_champion(self) -> Version: ...
    def download(self, version: Version, artifact_path: str) -> bytes | None: ...
    def run_summary(self, version: Version) -> tuple[dict[str, float], datetime]: ...
    def load(self, version: Version) -> "Pipeline": ...


def scoring_registry(settings: Settings) -> ScoringRegistry:
    """A tracking server is read over REST, so that MLflow is never imported; any other
    store (the local sqlite file, say) through the MLflow client."""
    if can_serve_from(settings):
        logger.info("reading the registry over MLflow's REST API, without MLflow")
        return RestRegistry(settings)
    from .registry import Registry

    return Registry(settings)


class Scorer(Protocol):
    """Scores of validated rows: one probability per class and row, or one value."""

    def from_records(self, records: Records) -> Scores: ...
    def from_frame(self, frame: "pd.DataFrame") -> Scores: ...


class PipelineScorer:
    """The scikit-learn pipeline, for a version that has no ONNX file."""

    def __init__(self, pipeline: "Pipeline") -> None:
        self.pipeline = pipeline

    def from_records(self, records: Records) -> Scores:
        import pandas as pd

        frame = pd.DataFrame.from_records(list(records), columns=list(FEATURE_NAMES))
        return self.from_frame(frame)

    def from_frame(self, frame: "pd.DataFrame") -> Scores:
        return pipeline_scores(self.pipeline, frame[list(FEATURE_NAMES)])


@dataclass(frozen=True)
class ModelFiles:
    """What a version needs to score, picklable: a Dask client ships it to each worker,
    which builds its own scorer from it."""

    onnx: bytes | None
    pipeline: "Pipeline | None" = None

    @property
    def backend(self) -> Backend:
        return "onnx" if self.onnx is not None else "sklearn"

    def scorer(self) -> Scorer:
        if self.onnx is not None:
            return OnnxScorer(self.onnx)
        if self.pipeline is None:
            raise ValueError("ModelFiles holds neither ONNX bytes nor a pipeline")
        return PipelineScorer(self.pipeline)


def fetch(registry: ScoringRegistry, version: Version) -> ModelFiles:
    """The version's ONNX file when training made one, else its pipeline (through MLflow)."""
    onnx = registry.download(version, ONNX_ARTIFACT)
    if onnx is not None:
        return ModelFiles(onnx)
    return ModelFiles(None, registry.load(version))


@dataclass(frozen=True)
class LoadedModel:
    """One champion version, ready to score validated rows."""

    name: str
    version: int
    run_id: str
    backend: Backend
    metrics: dict[str, float]
    trained_at: datetime
    scorer: Scorer


def load_version(registry: ScoringRegistry, version: Version) -> LoadedModel:
    """Load a version to score with: its ONNX file when training made one, else the pipeline."""
    files = fetch(registry, version)
    metrics, trained_at = registry.run_summary(version)
    logger.info(
        "loaded %s version %d with %s", version.name, version.number, files.backend
    )
    return LoadedModel(
        version.name,
        version.number,
        version.run_id,
        files.backend,
        metrics,
        trained_at,
        files.scorer(),
    )
