"""The model being served, loaded from the registry and swapped whole on reload."""

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..champion import LoadedModel, ScoringRegistry, load_version, scoring_registry
from ..config import Settings
from ..drift_bins import REFERENCE_STATISTICS
from ..errors import NoChampionError
from ..tracking import Version

logger = logging.getLogger(__name__)


class ModelHolder:
    """Holds the served model. A reload builds the new model aside, then swaps it in one
    assignment, so every request is scored by one whole model, old or new."""

    def __init__(
        self,
        settings: Settings,
        on_load: Callable[[LoadedModel, dict[str, Any] | None], None] = (
            lambda model, reference: None
        ),
    ) -> None:
        self.settings = settings
        self.on_load = on_load
        self.model: LoadedModel | None = None
        self.last_error: str | None = None
        self.no_champion = False  # the last failure was "nothing to serve yet"
        self._registry: ScoringRegistry | None = None
        self._lock = threading.Lock()  # one reload at a time

    @property
    def registry(self) -> ScoringRegistry:
        if self._registry is None:
            self._registry = scoring_registry(self.settings)
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
                model = load_version(self.registry, champion)
                self.on_load(model, self.reference(champion))
                self.model = model
            # Whatever went wrong, the model already loaded (if any) keeps serving.
            except Exception as error:
                self.last_error = str(error)
                self.no_champion = isinstance(error, NoChampionError)
                logger.warning("could not load the champion: %s", error)
                return False
            self.last_error = None
            return True

    def reference(self, champion: Version) -> dict[str, Any] | None:
        """The training reference drift is measured against, or None: runs from before
        it was logged have none, and failing to read it must not keep a model out."""
        try:
            document = self.registry.download(champion, REFERENCE_STATISTICS)
            return None if document is None else dict(json.loads(document))
        except Exception as error:
            logger.warning("no drift metrics: could not read the reference: %s", error)
            return None
