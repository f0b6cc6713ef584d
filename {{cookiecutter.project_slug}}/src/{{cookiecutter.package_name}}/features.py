"""The Feast feature store: apply the definitions, load values, read them back.

Training reads a point-in-time join from the offline store and the API reads the online
store, both through this module, so a model sees the same values in both. Feast takes
seconds to import: it is imported here, inside the functions that need it.
"""

import logging
import re
import runpy
import sys
import time
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .columns import Numeric
from .config import Settings, environment_restored
from .contract import ENTITY_ID, EVENT_TIME, FEATURES, TARGET
from .errors import DataError
from .schema import FEATURE_NAMES, NUMERIC

if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa
    from feast import FeatureService, FeatureStore

logger = logging.getLogger(__name__)


def entity_name(entity_id: str | None) -> str:
    """What the contract's rows are about, named from their key: ``ticket_id`` gives
    ``ticket``. Feast's names become table names: letters, digits, underscores."""
    stem = re.sub(r"\W+", "_", (entity_id or "").lower()).strip("_")
    return re.sub(r"_?(id|key)$", "", stem) or "entity"


# Names the definitions in feature_repo/ give, and this module looks up.
PROJECT = "{{ cookiecutter.package_name }}"
ENTITY = entity_name(ENTITY_ID)
FEATURE_VIEW = f"{ENTITY}_features"
FEATURE_SERVICE = "model_features"
# Feast's Int64 features: whole numbers never missing. Others are Float64 (NaN fits).
INTEGER_FEATURES = tuple(
    f.name for f in FEATURES if isinstance(f, Numeric) and f.integer and not f.nullable
)
# Carries each label row's position through Feast's join, which reorders rows.
ROW = "label_row"
MAX_IDS_SHOWN = 5


class FeatureStoreError(DataError):
    """The feature store cannot do what was asked; the message says what to run."""


# What a feature store needs the contract to name, and what each is.
KEY_MEANINGS = {
    "ENTITY_ID": "the column that names what a row is about (a customer's id, say)",
    "EVENT_TIME": "the column of when the row's values were true",
}


def store_keys(
    entity_id: str | None = ENTITY_ID, event_time: str | None = EVENT_TIME
) -> tuple[str, str]:
    """The contract's entity id and event time, by which a feature store keys values.

    Raises:
        FeatureStoreError: the contract has no entity id or no event time; the message
            says what to add.
    """
    if entity_id is not None and event_time is not None:
        return entity_id, event_time
    given = {"ENTITY_ID": entity_id, "EVENT_TIME": event_time}
    missing = [name for name, value in given.items() if value is None]
    raise FeatureStoreError(
        f"The data contract has no {' and no '.join(missing)}, and a feature store "
        "keys every value by an entity id and an event time. Set "
        + "; and ".join(
            f"{name} in contract.py to {KEY_MEANINGS[name]}" for name in missing
        )
        + " (the data files must hold it); or do without the store: train from the "
        "data file, without --features."
    )


@dataclass(frozen=True)
class Lookup:
    """Feature rows for entity ids, in the order asked, and the ids that have none."""

    rows: list[dict[str, Any]]
    unknown: list[str]
    stale: list[str]


@dataclass(frozen=True)
class Materialized:
    """What ``materialize`` loaded."""

    rows: int
    entities: int
    source: str
    end: datetime


def load_feast() -> None:
    """Import Feast once, undoing what its import writes into the environment."""
    if "feast.metrics" not in sys.modules:
        with environment_restored():
            import feast
            import feast.metrics  # noqa: F401 - the module that sets the variables
        # Feast logs every registry refresh at INFO.
        logging.getLogger("feast").setLevel(logging.WARNING)


def open_store(settings: Settings) -> "FeatureStore":
    """Feast's client for the stores the settings name: a file registry, a sqlite
    online store and a file (parquet) offline store."""
    load_feast()
    from feast import FeatureStore, RepoConfig
    from feast.infra.offline_stores.dask import DaskOfflineStoreConfig
    from feast.infra.online_stores.sqlite import SqliteOnlineStoreConfig
    from feast.repo_config import RegistryConfig

    for path in (settings.feature_registry_path, settings.feature_online_store_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    config = RepoConfig(
        project=PROJECT,
        provider="local",
        registry=RegistryConfig(
            path=str(settings.feature_registry_path.resolve()),
            # How soon a running API sees a new `features apply`.
            cache_ttl_seconds=60,
        ),
        online_store=SqliteOnlineStoreConfig(
            path=str(settings.feature_online_store_path.resolve())
        ),
        offline_store=DaskOfflineStoreConfig(type="file"),
        entity_key_serialization_version=3,
    )
    return FeatureStore(repo_path=str(settings.feature_repo.resolve()), config=config)


def feature_service(store: "FeatureStore") -> "FeatureService":
    """The model's feature service, or an error saying to apply the definitions."""
    from feast.errors import FeastObjectNotFoundException

    try:
        return store.get_feature_service(FEATURE_SERVICE)
    except FeastObjectNotFoundException:
        raise FeatureStoreError(
            f"The feature store has no feature service {FEATURE_SERVICE!r}: run "
            "'{{ cookiecutter.project_slug }} features apply' first"
        ) from None


def apply(settings: Settings) -> list[str]:
    """Register what the definitions folder holds, as ``feast apply`` does: objects no
    longer defined are removed. Returns the names of the objects defined."""
    store_keys()  # the definitions would fail on a contract without them, less clearly
    load_feast()
    from feast.repo_contents import RepoContents
    from feast.repo_operations import extract_objects_for_apply_delete

    found = _definitions(settings.feature_repo)
    contents = RepoContents(
        projects=[],
        on_demand_feature_views=[],
        stream_feature_views=[],
        label_views=[],
        permissions=[],
        **found,
    )
    store = open_store(settings)
    to_apply, to_delete, _, _ = extract_objects_for_apply_delete(  # type: ignore[no-untyped-call]
        PROJECT, store.registry, contents
    )
    with redirect_stdout(sys.stderr):  # Feast prints progress; stdout carries results
        store.apply(to_apply, objects_to_delete=to_delete, partial=False)
    names = sorted(obj.name for objects in found.values() for obj in objects)
    logger.info("feature store: applied %s", ", ".join(names))
    return names


def _definitions(folder: Path) -> dict[str, list[Any]]:
    """Run every .py file of the folder, as ``feast apply`` does, and collect the Feast
    objects each defines, by kind."""
    from feast import Entity, FeatureService, FeatureView
    from feast.data_source import DataSource

    if not folder.is_dir():
        raise FeatureStoreError(
            f"No feature definitions folder at '{folder}': set FEATURE_REPO to the "
            "folder that holds them"
        )
    kinds = {
        "data_sources": DataSource,
        "entities": Entity,
        "feature_views": FeatureView,
        "feature_services": FeatureService,
    }
    found: dict[str, list[Any]] = {kind: [] for kind in kinds}
    files = sorted(
        path
        for path in folder.rglob("*.py")
        if path.name != "__init__.py" and "__pycache__" not in path.parts
    )
    for path in files:
        for value in runpy.run_path(str(path)).values():
            for kind, cls in kinds.items():
                if isinstance(value, cls) and not any(value is o for o in found[kind]):
                    found[kind].append(value)
    for view in found["feature_views"]:  # a view's source need not be named on its own
        source = view.batch_source
        if source is not None and not any(source is o for o in found["data_sources"]):
            found["data_sources"].append(source)
    return found


def feature_table_schema() -> "pa.DataFrameSchema":
    """Rows of feature values over time: the entity id, the event time, every feature."""
    import pandas as pd
    import pandera.pandas as pa

    from .schema import scoring_schema

    entity_id, event_time = store_keys()
    return scoring_schema().add_columns(
        {
            entity_id: pa.Column(str),
            event_time: pa.Column(pd.DatetimeTZDtype("ns", "UTC"), coerce=True),
        }
    )


def materialize(
    settings: Settings, data_path: Path, end: datetime | None = None
) -> Materialized:
    """Write the feature columns of a data file to the offline store, then load every
    entity's newest values up to ``end`` (default: now) into the online store.

    Raises:
        DataError: the file is missing, unreadable or breaks the contract.
        FeatureStoreError: the definitions were not applied.
    """
    from .data import read_table, validate, write_table

    entity_id, event_time = store_keys()
    target = settings.feature_source_path
    if target.suffix != ".parquet":
        raise FeatureStoreError(
            f"FEATURE_SOURCE_PATH={str(target)!r}: Feast's file offline store reads "
            "parquet; give a path ending in .parquet"
        )
    frame = validate(read_table(data_path), feature_table_schema(), str(data_path))
    floats = {name: "float64" for name in NUMERIC if name not in INTEGER_FEATURES}
    table = frame[[entity_id, event_time, *FEATURE_NAMES]].astype(floats)
    store = open_store(settings)
    feature_service(store)
    write_table(table, target)
    end = end or datetime.now(UTC)
    if end.tzinfo is None:  # a time without a zone, from the command line: UTC
        end = end.replace(tzinfo=UTC)
    started = time.perf_counter()
    with redirect_stdout(sys.stderr):
        store.materialize_incremental(end_date=end)
    logger.info(
        "feature store: %d rows of %s in the offline store, online up to %s (%.1f s)",
        len(table),
        data_path,
        end.isoformat(),
        time.perf_counter() - started,
    )
    return Materialized(
        rows=len(table),
        entities=int(table[entity_id].nunique()),
        source=str(target),
        end=end,
    )


def join_features(settings: Settings, labels: "pd.DataFrame") -> "pd.DataFrame":
    """Each row of ``labels`` (an entity id, an event time, anything else) with the
    newest feature values at its event time, no older than the feature view's TTL;
    missing where there are none. The rows keep their order."""
    rows = labels.reset_index(drop=True).assign(**{ROW: range(len(labels))})
    store = open_store(settings)
    service = feature_service(store)
    with redirect_stdout(sys.stderr):  # Feast prints which column is the event time
        joined = store.get_historical_features(entity_df=rows, features=service).to_df()
    # Feast's file store leaves out rows it finds no values for (others give nulls):
    # joining back on the row number keeps every label row, in its place.
    found = joined.set_index(ROW)[[c for c in joined.columns if c not in rows]]
    return rows.join(found, on=ROW).drop(columns=ROW)


def load_training_frame(
    settings: Settings, path: Path, now: datetime | None = None
) -> "pd.DataFrame":
    """Labels from a file joined point-in-time with the store's features, held to the
    training contract, as ``data.load_training_data`` holds a file. The labels are the
    target's classes or values: whatever the contract's task.

    Raises:
        DataError: the labels are unusable, rows have no features, or the frame breaks
            the contract.
        FeatureStoreError: the contract has no entity id or event time.
    """
    import pandas as pd

    from .data import labelled, read_table, validate
    from .schema import training_schema

    entity_id, event_time = store_keys()
    labels = read_table(path)
    wanted = [entity_id, event_time, TARGET.name]
    missing = [c for c in wanted if c not in labels.columns]
    if missing:
        raise DataError(
            f"{path} has no column {', '.join(map(repr, missing))}: the labels need "
            f"{', '.join(wanted)}"
        )
    labels = labels[wanted].copy()
    try:
        labels[event_time] = pd.to_datetime(labels[event_time], utc=True)
    except (ValueError, TypeError) as error:
        raise DataError(
            f"{path}: column {event_time!r} holds a value that is not a time: {error}"
        ) from error
    frame = join_features(settings, labels)
    # A row the join found nothing for has every feature missing; a contract whose
    # features may all be missing can only tell by the ones that may not.
    required = [f.name for f in FEATURES if not f.nullable] or list(FEATURE_NAMES)
    absent = frame[frame[required].isna().all(axis=1)]
    if len(absent):
        shown = absent[entity_id].head(MAX_IDS_SHOWN).tolist()
        raise DataError(
            f"{len(absent)} of {len(frame)} label rows of {path} have no feature values "
            f"in the offline store at their {event_time} (within the feature view's "
            f"TTL), e.g. {entity_id} {shown}: run '{{ cookiecutter.project_slug }} "
            "features materialize --data FILE' with data that holds them"
        )
    source = f"{path} joined with the feature store"
    schema = training_schema(now=now or datetime.now(UTC))
    logger.info("training frame: %d rows joined from the feature store", len(frame))
    return labelled(validate(frame, schema, source=source), source)


class OnlineFeatures:
    """The newest feature values of entities, read from the online store.

    Opening it imports Feast and reads the registry (seconds); each lookup then costs a
    sqlite query.
    """

    def __init__(self, settings: Settings) -> None:
        from feast.online_response import TIMESTAMP_POSTFIX

        self.entity_id, _ = store_keys()
        self.store = open_store(settings)
        self.service = feature_service(store=self.store)
        ttl = self.store.get_feature_view(FEATURE_VIEW).ttl
        # A view without a TTL keeps values for ever.
        self.ttl_s = ttl.total_seconds() if ttl else float("inf")
        self.stamp = TIMESTAMP_POSTFIX

    def lookup(self, ids: Sequence[str], now: datetime | None = None) -> Lookup:
        """Feature values for each id. An id the store has never seen is unknown; one
        whose newest values are older than the TTL is stale. Neither gets a row."""
        response = self.store.get_online_features(
            features=self.service, entity_rows=[{self.entity_id: i} for i in ids]
        ).to_dict(include_event_timestamps=True)
        cutoff = (now or datetime.now(UTC)).timestamp() - self.ttl_s
        rows, unknown, stale = [], [], []
        for position, entity in enumerate(ids):
            newest = max(
                response[name + self.stamp][position] for name in FEATURE_NAMES
            )
            if newest == 0:  # Feast's mark for "no value"
                unknown.append(entity)
            elif newest < cutoff:
                stale.append(entity)
            else:
                rows.append({name: response[name][position] for name in FEATURE_NAMES})
        return Lookup(rows, unknown, stale)

    @property
    def ttl_days(self) -> float:
        return self.ttl_s / 86_400
