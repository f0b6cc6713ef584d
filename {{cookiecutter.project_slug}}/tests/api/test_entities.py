"""POST /predict with entities: rows from the online store, held to the contract."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    EXAMPLE,
    FEATURE_NAMES,
)
from {{ cookiecutter.package_name }}.data import read_table
from {{ cookiecutter.package_name }}.features import (
    FEATURE_VIEW,
    OnlineFeatures,
    apply,
    open_store,
)

from ..conftest import use_feature_store

UNKNOWN = "C9999999"


def customers(settings: Settings, count: int) -> list[str]:
    """Ids of the customers seen last in the store's data."""
    ordered = read_table(settings.data_path).sort_values(EVENT_TIME)
    return [str(i) for i in ordered.tail(count)[ENTITY_ID]]


def customer_seen_days_ago(settings: Settings, days: int) -> str:
    """The customer seen closest to ``days`` days ago."""
    data = read_table(settings.data_path)
    age = pd.Timestamp.now("UTC") - pd.to_datetime(data[EVENT_TIME], utc=True)
    return str(data.loc[(age - pd.Timedelta(days=days)).abs().idxmin(), ENTITY_ID])


def entities(*ids: str) -> dict[str, list[dict[str, str]]]:
    return {"entities": [{ENTITY_ID: i} for i in ids]}


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
        store = use_feature_store(monkeypatch, folder, folder / "churn.csv", ttl_days)
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


def test_entity_scores_as_its_stored_values_do(
    client: TestClient, api_settings: Settings
) -> None:
    """Train/serve parity: scoring ids gives what scoring the store's values gives."""
    ids = customers(api_settings, 3)
    stored = OnlineFeatures(api_settings).lookup(ids).rows

    by_id = client.post("/predict", json=entities(*ids))
    by_values = client.post("/predict", json={"instances": stored})

    assert by_id.status_code == 200, by_id.text
    assert by_id.json() == by_values.json()
    data = read_table(api_settings.data_path).set_index(ENTITY_ID)
    assert stored == [  # the values training read for these customers
        {name: None if pd.isna(value) else value for name, value in row.items()}
        for row in data.loc[ids, list(FEATURE_NAMES)].to_dict(orient="records")
    ]
    assert metric(client, 'feature_lookups_total{outcome="found"}') == 3
    assert metric(client, "feature_lookup_duration_seconds_count") == 1


def test_unknown_id_is_404_naming_it_and_nothing_is_scored(
    client: TestClient, api_settings: Settings
) -> None:
    [known] = customers(api_settings, 1)

    response = client.post("/predict", json=entities(known, UNKNOWN))

    assert response.status_code == 404
    assert UNKNOWN in response.json()["detail"]
    assert known not in response.json()["detail"]
    assert metric(client, "predictions_total") == 0
    assert metric(client, 'feature_lookups_total{outcome="unknown"}') == 1


def test_stale_id_is_422_naming_it(changed_store: ChangedStore) -> None:
    """The team shortens the TTL: values older than it are no longer served."""
    settings, served = changed_store(ttl_days=30)
    apply(settings)  # the online values stay; the view's TTL is now 30 days
    old = customer_seen_days_ago(settings, 90)  # materialized, older than 30 days
    [recent] = customers(settings, 1)

    with TestClient(create_app(served)) as client:
        stale = client.post("/predict", json=entities(old))
        fresh = client.post("/predict", json=entities(recent))

    assert stale.status_code == 422
    assert old in stale.json()["detail"]
    assert "30 days" in stale.json()["detail"]
    assert fresh.status_code == 200, fresh.text


def test_stored_values_that_break_the_contract_are_422_naming_the_id(
    changed_store: ChangedStore,
) -> None:
    settings, served = changed_store()
    [entity] = customers(settings, 1)
    row = read_table(settings.data_path).set_index(ENTITY_ID).loc[[entity]]
    bad = row.reset_index().assign(
        contract="weekly", **{EVENT_TIME: pd.Timestamp.now("UTC")}
    )
    open_store(settings).write_to_online_store(FEATURE_VIEW, df=bad)

    with TestClient(create_app(served)) as client:
        response = client.post("/predict", json=entities(entity))

    assert response.status_code == 422
    assert entity in response.json()["detail"]
    assert "contract" in response.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"instances": [EXAMPLE], **entities("C0000001")},
        {},
        {"entities": []},
        {"entities": [{ENTITY_ID: ""}]},
        {"entities": [{"id": "C0000001"}]},
        {"entities": [{ENTITY_ID: 1}]},
        {"entities": None},
    ],
    ids=["both", "neither", "empty", "empty-id", "wrong-key", "number", "null"],
)
def test_body_needs_instances_or_entities(
    client: TestClient, body: dict[str, object]
) -> None:
    response = client.post("/predict", json=body)

    assert response.status_code == 422


def test_without_a_feature_store_entities_are_503_and_instances_still_score(
    api_settings: Settings, tmp_path: Path
) -> None:
    missing = api_settings.model_copy(
        update={"feature_registry_path": tmp_path / "none" / "registry.db"}
    )

    with TestClient(create_app(missing)) as client:
        by_id = client.post("/predict", json=entities("C0000001"))
        by_values = client.post("/predict", json={"instances": [EXAMPLE]})

    assert by_id.status_code == 503
    assert "features apply" in by_id.json()["detail"]
    assert by_values.status_code == 200
    assert not (tmp_path / "none").exists()  # no empty registry made on the way


def test_openapi_shows_both_ways_to_ask(client: TestClient) -> None:
    document = client.get("/openapi.json").json()

    body = document["paths"]["/predict"]["post"]["requestBody"]
    examples = body["content"]["application/json"]["examples"]
    schema = document["components"]["schemas"]["PredictRequest"]

    assert examples["entities"]["value"] == entities("C0000001")
    assert examples["instances"]["value"] == {"instances": [EXAMPLE]}
    assert {"instances", "entities"} <= set(schema["properties"])
    assert "404" in document["paths"]["/predict"]["post"]["responses"]
