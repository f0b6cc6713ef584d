"""The FastAPI app factory: the champion is loaded once, in the lifespan."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from .. import PROJECT_NAME, __version__
from ..champion import LoadedModel
from ..config import Settings, export_mlflow_environment, get_settings
from ..logs import configure_logging
from . import mlflow_protocol, open_inference
from .deps import require_admin_key, require_api_key
from .drift_meter import DriftMeter
{%- if cookiecutter.include_feature_store %}
from .entities import FeatureLookup, openapi_examples, with_entities
{%- endif %}
from .error_forms import http_error
from .invalid_request import invalid_request
from .metrics import ServiceMetrics, TimingMiddleware
from .prediction_log import PredictionLog
from .routes import admin, health, invocations, metrics, model, predict, v2
from .schemas import request_model
from .scoring import rows_adapter
from .serving import ModelHolder

logger = logging.getLogger(__name__)


# Pauses between the first attempts to load the champion. Several workers opening the
# store at once, or a tracking server still starting, can fail the first attempt.
STARTUP_RETRY_PAUSES_S = (0.5, 1.0, 2.0, 4.0)


async def load_at_start(holder: ModelHolder) -> None:
    """Load the champion, retrying passing failures; "no champion yet" is not one."""
    await asyncio.to_thread(holder.reload)
    for pause in STARTUP_RETRY_PAUSES_S:
        if holder.model is not None or holder.no_champion:
            return
        await asyncio.sleep(pause)
        await asyncio.to_thread(holder.reload)


async def poll_champion(holder: ModelHolder, interval_s: float) -> None:
    """Reload whenever the champion alias moves; a failed check keeps the old model."""
    while True:
        await asyncio.sleep(interval_s)
        await asyncio.to_thread(holder.reload)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings, the server uses the environment's."""
    if settings is None:  # a server worker: this is its entry point
        settings = get_settings()
        configure_logging(settings)
    # Before MLflow (serving from a local store imports it) or onnxruntime start.
    export_mlflow_environment(settings)
    service_metrics = ServiceMetrics(settings.prometheus_multiproc_dir)
    drift_meter = DriftMeter(service_metrics, settings.prediction_log_sample_rows)

    def loaded(model: LoadedModel, reference: dict[str, Any] | None) -> None:
        service_metrics.model_loaded(model.version, model.trained_at)
        drift_meter.load(model.version, reference)

    holder = ModelHolder(settings, on_load=loaded)
    prediction_log = PredictionLog(
        settings, on_error=service_metrics.prediction_log_failures.inc
    )
{%- if cookiecutter.include_feature_store %}
    feature_lookup = FeatureLookup(settings, service_metrics.registry)
{%- endif %}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info("API %s starting", __version__)
        prediction_log.start()
        drift_meter.start()
{%- if cookiecutter.include_feature_store %}
        # Feast takes seconds to import: the store opens beside the model.
        await asyncio.gather(
            load_at_start(holder), asyncio.to_thread(feature_lookup.open)
        )
{%- else %}
        await load_at_start(holder)
{%- endif %}
        # Everything loaded so far lives for the whole process: keep the garbage
        # collector from walking it on every collection (long pauses otherwise).
        gc.collect()
        gc.freeze()
        poller = None
        if settings.api_reload_interval_s:
            poller = asyncio.create_task(
                poll_champion(holder, settings.api_reload_interval_s)
            )
        yield
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
        prediction_log.close()
        drift_meter.close()
        service_metrics.worker_stopped()
        logger.info("API stopping")

    body_model = request_model(settings.api_max_batch)
{%- if cookiecutter.include_feature_store %}
    body_model = with_entities(body_model, settings.api_max_batch)
{%- endif %}
    app = FastAPI(
        title=PROJECT_NAME,
        version=__version__,
        lifespan=lifespan,
        max_body_size=settings.api_max_body_bytes,
        # FastAPI's own handler echoes the input as it came: NaN or bad UTF-8 made it
        # fail (a 500), and a big body came back whole.
        exception_handlers={
            RequestValidationError: invalid_request,
            HTTPException: http_error,
        },
    )
    app.state.settings = settings
    app.state.models = holder
    app.state.metrics = service_metrics
    app.state.prediction_log = prediction_log
    app.state.drift_meter = drift_meter
    app.state.request_model = body_model
    app.state.rows = rows_adapter()
{%- if cookiecutter.include_feature_store %}
    app.state.feature_lookup = feature_lookup
{%- endif %}
    # Without a key there is nothing to check: no dependency, nothing spent per request.
    protected = [Depends(require_api_key)] if settings.api_key is not None else []
    # Routes are matched in order: the busiest first.
    app.include_router(predict.router, dependencies=protected)
    app.include_router(v2.router, dependencies=protected)
    app.include_router(invocations.router, dependencies=protected)
    app.include_router(health.router)
    app.include_router(v2.health_router)
    app.include_router(metrics.router)
    app.include_router(model.router, dependencies=protected)
    # Admin routes need a key even when the others do not: reloading is not for anyone.
    app.include_router(admin.router, dependencies=[Depends(require_admin_key)])
    app.add_middleware(TimingMiddleware, metrics=service_metrics)
    app.openapi = _openapi_with(app, body_model)  # type: ignore[method-assign]
    return app


def _openapi_with(app: FastAPI, body_model: type[Any]) -> Callable[[], dict[str, Any]]:
    """The generated OpenAPI document, plus the /predict body the handler validates."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schema = body_model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            components = document.setdefault("components", {}).setdefault("schemas", {})
            components.update(schema.pop("$defs", {}))
            components[body_model.__name__] = schema
            operation = document["paths"]["/predict"]["post"]
            operation["requestBody"] = predict.request_body_openapi(body_model)
            _document_protocols(document)
{%- if cookiecutter.include_feature_store %}
            operation["requestBody"]["content"]["application/json"]["examples"] = (
                openapi_examples(schema["examples"])
            )
{%- endif %}
            app.openapi_schema = document
        return app.openapi_schema

    return openapi


def _document_protocols(document: dict[str, Any]) -> None:
    """The bodies of the Open Inference Protocol's and MLflow's routes, which read them
    raw."""
    schema = open_inference.request_schema()
    components = document["components"]["schemas"]
    components.update(schema.pop("$defs", {}))
    components["InferenceRequest"] = schema
    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/InferenceRequest"}
            }
        },
    }
    for path in v2.INFER_PATHS:
        document["paths"][path]["post"]["requestBody"] = body
    operation = document["paths"]["/invocations"]["post"]
    operation["requestBody"] = mlflow_protocol.REQUEST_BODY
