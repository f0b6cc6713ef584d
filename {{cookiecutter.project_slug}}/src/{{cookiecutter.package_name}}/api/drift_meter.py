"""Served rows counted into the bins of the champion's training reference.

The counts and the reference's shares are Prometheus metrics; the recording rules in
``monitoring/rules.yml`` turn them into each column's PSI over a window. The rows are
the ones the prediction log keeps (the first ``prediction_log_sample_rows`` inputs of
each request, and every prediction), so the PSI is the one the ``drift`` command
computes from that log.
"""

import logging
import threading
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..drift_bins import PREDICTION, bin_counts, reference_bins, value_edges
from ..outputs import Predictions, counted
from ..schema import CATEGORICAL
from .metrics import ServiceMetrics

logger = logging.getLogger(__name__)

# Requests are queued, and a thread counts what has queued this often (and /metrics
# before it answers): counting on the request would cost it more than its metrics do.
COUNT_INTERVAL_S = 1.0

Served = tuple[int, Sequence[Mapping[str, Any]], Predictions]


class DriftMeter:
    """Counts the rows of each scored request in the reference's bins, by version."""

    def __init__(self, metrics: ServiceMetrics, sample_rows: int) -> None:
        self.metrics = metrics
        self.sample_rows = sample_rows
        self._queue: deque[Served] = deque()
        self._lock = threading.Lock()
        self._version: int | None = None  # the version whose reference is loaded
        self._edges: dict[str, list[float]] = {}  # of the columns counted by value
        self._columns: set[str] = set()
        self._stop = threading.Event()
        self._counter: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread that counts the queue."""
        if self._counter is None:
            self._stop.clear()
            self._counter = threading.Thread(
                target=self._count_until_stopped, name="drift-meter", daemon=True
            )
            self._counter.start()

    def close(self) -> None:
        """Count what is queued, and stop the thread."""
        if self._counter is not None:
            self._stop.set()
            self._counter.join()
            self._counter = None
        self.count()

    def load(self, version: int, reference: dict[str, Any] | None) -> None:
        """Count in ``version``'s bins from now on (in none without a reference)."""
        with self._lock:
            self._count_queued()
            self._version = None if reference is None else version
            if reference is None:
                return
            self._edges = value_edges(reference)
            bins_of = reference_bins(reference)
            self._columns = set(bins_of)
            label = str(version)
            for column, bins in bins_of.items():
                for name, share in bins.items():
                    self.metrics.drift_reference.labels(label, column, name).set(share)
                    # Every bin is exported from the start, at 0 until a row lands in
                    # it: an empty bin counts in the PSI as much as a full one.
                    self.metrics.drift_rows.labels(label, column, name)

    def observe(
        self, version: int, rows: Sequence[Mapping[str, Any]], predictions: Predictions
    ) -> None:
        """Queue one request's rows (the sample the log keeps) and predictions."""
        # deque.append is atomic: no lock on the request.
        self._queue.append((version, rows[: self.sample_rows], predictions))

    def count(self) -> None:
        """Count every queued request now."""
        with self._lock:
            self._count_queued()

    def _count_until_stopped(self) -> None:
        while not self._stop.wait(COUNT_INTERVAL_S):
            try:
                self.count()
            except Exception:  # a bad row must not stop the counting for good
                logger.exception("drift meter: could not count served rows")

    def _count_queued(self) -> None:
        served = []
        while self._queue:
            served.append(self._queue.popleft())
        # Rows scored by another version than the loaded reference's (around a reload)
        # have no bins to count in.
        served = [entry for entry in served if entry[0] == self._version]
        if not served:  # nothing queued, or no reference loaded
            return
        rows = [row for _, request_rows, _ in served for row in request_rows]
        labels = np.concatenate([predictions.labels for _, _, predictions in served])
        counts: dict[str, dict[str, int]] = {}
        for column, edges in self._edges.items():
            values = (
                labels.astype(np.float64)
                if column == PREDICTION
                else np.array([row.get(column) for row in rows], dtype=np.float64)
            )
            counts[column] = {
                str(i): n for i, n in enumerate(bin_counts(values, edges))
            }
        for column in CATEGORICAL:
            present = (row.get(column) for row in rows)
            counts[column] = Counter(str(v) for v in present if v is not None)
        if PREDICTION in self._columns and PREDICTION not in counts:
            classes: Counter[str] = Counter()
            for _, _, predictions in served:  # by label as text, as the metrics count
                classes.update(counted(predictions))
            counts[PREDICTION] = classes
        version = str(self._version)
        for column, by_bin in counts.items():
            for name, count in by_bin.items():
                if count:
                    self.metrics.drift_rows.labels(version, column, name).inc(count)
