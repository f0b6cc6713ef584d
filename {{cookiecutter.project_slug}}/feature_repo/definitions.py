"""Feast definitions, built from the data contract: one entity, its features, a service.

Only definitions belong in this folder: `feast apply`, and `{{ cookiecutter.project_slug }}
features apply` like it, run every .py file in it. The entity and the view are named
from the contract's ENTITY_ID; the paths and the TTL come from the settings (the
environment and .env).
"""

from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Float64, Int64, PrimitiveFeastType, String

from {{ cookiecutter.package_name }}.columns import (
    Categorical,
    Numeric,
)
from {{ cookiecutter.package_name }}.config import get_settings
from {{ cookiecutter.package_name }}.contract import FEATURES
from {{ cookiecutter.package_name }}.features import (
    ENTITY,
    FEATURE_SERVICE,
    FEATURE_VIEW,
    INTEGER_FEATURES,
    store_keys,
)

settings = get_settings()
# A contract without an entity id or an event time stops here, saying what to add.
entity_id, event_time = store_keys()


def feast_type(feature: Numeric | Categorical) -> PrimitiveFeastType:
    if isinstance(feature, Categorical):
        return String
    return Int64 if feature.name in INTEGER_FEATURES else Float64


entity = Entity(
    name=ENTITY,
    join_keys=[entity_id],
    value_type=ValueType.STRING,
    description=f"what a row is about, by the contract's {entity_id}",
)

source = FileSource(
    name=f"{ENTITY}_source",
    path=str(settings.feature_source_path.resolve()),
    timestamp_field=event_time,
    description="feature rows over time, written by features materialize",
)

features = FeatureView(
    name=FEATURE_VIEW,
    entities=[entity],
    # Values older than this are stale: the API refuses them, training does not join them.
    ttl=timedelta(days=settings.feature_ttl_days),
    schema=[
        Field(
            name=feature.name,
            dtype=feast_type(feature),
            description=feature.description,
        )
        for feature in FEATURES
    ],
    source=source,
    online=True,
)

model_features = FeatureService(name=FEATURE_SERVICE, features=[features])
