"""POST /invocations: MLflow's scoring protocol, so that clients written against
``mlflow models serve`` switch to this service without a change."""

import time

from fastapi import APIRouter, Request, Response, status
from pydantic import ValidationError
from pydantic_core import to_json

from ..deps import ModelDep
from ..error_forms import mlflow_error
from ..mlflow_protocol import (
    BadRequestError,
    UnsupportedMediaTypeError,
    contract_error,
    decode,
    model_predictions,
)
from ..scoring import read_body, score

router = APIRouter(tags=["mlflow"])


@router.post(
    "/invocations",
    responses={
        400: {
            "description": "Not one of MLflow's input forms, or rows breaking the contract"
        },
        401: {"description": "API key missing or wrong"},
        415: {"description": "Neither JSON nor CSV"},
        503: {"description": "No model loaded"},
    },
)
async def invocations(request: Request, model: ModelDep) -> Response:
    """Score rows sent as to ``mlflow models serve``; answer as it does."""
    started = time.perf_counter()
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        rows = decode(
            body,
            request.headers.get("content-type"),
            request.app.state.settings.api_max_batch,
        )
        try:
            records = request.app.state.rows.validate_python(rows)
        except ValidationError as error:
            raise contract_error(error) from None
    except UnsupportedMediaTypeError as error:
        return mlflow_error(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, str(error))
    except BadRequestError as error:
        return mlflow_error(status.HTTP_400_BAD_REQUEST, str(error))
    predictions = score(request, model, records, started)
    return Response(
        to_json({"predictions": model_predictions(predictions)}),
        media_type="application/json",
    )
