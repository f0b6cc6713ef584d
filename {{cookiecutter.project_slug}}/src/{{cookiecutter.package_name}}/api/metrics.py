"""Prometheus metrics of one app, and the middleware that times every request."""

import os
import time
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..contract import TARGET
from ..drift_bins import PREDICTION
from ..outputs import HISTOGRAM_BUCKETS, Predictions, counted
from ..schema import TASK

# Serving is fast: most requests should land in the sub-millisecond buckets.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)


class ServiceMetrics:
    """The collectors, in a registry of their own so that each app (and test) is apart.

    With several workers (``multiprocess_dir`` set), every worker writes its values to
    files there and ``exposition()`` adds up all workers' files.
    """

    def __init__(self, multiprocess_dir: Path | None = None) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer a request, by route and status.",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.predictions = Counter(
            "predictions_total",
            "Rows scored, by predicted class (all under 'value' for regression).",
            ["model_version", "prediction"],
            registry=self.registry,
        )
        # Of the positive class (binary), of the predicted class (multiclass), or the
        # predicted value itself (regression), in buckets over the target's range.
        self.probability = Histogram(
            "prediction_probability" if TASK != "regression" else "prediction_value",
            (
                f"Predicted {TARGET.name} of scored rows."
                if TASK == "regression"
                else "Probability of the positive (binary) or predicted class."
            ),
            buckets=HISTOGRAM_BUCKETS,
            registry=self.registry,
        )
        self.batch_rows = Histogram(
            "prediction_batch_rows",
            "Rows per scoring request, whichever protocol brought them.",
            buckets=BATCH_BUCKETS,
            registry=self.registry,
        )
        self.model_version = Gauge(
            "model_version",
            "Registry version of the served model; 0 until one is loaded.",
            registry=self.registry,
            # With several workers: one sample per live worker, labelled with its pid.
            multiprocess_mode="liveall",
        )
        self.model_trained = Gauge(
            "model_trained_timestamp_seconds",
            "When the served model was trained, in Unix time.",
            registry=self.registry,
            multiprocess_mode="livemax",
        )
        self.prediction_log_failures = Counter(
            "prediction_log_write_failures",
            "Batches of prediction-log lines that could not be written (a full disk).",
            registry=self.registry,
        )
        # Drift: served rows counted in the bins of the training reference, beside the
        # reference's own shares, so that Prometheus computes each column's PSI over
        # any window (monitoring/rules.yml). Labelled by version: bins move with it.
        self.drift_rows = Counter(
            "drift_rows",
            "Served rows per bin of the training reference, by column "
            f"(the features, and {PREDICTION!r}).",
            ["model_version", "column", "bin"],
            registry=self.registry,
        )
        self.drift_reference = Gauge(
            "drift_reference_share",
            "Share of the training reference in each bin, by column.",
            ["model_version", "column", "bin"],
            registry=self.registry,
            multiprocess_mode="livemax",
        )

    def exposition(self) -> bytes:
        """The text /metrics answers: this process's values, or all workers' together."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(  # type: ignore[no-untyped-call]
            combined, path=str(self.multiprocess_dir)
        )
        return generate_latest(combined)

    def worker_stopped(self) -> None:
        """Drop this worker's live gauges from the shared files."""
        if self.multiprocess_dir is not None:
            multiprocess.mark_process_dead(  # type: ignore[no-untyped-call]
                os.getpid(), path=str(self.multiprocess_dir)
            )

    def model_loaded(self, version: int, trained_at: datetime) -> None:
        self.model_version.set(version)
        self.model_trained.set(trained_at.timestamp())

    def record_predictions(self, version: int, predictions: Predictions) -> None:
        self.batch_rows.observe(len(predictions))
        for label, count in counted(predictions).items():
            self.predictions.labels(str(version), label).inc(count)
        observed = (
            predictions.labels.astype(np.float64)
            if predictions.probability is None
            else predictions.probability
        )
        observe_all(self.probability, observed)


def observe_all(histogram: Histogram, values: npt.NDArray[np.float64]) -> None:
    """``histogram.observe(value)`` for every value, in one pass.

    A hundred ``observe`` calls cost a 100-row request more than scoring it. This adds
    to prometheus-client's own per-bucket counters (``_buckets`` and ``_sum``, which its
    ``observe`` uses); a test holds the result equal to observing one value at a time.
    """
    bounds = histogram._upper_bounds
    # observe() counts a value in the first bucket whose upper bound is >= the value.
    counts = np.bincount(np.searchsorted(bounds, values), minlength=len(bounds))
    histogram._sum.inc(float(values.sum()))
    for bucket, count in zip(histogram._buckets, counts.tolist(), strict=False):
        if count:
            bucket.inc(count)


class TimingMiddleware:
    """Observe each HTTP request's duration under its route template and status."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            self.metrics.latency.labels(
                getattr(route, "path", "unmatched"), scope["method"], str(status)
            ).observe(time.perf_counter() - started)
