"""The model being served, loaded from the registry and swapped whole on reload."""

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from ..config import Settings
from ..contract import FEATURE_NAMES
from ..errors import NoChampionError
from ..onnx_model import ARTIFACT as ONNX_ARTIFACT
from ..onnx_model import OnnxScorer, feeds_from_records
from ..tracking import Version
from .registry_rest import RestRegistry, can_serve_from

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

Records = Sequence[Mapping[str, Any]]


class ServingRegistry(Protocol):
    """What serving reads from the registry: ``registry.Registry`` or ``RestRegistry``."""

    def require_champion(self) -> Version: ...
    def download(self, version: Version, artifact_path: str) -> bytes | None: ...
    def run_summary(self, version: Version) -> tuple[dict[str, float], datetime]: ...
    def load(self, version: Version) -> "Pipeline": ...


def serving_registry(settings: Settings) -> ServingRegistry:
    """A tracking server is read over REST, so that MLflow is never imported; any other
    store (the local sqlite file, say) through the MLflow client."""
    if can_serve_from(settings):
        logger.info("reading the registry over MLflow's REST API, without MLflow")
        return RestRegistry(settings)
    from ..registry import Registry

    return Registry(settings)


@dataclass(frozen=True)
class LoadedModel:
    """One champion version, ready to score validated rows."""

    name: str
    version: int
    run_id: str
    backend: Literal["onnx", "sklearn"]
    metrics: dict[str, float]
    trained_at: datetime
    probability: Callable[[Records], npt.NDArray[np.float64]]


def load_version(registry: ServingRegistry, version: Version) -> LoadedModel:
    """Load a version for serving: its ONNX file when training made one, else the pipeline."""
    onnx = registry.download(version, ONNX_ARTIFACT)
    probability: Callable[[Records], npt.NDArray[np.float64]]
    if onnx is not None:
        scorer = OnnxScorer(onnx)

        def probability(records: Records) -> npt.NDArray[np.float64]:
            return scorer.probability(feeds_from_records(records))

        backend: Literal["onnx", "sklearn"] = "onnx"
    else:
        import pandas as pd  # only this fallback needs it

        pipeline = registry.load(version)

        def probability(records: Records) -> npt.NDArray[np.float64]:
            frame = pd.DataFrame.from_records(
                list(records), columns=list(FEATURE_NAMES)
            )
            return np.asarray(pipeline.predict_proba(frame)[:, 1], dtype=np.float64)

        backend = "sklearn"
    metrics, trained_at = registry.run_summary(version)
    logger.info("serving %s version %d with %s", version.name, version.number, backend)
    return LoadedModel(
        version.name,
        version.number,
        version.run_id,
        backend,
        metrics,
        trained_at,
        probability,
    )


class ModelHolder:
    """Holds the served model. A reload builds the new model aside, then swaps it in one
    assignment, so every request is scored by one whole model, old or new."""

    def __init__(
        self,
        settings: Settings,
        on_load: Callable[[LoadedModel], None] = lambda model: None,
    ) -> None:
        self.settings = settings
        self.on_load = on_load
        self.model: LoadedModel | None = None
        self.last_error: str | None = None
        self.no_champion = False  # the last failure was "nothing to serve yet"
        self._registry: ServingRegistry | None = None
        self._lock = threading.Lock()  # one reload at a time

    @property
    def registry(self) -> ServingRegistry:
        if self._registry is None:
            self._registry = serving_registry(self.settings)
        return self._registry

    def reload(self) -> bool:
        """Load the champion if it changed; return True when a new model was swapped in.

        Any failure (no champion yet, the tracking server down) keeps the current model
        serving and is kept in ``last_error`` for /ready to report.
        """
        with self._lock:
            try:
                champion = self.registry.require_champion()
                if self.model is not None and self.model.version == champion.number:
                    self.last_error = None
                    return False
                self.model = load_version(self.registry, champion)
                self.on_load(self.model)
            # Whatever went wrong, the model already loaded (if any) keeps serving.
            except Exception as error:
                self.last_error = str(error)
                self.no_champion = isinstance(error, NoChampionError)
                logger.warning("could not load the champion: %s", error)
                return False
            self.last_error = None
            return True
