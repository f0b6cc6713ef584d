"""Scoring by entity id: /predict looks the features up in the online store.

``{"entities": [{<ENTITY_ID>: ...}]}`` is accepted besides ``instances``; the rows come
from Feast's online store and are held to the same contract as any request's, so an
entity is scored on the values training read for it, and answered as any row of the
contract's task is. A contract without an entity id (or event time) has no store: its
/predict takes instances alone.
"""

import logging
import threading
import time
from typing import Annotated, Any

from fastapi import HTTPException, Request, status
from prometheus_client import CollectorRegistry, Counter, Histogram
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
    with_config,
)
from typing_extensions import TypedDict

from ..config import Settings
from ..contract import ENTITY_ID, EVENT_TIME
from ..features import ENTITY, FeatureStoreError, OnlineFeatures, store_keys
from .metrics import LATENCY_BUCKETS
from .schemas import STRICT, instance_type

logger = logging.getLogger(__name__)

# The entity id the docs show: the first of the sample data's (make-sample-data).
EXAMPLE_ID = f"{(ENTITY_ID or 'E')[:1].upper()}0000001"
MAX_IDS_SHOWN = 10
# The contract's entity key, when it has what a feature store needs.
KEY = ENTITY_ID if ENTITY_ID is not None and EVENT_TIME is not None else None


def entity_type(key: str) -> Any:
    """One entity to score, by the id the data contract names; nothing else."""
    fields: dict[str, Any] = {key: Annotated[str, Field(min_length=1, max_length=200)]}
    entity = TypedDict("Entity", fields)  # type: ignore[misc]
    return with_config(STRICT)(entity)


def with_entities(base: type[BaseModel], max_batch: int) -> type[BaseModel]:
    """The /predict body ``base`` with ``entities`` as the other way to give the rows:
    1 to ``max_batch`` instances, or as many entities. ``base`` itself when the
    contract has no entity key."""
    if KEY is None:
        return base
    instances: Any = base.model_fields["instances"].annotation
    entity: Any = entity_type(KEY)

    def exactly_one(body: Any) -> Any:
        if (body.instances is None) == (body.entities is None):
            raise ValueError("give either instances or entities, and not both")
        return body

    validators: dict[str, Any] = {
        "exactly_one": model_validator(mode="after")(exactly_one)
    }
    # The schema says it too, so that clients (and schemathesis) know {} is no body.
    extra: dict[str, Any] = {
        **(base.model_config.get("json_schema_extra") or {}),  # type: ignore[dict-item]
        "oneOf": [{"required": ["instances"]}, {"required": ["entities"]}],
    }

    class OneOf(base):  # type: ignore[misc,valid-type]
        model_config = ConfigDict(json_schema_extra=extra)

    return create_model(
        "PredictRequest",
        __base__=OneOf,
        __doc__=f"{base.__doc__} Or, instead of instances, 1 to {max_batch} entities "
        f"({ENTITY}s by {KEY}), scored on the feature store's values.",
        __validators__=validators,
        # Absent is None; null is refused, like any other body that is not a list.
        instances=(instances, Field(None, min_length=1, max_length=max_batch)),
        entities=(
            list[entity],
            Field(
                None,
                min_length=1,
                max_length=max_batch,
                description=f"{ENTITY}s to score on the feature store's values",
            ),
        ),
    )


def openapi_examples(examples: list[Any]) -> dict[str, Any]:
    """Named request examples for the docs: the body's own, and one by entity id."""
    named = {"instances": {"summary": "Score feature values", "value": examples[0]}}
    if KEY is not None:
        named["entities"] = {
            "summary": f"Score {ENTITY}s on the feature store's values",
            "value": {"entities": [{KEY: EXAMPLE_ID}]},
        }
    return named


class FeatureLookup:
    """The online store and the rows it holds for entity ids.

    The app opens it at start, beside the model (opening imports Feast: seconds). When
    it cannot be opened (nothing applied yet), entity requests get a 503 that says why
    and the store is tried again in the background; ``instances`` are scored all the
    same.
    """

    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self.settings = settings
        self.online: OnlineFeatures | None = None
        self.problem = "the feature store is opening"
        self._retry: threading.Thread | None = None
        instance: Any = instance_type()
        self.rows: TypeAdapter[list[dict[str, Any]]] = TypeAdapter(list[instance])
        self.latency = Histogram(
            "feature_lookup_duration_seconds",
            "Time to read the features of a request's entities from the online store.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.entities = Counter(
            "feature_lookups_total",
            "Entities looked up in the online store, by outcome.",
            ["outcome"],
            registry=registry,
        )

    def open(self) -> None:
        """Open the online store; on failure keep the reason for the 503s."""
        try:
            store_keys()
        except FeatureStoreError as error:  # no entities in the body: nothing to open
            self.problem = str(error)
            return
        registry = self.settings.feature_registry_path
        if not registry.is_file():  # Feast would make an empty one
            self.problem = (
                f"no feature registry at '{registry}': run "
                "'{{ cookiecutter.project_slug }} features apply' and 'features "
                "materialize'"
            )
            logger.warning("feature store not available: %s", self.problem)
            return
        try:
            self.online = OnlineFeatures(self.settings)
        except Exception as error:  # any failure: entity requests say it, and retry
            self.problem = str(error)
            logger.warning("feature store not available: %s", error)
            return
        logger.info("feature store open: %s", self.settings.feature_online_store_path)

    def _open_again(self) -> None:
        """Try to open the store in a thread, unless a try is under way."""
        if self._retry is None or not self._retry.is_alive():
            self._retry = threading.Thread(
                target=self.open, name="feature-store", daemon=True
            )
            self._retry.start()

    def records(self, entities: list[dict[str, str]]) -> list[dict[str, Any]]:
        """The feature rows of the entities, held to the contract.

        Raises:
            HTTPException: 503 until the store is open; 404 naming ids the store does
                not know; 422 naming ids whose values are stale or break the contract.
        """
        online = self.online
        if online is None:
            self._open_again()  # it may have been applied since
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                detail=f"cannot score entities yet: {self.problem}",
            )
        key = online.entity_id
        ids = [entity[key] for entity in entities]
        started = time.perf_counter()
        found = online.lookup(ids)
        self.latency.observe(time.perf_counter() - started)
        for outcome, count in (
            ("found", len(found.rows)),
            ("unknown", len(found.unknown)),
            ("stale", len(found.stale)),
        ):
            if count:
                self.entities.labels(outcome).inc(count)
        if found.unknown:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                detail=f"no features for {key} {shown(found.unknown)} in the online "
                "store: check the ids, or run 'features materialize' with "
                "data that holds them",
            )
        if found.stale:
            raise HTTPException(
                422,
                detail=f"the features of {key} {shown(found.stale)} are older "
                f"than the feature view's TTL ({online.ttl_days:g} days): run "
                "'features materialize' with newer data",
            )
        try:
            rows: list[dict[str, Any]] = self.rows.validate_python(found.rows)
        except ValidationError as error:
            problems = [
                f"{ids[int(e['loc'][0])]!r}: {e['loc'][-1]} {e['msg']}"
                for e in error.errors(include_url=False)
            ]
            raise HTTPException(
                422,
                detail=f"the stored features of {key} break the data contract: "
                + "; ".join(problems[:MAX_IDS_SHOWN]),
            ) from None
        return rows


def shown(ids: list[str]) -> str:
    more = f" and {len(ids) - MAX_IDS_SHOWN} more" if len(ids) > MAX_IDS_SHOWN else ""
    return ", ".join(map(repr, ids[:MAX_IDS_SHOWN])) + more


def entity_records(request: Request, entities: list[dict[str, str]]) -> Any:
    """What /predict calls for an ``entities`` body: the rows to score."""
    lookup: FeatureLookup = request.app.state.feature_lookup
    return lookup.records(entities)
