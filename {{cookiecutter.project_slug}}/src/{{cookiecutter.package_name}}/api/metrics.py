"""Prometheus metrics of one app, and the middleware that times every request."""

import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Serving is fast: most requests should land in the sub-millisecond buckets.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class ServiceMetrics:
    """The collectors, in a registry of their own so that each app (and test) is apart."""

    def __init__(self) -> None:
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
            "Rows scored, by predicted class.",
            ["model_version", "prediction"],
            registry=self.registry,
        )
        self.probability = Histogram(
            "prediction_probability",
            "Churn probability of scored rows.",
            buckets=tuple(np.round(np.linspace(0.1, 1.0, 10), 1)),
            registry=self.registry,
        )
        self.model_version = Gauge(
            "model_version",
            "Registry version of the served model.",
            registry=self.registry,
        )

    def record_predictions(
        self, version: int, classes: Sequence[int], probability: npt.NDArray[np.float64]
    ) -> None:
        positives = int(sum(classes))
        if positives:
            self.predictions.labels(str(version), "1").inc(positives)
        if len(classes) - positives:
            self.predictions.labels(str(version), "0").inc(len(classes) - positives)
        for value in probability:
            self.probability.observe(float(value))


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
