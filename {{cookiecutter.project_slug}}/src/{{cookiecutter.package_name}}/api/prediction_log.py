"""One JSON line per /predict request, written by a background thread."""

import json
import logging
import logging.handlers
import queue
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..config import Settings
from ..logs import rotating_file


class PredictionLog:
    """Writes to a size-rotated JSONL file off the request path (a queue and a thread).

    Nothing is written, and no file opened, until ``start()``.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sample_rows = settings.prediction_log_sample_rows
        self._listener: logging.handlers.QueueListener | None = None
        self._logger = logging.getLogger(f"{__name__}.{id(self)}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        self._logger.disabled = True

    def start(self) -> None:
        """Open the file and start the writer thread (when a path is configured)."""
        settings = self.settings
        if settings.prediction_log_path is None or self._listener is not None:
            return
        file_handler = rotating_file(
            settings.prediction_log_path,
            settings.prediction_log_max_bytes,
            settings.prediction_log_backup_count,
        )
        records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        self._logger.addHandler(logging.handlers.QueueHandler(records))
        self._listener = logging.handlers.QueueListener(records, file_handler)
        self._listener.start()
        self._logger.disabled = False

    def write(
        self,
        *,
        model_version: int,
        latency_ms: float,
        inputs: Sequence[Mapping[str, Any]],
        classes: Sequence[int],
        probability: Sequence[float],
    ) -> None:
        if self._logger.disabled:
            return
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "model_version": model_version,
            "latency_ms": round(latency_ms, 3),
            "rows": len(classes),
            "predictions": list(classes),
            "probabilities": [round(p, 6) for p in probability],
            "inputs": list(inputs[: self.sample_rows]),
        }
        self._logger.info(json.dumps(entry, ensure_ascii=False))

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        if self._listener is not None:
            self._logger.disabled = True
            self._listener.stop()
            self._listener = None
