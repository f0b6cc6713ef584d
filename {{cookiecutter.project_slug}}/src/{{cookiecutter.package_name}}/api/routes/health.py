"""Liveness probe."""

from fastapi import APIRouter

from ... import __version__
from ..schemas import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> HealthResponse:
    """Answer 200 while the process runs; it does not look at the model."""
    return HealthResponse(version=__version__)
