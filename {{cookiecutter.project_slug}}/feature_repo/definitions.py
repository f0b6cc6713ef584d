"""Feast definitions, built from the data contract: one entity, its features, a service.

Only definitions belong in this folder: `feast apply`, and `{{ cookiecutter.project_slug }}
features apply` like it, run every .py file in it. The paths and the TTL come from the
settings (the environment and .env).
"""

from datetime import timedelta

from feast import Entity, FeatureService, FeatureView, Field, FileSource, ValueType
from feast.types import Float64, Int64, PrimitiveFeastType, String

from {{ cookiecutter.package_name }}.config import get_settings
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    FEATURES,
    Categorical,
    Numeric,
)
from {{ cookiecutter.package_name }}.features import (
    ENTITY,
    FEATURE_SERVICE,
    FEATURE_VIEW,
)

settings = get_settings()


def feast_type(feature: Numeric | Categorical) -> PrimitiveFeastType:
    if isinstance(feature, Categorical):
        return String
    return Int64 if feature.integer else Float64


customer = Entity(
    name=ENTITY,
    join_keys=[ENTITY_ID],
    value_type=ValueType.STRING,
    description="a customer, by the id the data contract names",
)

customer_source = FileSource(
    name="customer_source",
    path=str(settings.feature_source_path.resolve()),
    timestamp_field=EVENT_TIME,
    description="feature rows over time, written by features materialize",
)

customer_features = FeatureView(
    name=FEATURE_VIEW,
    entities=[customer],
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
    source=customer_source,
    online=True,
)

model_features = FeatureService(name=FEATURE_SERVICE, features=[customer_features])
