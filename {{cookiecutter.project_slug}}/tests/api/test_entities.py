"""POST /predict with entities: rows from the online store, held to the contract, and
answered as any row of the contract's task is.

A contract without an entity id or an event time has no store: its tests skip, and the
last test checks that /predict then takes instances alone.
"""

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.api.entities import EXAMPLE_ID
from {{ cookiecutter.package_name }}.columns import Categorical
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    EXAMPLE,
    FEATURES,
)
from {{ cookiecutter.package_name }}.data import read_table
from {{ cookiecutter.package_name }}.features import (
    FEATURE_VIEW,
    OnlineFeatures,
    apply,
    open_store,
)
from {{ cookiecutter.package_name }}.schema import FEATURE_NAMES

from ..conftest import use_feature_store

HAS_KEYS = ENTITY_ID is not None and EVENT_TIME is not None
needs_store = pytest.mark.skipif(
    not HAS_KEYS,
    reason="the contract has no ENTITY_ID or no EVENT_TIME, so no feature store: "
    "test_without_keys_predict_takes_instances_alone checks the API instead",
)
KEY, TIME = (ENTITY_ID or "", EVENT_TIME or "")  # used only where HAS_KEYS
UNKNOWN = "no-such-entity"


def newest_ids(settings: Settings, count: int) -> list[str]:
    """Ids of the entities seen last in the store's data."""
    ordered = read_table(settings.data_path).sort_values(TIME)
    return [str(i) for i in ordered.tail(count)[KEY]]


def seen_days_ago(settings: Settings, days: int) -> str:
    """The entity seen closest to ``days`` days ago."""
    data = read_table(settings.data_path)
    age = pd.Timestamp.now("UTC") - pd.to_datetime(data[TIME], utc=True)
    return str(data.loc[(age - pd.Timedelta(days=days)).abs().idxmin(), KEY])


def entities(*ids: str) -> dict[str, list[dict[str, str]]]:
    return {"entities": [{KEY: i} for i in ids]}


ChangedStore = Callable[..., tuple[Settings, Settings]]


@pytest.fixture
def changed_store(
    api_settings: Settings,
    feature_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> ChangedStore:
    """A copy of the session's store for a test to change: ``(ttl_days=180)`` gives its
    settings, and the API's settings reading it."""

    def copy(ttl_days: int = 180) -> tuple[Settings, Settings]:
        folder = tmp_path / "store"
        shutil.copytree(feature_store, folder)
        store = use_feature_store(monkeypatch, folder, folder / "train.csv", ttl_days)
        served = api_settings.model_copy(
            update={
                "feature_registry_path": store.feature_registry_path,
                "feature_online_store_path": store.feature_online_store_path,
            }
        )
        return store, served

    return copy


def metric(client: TestClient, line_start: str) -> float:
    """The value of the first /metrics sample whose line starts so (0 when absent)."""
    text = client.get("/metrics").text
    lines = [line for line in text.splitlines() if line.startswith(line_start)]
    return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0


@needs_store
def test_entity_scores_as_its_stored_values_do(
    client: TestClient, api_settings: Settings
) -> None:
    """Train/serve parity: scoring ids gives what scoring the store's values gives,
    in the answer of the contract's task."""
    ids = newest_ids(api_settings, 3)
    stored = OnlineFeatures(api_settings).lookup(ids).rows

    by_id = client.post("/predict", json=entities(*ids))
    by_values = client.post("/predict", json={"instances": stored})

    assert by_id.status_code == 200, by_id.text
    assert by_id.json() == by_values.json()
    assert len(by_id.json()["predictions"]) == 3
    data = read_table(api_settings.data_path).set_index(KEY)
    assert stored == [  # the values training read for these entities
        {name: None if pd.isna(value) else value for name, value in row.items()}
        for row in data.loc[ids, list(FEATURE_NAMES)].to_dict(orient="records")
    ]
    assert metric(client, 'feature_lookups_total{outcome="found"}') == 3
    assert metric(client, "feature_lookup_duration_seconds_count") == 1


@needs_store
def test_unknown_id_is_404_naming_it_and_nothing_is_scored(
    client: TestClient, api_settings: Settings
) -> None:
    [known] = newest_ids(api_settings, 1)

    response = client.post("/predict", json=entities(known, UNKNOWN))

    assert response.status_code == 404
    assert UNKNOWN in response.json()["detail"]
    assert known not in response.json()["detail"]
    assert metric(client, "predictions_total") == 0
    assert metric(client, 'feature_lookups_total{outcome="unknown"}') == 1


@needs_store
def test_stale_id_is_422_naming_it(changed_store: ChangedStore) -> None:
    """The team shortens the TTL: values older than it are no longer served."""
    settings, served = changed_store(ttl_days=30)
    apply(settings)  # the online values stay; the view's TTL is now 30 days
    old = seen_days_ago(settings, 90)  # materialized, older than 30 days
    [recent] = newest_ids(settings, 1)

    with TestClient(create_app(served)) as client:
        stale = client.post("/predict", json=entities(old))
        fresh = client.post("/predict", json=entities(recent))

    assert stale.status_code == 422
    assert old in stale.json()["detail"]
    assert "30 days" in stale.json()["detail"]
    assert fresh.status_code == 200, fresh.text


@needs_store
def test_stored_values_that_break_the_contract_are_422_naming_the_id(
    changed_store: ChangedStore,
) -> None:
    settings, served = changed_store()
    [entity] = newest_ids(settings, 1)
    feature = FEATURES[0]  # out of its categories or its range
    wrong: str | float = (
        "not-a-category"
        if isinstance(feature, Categorical)
        else (int if feature.integer else float)(feature.maximum + 1)
    )
    row = read_table(settings.data_path).set_index(KEY).loc[[entity]]
    bad = row.reset_index().assign(
        **{feature.name: wrong, TIME: pd.Timestamp.now("UTC")}
    )
    open_store(settings).write_to_online_store(FEATURE_VIEW, df=bad)

    with TestClient(create_app(served)) as client:
        response = client.post("/predict", json=entities(entity))

    assert response.status_code == 422
    assert entity in response.json()["detail"]
    assert feature.name in response.json()["detail"]


@needs_store
@pytest.mark.parametrize(
    "body",
    [
        {"instances": [EXAMPLE], **entities(EXAMPLE_ID)},
        {},
        {"entities": []},
        {"entities": [{KEY: ""}]},
        {"entities": [{f"not_{KEY}": EXAMPLE_ID}]},
        {"entities": [{KEY: 1}]},
        {"entities": None},
    ],
    ids=["both", "neither", "empty", "empty-id", "wrong-key", "number", "null"],
)
def test_body_needs_instances_or_entities(
    client: TestClient, body: dict[str, object]
) -> None:
    response = client.post("/predict", json=body)

    assert response.status_code == 422


@needs_store
def test_without_a_feature_store_entities_are_503_and_instances_still_score(
    api_settings: Settings, tmp_path: Path
) -> None:
    missing = api_settings.model_copy(
        update={"feature_registry_path": tmp_path / "none" / "registry.db"}
    )

    with TestClient(create_app(missing)) as client:
        by_id = client.post("/predict", json=entities(EXAMPLE_ID))
        by_values = client.post("/predict", json={"instances": [EXAMPLE]})

    assert by_id.status_code == 503
    assert "features apply" in by_id.json()["detail"]
    assert by_values.status_code == 200
    assert not (tmp_path / "none").exists()  # no empty registry made on the way


@needs_store
def test_openapi_shows_both_ways_to_ask(
    client: TestClient, api_settings: Settings
) -> None:
    document = client.get("/openapi.json").json()

    body = document["paths"]["/predict"]["post"]["requestBody"]
    examples = body["content"]["application/json"]["examples"]
    schema = document["components"]["schemas"]["PredictRequest"]

    assert examples["entities"]["value"] == entities(EXAMPLE_ID)
    assert EXAMPLE_ID in read_table(api_settings.data_path)[KEY].tolist()
    assert examples["instances"]["value"] == {"instances": [EXAMPLE]}
    assert {"instances", "entities"} <= set(schema["properties"])
    assert "404" in document["paths"]["/predict"]["post"]["responses"]


@pytest.mark.skipif(HAS_KEYS, reason="the contract names ENTITY_ID and EVENT_TIME")
def test_without_keys_predict_takes_instances_alone(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    schema = document["components"]["schemas"]["PredictRequest"]

    by_values = client.post("/predict", json={"instances": [EXAMPLE]})
    by_id = client.post("/predict", json={"entities": [{"id": EXAMPLE_ID}]})

    assert "entities" not in schema["properties"]
    assert by_values.status_code == 200, by_values.text
    assert by_id.status_code == 422
