"""Request and response bodies, named for their role; the request comes from the contract."""

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetPydanticSchema,
    create_model,
    with_config,
)
from pydantic_core import core_schema
from typing_extensions import TypedDict  # pydantic needs this one before Python 3.12

from ..columns import Categorical
from ..contract import EXAMPLE, FEATURES, TARGET
from ..schema import CLASSES, TASK


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
def prediction_type() -> Any:
    """One row's prediction, as the contract's task has it."""
    fields: dict[str, Any]
    if TASK == "regression":
        fields = {
            "prediction": Annotated[
                float, Field(description=f"the predicted {TARGET.name}")
            ]
        }
    else:
        label = Annotated[
            Literal[CLASSES],  # type: ignore[valid-type]
            Field(description=f"the predicted {TARGET.name}"),
        ]
        fields = {"prediction": label}
        if TASK == "binary":
            fields["probability"] = Annotated[
                float,
                Field(
                    ge=0,
                    le=1,
                    description=f"of {TARGET.name}={CLASSES[1]!r}: the prediction "
                    "when it reaches DECISION_THRESHOLD",
                ),
            ]
        else:
            fields["probability"] = Annotated[
                float, Field(ge=0, le=1, description="of the predicted class")
            ]
            fields["probabilities"] = Annotated[
                dict[str, float], Field(description="of every class, by its label")
            ]
    prediction = TypedDict("Prediction", fields)  # type: ignore[misc]
    prediction.__doc__ = f"The {TASK} prediction of one row."
    return prediction


def response_model() -> type[BaseModel]:
    """The /predict answer: the model that scored, and a prediction per instance."""
    return create_model(
        "PredictResponse",
        model_name=(str, ...),
        model_version=(int, ...),
        predictions=(list[prediction_type()], ...),  # type: ignore[misc]
    )


PredictResponse = response_model()


# JSON's own types, as the contract states them: a string or a boolean is not a number,
# and NaN or Infinity is no measurement. pydantic checks it all in its Rust core, so the
# valid path costs nothing more.
STRICT = ConfigDict(strict=True, allow_inf_nan=False, extra="forbid")
RULES = (
    "Numbers are JSON numbers, never strings or booleans, and finite; integers have "
    "no fraction; no other fields."
)


def whole_number(minimum: float, maximum: float) -> Any:
    """An integer as JSON Schema has it: a number without a fraction, 14 or 14.0 alike.

    A strict float first (a JSON number, nothing else), then an exact conversion to int
    with the range: both steps in pydantic's core, with no Python call per value.
    """
    lowest, highest = math.ceil(minimum), math.floor(maximum)
    schema = core_schema.chain_schema(
        [
            core_schema.float_schema(strict=True, allow_inf_nan=False),
            core_schema.int_schema(strict=False, ge=lowest, le=highest),
        ]
    )
    json_schema = {"type": "integer", "minimum": lowest, "maximum": highest}
    return Annotated[
        int,
        GetPydanticSchema(
            lambda _source, _handler: schema, lambda _schema, _handler: json_schema
        ),
    ]


def instance_type() -> Any:
    """One row to score, with the contract's types, ranges and categories; nothing else."""
    fields: dict[str, Any] = {}
    for feature in FEATURES:
        if isinstance(feature, Categorical):
            category: Any = Literal[feature.categories]
            if feature.nullable:
                category = category | None
            fields[feature.name] = Annotated[
                category, Field(description=feature.description)
            ]
        elif feature.integer:
            kind: Any = whole_number(feature.minimum, feature.maximum)
            if feature.nullable:
                kind = kind | None
            fields[feature.name] = Annotated[
                kind, Field(description=feature.description)
            ]
        else:
            kind = float | None if feature.nullable else float
            fields[feature.name] = Annotated[
                kind,
                Field(
                    ge=feature.minimum,
                    le=feature.maximum,
                    description=feature.description,
                ),
            ]
    instance = TypedDict("Instance", fields)  # type: ignore[misc]
    instance.__doc__ = f"One row to score. {RULES}"
    return with_config(STRICT | ConfigDict(json_schema_extra={"examples": [EXAMPLE]}))(
        instance
    )


def request_model(max_batch: int) -> type[BaseModel]:
    """The /predict body: 1 to ``max_batch`` instances."""
    instance = instance_type()
    return create_model(
        "PredictRequest",
        __doc__=f"1 to {max_batch} rows to score. {RULES}",
        __config__=STRICT
        | ConfigDict(json_schema_extra={"examples": [{"instances": [EXAMPLE]}]}),
        instances=(list[instance], Field(min_length=1, max_length=max_batch)),  # type: ignore[valid-type]
    )
