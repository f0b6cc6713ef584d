"""POST /predict: validate the raw body in one pass, score, count, log."""

import time
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from ...outputs import rows
from ...schema import TASK
from ..deps import ModelDep
{%- if cookiecutter.include_feature_store %}
from ..entities import entity_records
{%- endif %}
from ..schemas import PredictResponse
from ..scoring import read_body, score

router = APIRouter(tags=["predict"])
ANSWERS = {
    "binary": "the class, and the probability of the positive (second) class, which "
    "gives that class once it reaches DECISION_THRESHOLD",
    "multiclass": "the most probable class, its probability, and every class's",
    "regression": "the predicted value",
}


def request_body_openapi(request_model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of /predict, since the handler reads the raw body."""
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{request_model.__name__}"}
            }
        },
    }


@router.post(
    "/predict",
    response_model=PredictResponse,
    description="Score 1 to API_MAX_BATCH instances with the champion model: per "
    f"instance, {ANSWERS[TASK]}.",
    responses={
        401: {"description": "API key missing or wrong"},
{%- if cookiecutter.include_feature_store %}
        404: {"description": "An entity has no features in the online store"},
{%- endif %}
        413: {"description": "Body larger than API_MAX_BODY_BYTES"},
        422: {
            "description": "Not JSON, or a field missing or unknown, of the wrong type "
            "(a string or a boolean is not a number), not finite, out of range or not "
            "one of its categories: each error names the field"
        },
        503: {"description": "No model loaded"},
    },
)
async def predict(request: Request, model: ModelDep) -> BaseModel | Response:
    """Score 1 to API_MAX_BATCH instances with the champion model."""
    started = time.perf_counter()
    request_model: type[BaseModel] = request.app.state.request_model
    body = await read_body(request)
    if isinstance(body, Response):
        return body
    try:
        payload = request_model.model_validate_json(body)
    except ValidationError as error:
        # FastAPI's own 422 format, with "body" leading every location; the app's
        # handler (invalid_request) makes the offending values safe to send back.
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
    records = payload.instances  # type: ignore[attr-defined]
{%- if cookiecutter.include_feature_store %}
    if records is None:  # {"entities": [...]}: the rows come from the feature store
        records = entity_records(request, payload.entities)  # type: ignore[attr-defined]
{%- endif %}
    predictions = score(request, model, records, started)
    return PredictResponse(
        model_name=model.name,
        model_version=model.version,
        predictions=rows(predictions),
    )
