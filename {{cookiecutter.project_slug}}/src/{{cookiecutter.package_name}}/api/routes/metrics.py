"""GET /metrics in Prometheus' text format."""

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

router = APIRouter(tags=["metrics"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Request latency by route and status, predictions by class, probabilities, version.

    With several workers the numbers add up all of them, whichever one answers.
    """
    return Response(
        request.app.state.metrics.exposition(), media_type=CONTENT_TYPE_LATEST
    )
