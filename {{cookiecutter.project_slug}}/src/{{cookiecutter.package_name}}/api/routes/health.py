"""Liveness and readiness probes: open to all, cheap, and honest."""

from fastapi import APIRouter, HTTPException, status

from ... import __version__
from ..deps import HolderDep
from ..schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> HealthResponse:
    """200 while the process runs; it does not look at the model (liveness)."""
    return HealthResponse(version=__version__)


@router.get(
    "/ready",
    responses={503: {"description": "No model loaded yet, and why"}},
)
async def ready(holder: HolderDep) -> ReadyResponse:
    """200 with the model version once one is loaded, else 503 with the remedy."""
    model = holder.model
    if model is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"no model loaded: {holder.last_error or 'still loading'}",
        )
    return ReadyResponse(model_name=model.name, model_version=model.version)
