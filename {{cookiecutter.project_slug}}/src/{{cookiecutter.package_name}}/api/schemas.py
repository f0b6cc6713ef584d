"""Request and response bodies, named for their role; the request comes from the contract."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, with_config
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from ..contract import EXAMPLE, FEATURES, Categorical


class HealthResponse(BaseModel):
    """Liveness: the process runs and answers."""

    status: Literal["ok"] = "ok"
    version: str


class ReadyResponse(BaseModel):
    """Readiness: a model is loaded and can answer predictions."""

    status: Literal["ready"] = "ready"
    model_name: str
    model_version: int


class ModelInfo(BaseModel):
    """What is being served, and how it was trained."""

    name: str
    version: int
    run_id: str
    backend: Literal["onnx", "sklearn"]
    metrics: dict[str, float]
    trained_at: datetime
    input_schema: dict[str, Any]


# Rows in and out are TypedDicts, not models: pydantic validates them straight from and
# to dicts, which takes half the time of building (and dumping) a model per row.
class Prediction(TypedDict):
    prediction: Annotated[
        int, Field(ge=0, le=1, description="1: the customer is likely to churn")
    ]
    probability: Annotated[float, Field(ge=0, le=1)]


class PredictResponse(BaseModel):
    model_name: str
    model_version: int
    predictions: list[Prediction]


def instance_type() -> Any:
    """One row to score, with the contract's types, ranges and categories; nothing else."""
    fields: dict[str, Any] = {}
    for feature in FEATURES:
        if isinstance(feature, Categorical):
            fields[feature.name] = Annotated[
                Literal[feature.categories], Field(description=feature.description)
            ]
        else:
            kind: Any = int if feature.integer else float
            if feature.nullable:
                kind = kind | None
            fields[feature.name] = Annotated[
                kind,
                Field(
                    ge=feature.minimum,
                    le=feature.maximum,
                    description=feature.description,
                ),
            ]
    instance = TypedDict("Instance", fields)  # type: ignore[misc]
    return with_config(
        ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})
    )(instance)


def request_model(max_batch: int) -> type[BaseModel]:
    """The /predict body: 1 to ``max_batch`` instances."""
    instance = instance_type()
    return create_model(
        "PredictRequest",
        __config__=ConfigDict(
            extra="forbid", json_schema_extra={"examples": [{"instances": [EXAMPLE]}]}
        ),
        instances=(list[instance], Field(min_length=1, max_length=max_batch)),  # type: ignore[valid-type]
    )
