"""Scoring validated rows, whichever protocol brought them: counted and logged alike."""

import time
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from pydantic import TypeAdapter
from starlette.requests import ClientDisconnect

from ..champion import LoadedModel
from ..outputs import Predictions, interpret
from .schemas import instance_type

Rows = TypeAdapter[list[dict[str, Any]]]
# The client gave up (a timeout, say): nobody is left to answer, and it is not a server
# error. 499 is the usual code for it in access logs and metrics.
CLIENT_CLOSED_REQUEST = 499


async def read_body(request: Request) -> bytes | Response:
    """The request's body, or the 499 to answer when the client hung up first."""
    try:
        return await request.body()
    except ClientDisconnect:
        return Response(status_code=CLIENT_CLOSED_REQUEST)


def rows_adapter() -> Rows:
    """Holds a list of rows to the contract, exactly as /predict holds its instances."""
    instance: Any = instance_type()
    return TypeAdapter(list[instance])


def score(
    request: Request,
    model: LoadedModel,
    records: Sequence[Mapping[str, Any]],
    started: float,
) -> Predictions:
    """The champion's predictions of ``records`` (rows already held to the contract),
    counted in the metrics and written to the prediction log."""
    app = request.app
    predictions = interpret(
        model.scorer.from_records(records), app.state.settings.decision_threshold
    )
    app.state.metrics.record_predictions(model.version, predictions)
    app.state.drift_meter.observe(model.version, records, predictions)
    app.state.prediction_log.write(
        model_version=model.version,
        latency_ms=(time.perf_counter() - started) * 1000,
        inputs=records,
        predictions=predictions,
    )
    return predictions
