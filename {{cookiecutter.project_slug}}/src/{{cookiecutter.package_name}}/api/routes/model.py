"""What is being served."""

from fastapi import APIRouter

from ...schema import describe
from ..deps import ModelDep
from ..schemas import ModelInfo

router = APIRouter(tags=["model"])


@router.get("/model", responses={503: {"description": "No model loaded"}})
async def model_info(model: ModelDep) -> ModelInfo:
    """Name, version, run, metrics, training time, backend and the input contract."""
    return ModelInfo(
        name=model.name,
        version=model.version,
        run_id=model.run_id,
        backend=model.backend,
        metrics=model.metrics,
        trained_at=model.trained_at,
        input_schema=describe(),
    )
