"""GET /metrics in Prometheus' text format."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Request latency by route and status, predictions by class, probabilities, batch
    sizes, the served version and when it was trained, rows per drift bin.

    With several workers the numbers add up all of them, whichever one answers.
    """
    state = request.app.state
    state.drift_meter.count()  # what is queued, so that a scrape sees every request
    return Response(state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)
