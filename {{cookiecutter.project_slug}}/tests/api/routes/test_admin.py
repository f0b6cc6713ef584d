"""Reloading: a new champion is swapped in, a broken store keeps the old one serving,
and none of it is open to callers without the API key."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
)
from {{ cookiecutter.package_name }}.contract import EXAMPLE
from {{ cookiecutter.package_name }}.train import train

KEY = {"X-API-Key": "k3y"}


@pytest.fixture
def keyed(api_settings: Settings) -> Settings:
    return api_settings.model_copy(update={"api_key": SecretStr("k3y")})


def test_reload_swaps_in_a_new_champion(keyed: Settings) -> None:
    with TestClient(create_app(keyed), headers=KEY) as client:
        before = client.post("/predict", json={"instances": [EXAMPLE]}).json()
        result = train(keyed)  # same data, same score: promoted as version 2
        reloaded = client.post("/admin/reload")
        after = client.post("/predict", json={"instances": [EXAMPLE]}).json()
        metrics = client.get("/metrics").text

    assert result.promoted
    assert before["model_version"] == 1
    assert reloaded.json()["model_version"] == 2
    assert after["model_version"] == 2
    assert "\nmodel_version 2.0" in metrics


def test_unreachable_store_keeps_the_old_model_serving(
    keyed: Settings, tmp_path: Path
) -> None:
    with TestClient(create_app(keyed), headers=KEY) as client:
        (tmp_path / "trained.db").write_bytes(b"this is no longer a database")
        reloaded = client.post("/admin/reload")
        ready = client.get("/ready")
        predicted = client.post("/predict", json={"instances": [EXAMPLE]})

    assert reloaded.status_code == 200
    assert reloaded.json()["model_version"] == 1
    assert ready.status_code == 200
    assert predicted.status_code == 200


def test_without_a_configured_key_admin_is_off_and_says_how_to_turn_it_on(
    client: TestClient,
) -> None:
    refused = [
        client.post("/admin/reload"),
        client.post("/admin/reload", headers=KEY),
    ]
    open_routes = [client.get(path) for path in ("/health", "/ready", "/metrics")]
    predicted = client.post("/predict", json={"instances": [EXAMPLE]})

    for response in refused:
        assert response.status_code == 403
        assert f"set {ENV_PREFIX}API_KEY" in response.json()["detail"]
    assert [r.status_code for r in open_routes] == [200, 200, 200]
    assert predicted.status_code == 200


def test_with_a_key_admin_needs_it(keyed: Settings) -> None:
    with TestClient(create_app(keyed)) as client:
        missing = client.post("/admin/reload")
        wrong = client.post("/admin/reload", headers={"X-API-Key": "nope"})
        right = client.post("/admin/reload", headers=KEY)
        open_routes = [client.get(path) for path in ("/health", "/ready", "/metrics")]

    assert (missing.status_code, wrong.status_code, right.status_code) == (
        401,
        401,
        200,
    )
    assert [r.status_code for r in open_routes] == [200, 200, 200]
