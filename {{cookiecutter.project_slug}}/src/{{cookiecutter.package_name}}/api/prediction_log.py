"""One JSON line per /predict request, written in batches by a background thread."""

import collections
import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from ..config import Settings
from ..logs import rotating_file
from ..outputs import Predictions

logger = logging.getLogger(__name__)

# How often the writer thread empties the queue into the file. Waking a thread for every
# request, as a logging QueueHandler does, cost more than scoring the request.
FLUSH_INTERVAL_S = 0.05


class PredictionLog:
    """Appends to a size-rotated JSONL file off the request path.

    A request only serializes its entry and queues the line; a thread writes whatever has
    queued every ``FLUSH_INTERVAL_S`` and at ``close()``. Nothing is written, and no file
    opened, until ``start()``.
    """

    def __init__(
        self, settings: Settings, on_error: Callable[[], None] = lambda: None
    ) -> None:
        self.settings = settings
        self.on_error = on_error
        self.sample_rows = settings.prediction_log_sample_rows
        self._lines: collections.deque[str] = collections.deque()
        self._file: logging.Handler | None = None
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None

    def start(self) -> None:
        """Open the file and start the writer thread (when a path is configured)."""
        settings = self.settings
        if settings.prediction_log_path is None or self._writer is not None:
            return
        self._file = rotating_file(
            settings.prediction_log_path,
            settings.prediction_log_max_bytes,
            settings.prediction_log_backup_count,
            on_error=self.on_error,
        )
        self._stop.clear()
        self._writer = threading.Thread(
            target=self._write_until_stopped, name="prediction-log", daemon=True
        )
        self._writer.start()

    def write(
        self,
        *,
        model_version: int,
        latency_ms: float,
        inputs: Sequence[Mapping[str, Any]],
        predictions: Predictions,
    ) -> None:
        """Queue one request's line: ``predictions`` (labels, or values) and, for a
        classifier, ``probabilities`` (each row's probability as /predict gave it: of
        the positive class, or of the predicted one)."""
        if self._writer is None:
            return
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "model_version": model_version,
            "latency_ms": round(latency_ms, 3),
            "rows": len(predictions),
            "predictions": predictions.labels.tolist(),
            **(
                {}
                if predictions.probability is None
                else {"probabilities": predictions.probability.round(6).tolist()}
            ),
            "inputs": list(inputs[: self.sample_rows]),
        }
        # deque.append is atomic: no lock, and the writer is not woken.
        self._lines.append(json.dumps(entry, ensure_ascii=False))

    def _write_until_stopped(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S):
            self._flush()
        self._flush()

    def _flush(self) -> None:
        """Write the queued lines as one record, so the file rotates between batches."""
        lines = []
        while self._lines:
            lines.append(self._lines.popleft())
        if lines and self._file is not None:
            # The handler reports its own failures (a full disk), calls on_error, and
            # carries on.
            self._file.handle(logging.makeLogRecord({"msg": "\n".join(lines)}))

    def close(self) -> None:
        """Write what is queued, stop the thread and close the file."""
        if self._writer is None:
            return
        self._stop.set()
        self._writer.join()
        self._writer = None
        if self._file is not None:
            try:
                self._file.close()
            except OSError as error:  # lines it still held: the disk is full, say
                self.on_error()
                logger.warning("prediction log lines lost at close: %s", error)
            self._file = None
