"""Operations: reload the champion now, instead of waiting for the next poll.

They need the API key, and are off while none is configured.
"""

import asyncio

from fastapi import APIRouter

from ..deps import HolderDep, served_model
from ..schemas import ReadyResponse

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post(
    "/reload",
    responses={
        401: {"description": "X-API-Key missing or wrong"},
        403: {"description": "No API key configured: admin routes are off"},
        503: {"description": "No model could be loaded"},
    },
)
async def reload(holder: HolderDep) -> ReadyResponse:
    """Load the champion if its alias moved; answer with what is served afterwards."""
    await asyncio.to_thread(holder.reload)
    model = served_model(holder)
    return ReadyResponse(model_name=model.name, model_version=model.version)
