"""The Open Inference Protocol (KServe V2) REST routes, on the same champion as /predict.

Clients written for KServe, MLServer or Triton (``tritonclient.http`` among them) call
these unchanged. Errors come in the protocol's form, ``{"error": "..."}``; a bad body is
a 400 naming what is wrong.
"""

import time
from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from pydantic_core import to_json

from ... import PROJECT_NAME, __version__
from ...champion import LoadedModel
from ..deps import HolderDep, served_model
from ..open_inference import (
    EXTENSIONS,
    HEADER_LENGTH,
    ProtocolError,
    contract_error,
    decode,
    encode,
    model_metadata,
)
from ..scoring import read_body, score

# Health and the server's metadata are open to all, like /health and /ready.
health_router = APIRouter(prefix="/v2", tags=["open inference (KServe V2)"])
router = APIRouter(prefix="/v2", tags=["open inference (KServe V2)"])
INFER_PATHS = ("/v2/models/{name}/infer", "/v2/models/{name}/versions/{version}/infer")
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Not an inference request, or rows breaking the contract"},
    404: {"description": "No such model, or not the version served"},
    503: {"description": "No model loaded"},
}


def model_for(request: Request, name: str, version: str | None) -> LoadedModel:
    """The champion, when the path names it (and its version, if given)."""
    model = served_model(request.app.state.models)
    if name != model.name:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"no model {name!r}: this server serves {model.name!r}",
        )
    if version is not None and version != str(model.version):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail=f"{name!r} version {version!r} is not served: the champion is "
            f"version {model.version}",
        )
    return model


async def infer(request: Request, name: str, version: str | None) -> Response:
    started = time.perf_counter()
    model = model_for(request, name, version)
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        inference = decode(
            body,
            request.headers.get(HEADER_LENGTH),
            request.app.state.settings.api_max_batch,
        )
        try:
            records = request.app.state.rows.validate_python(inference.records)
        except ValidationError as error:
            raise contract_error(error) from None
    except ProtocolError as error:
        return JSONResponse({"error": str(error)}, status.HTTP_400_BAD_REQUEST)
    predictions = score(request, model, records, started)
    answer, binary = encode(inference, predictions, model.name, model.version)
    header = to_json(answer)
    if not binary:
        return Response(header, media_type="application/json")
    return Response(
        header + binary,
        media_type="application/octet-stream",
        headers={"Inference-Header-Content-Length": str(len(header))},
    )


@router.post("/models/{name}/infer", responses=ERRORS)
async def model_infer(request: Request, name: str) -> Response:
    """Score the rows of one tensor per contract column with the champion."""
    return await infer(request, name, None)


@router.post("/models/{name}/versions/{version}/infer", responses=ERRORS)
async def version_infer(request: Request, name: str, version: str) -> Response:
    """Score with the champion when it is this version."""
    return await infer(request, name, version)


@router.get("/models/{name}", responses=ERRORS)
async def model_info(request: Request, name: str) -> JSONResponse:
    """The model's input tensors (one per contract column) and output tensors."""
    model = model_for(request, name, None)
    return JSONResponse(model_metadata(model.name, model.version, model.backend))


@router.get("/models/{name}/versions/{version}", responses=ERRORS)
async def version_info(request: Request, name: str, version: str) -> JSONResponse:
    model = model_for(request, name, version)
    return JSONResponse(model_metadata(model.name, model.version, model.backend))


@router.get("/models/{name}/ready", responses=ERRORS)
async def model_ready(request: Request, name: str) -> dict[str, object]:
    model = model_for(request, name, None)
    return {"name": model.name, "ready": True}


@router.get("/models/{name}/versions/{version}/ready", responses=ERRORS)
async def version_ready(request: Request, name: str, version: str) -> dict[str, object]:
    model = model_for(request, name, version)
    return {"name": model.name, "ready": True}


@health_router.get("")
async def server_metadata() -> dict[str, object]:
    """The server's name, version and protocol extensions."""
    return {"name": PROJECT_NAME, "version": __version__, "extensions": EXTENSIONS}


@health_router.get("/health/live")
async def live() -> dict[str, bool]:
    """200 while the process runs (liveness)."""
    return {"live": True}


@health_router.get("/health/ready", responses={503: ERRORS[503]})
async def ready(holder: HolderDep) -> dict[str, bool]:
    """200 once the champion is loaded, else 503 (readiness)."""
    served_model(holder)
    return {"ready": True}
