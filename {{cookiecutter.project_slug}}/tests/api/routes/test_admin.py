"""Reloading: a new champion is swapped in, and a broken store keeps the old one serving."""

from pathlib import Path

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import EXAMPLE
from {{ cookiecutter.package_name }}.train import train


def test_reload_swaps_in_a_new_champion(api_settings: Settings) -> None:
    with TestClient(create_app(api_settings)) as client:
        before = client.post("/predict", json={"instances": [EXAMPLE]}).json()
        result = train(api_settings)  # same data, same score: promoted as version 2
        reloaded = client.post("/admin/reload")
        after = client.post("/predict", json={"instances": [EXAMPLE]}).json()
        metrics = client.get("/metrics").text

    assert result.promoted
    assert before["model_version"] == 1
    assert reloaded.json()["model_version"] == 2
    assert after["model_version"] == 2
    assert "\nmodel_version 2.0" in metrics


def test_unreachable_store_keeps_the_old_model_serving(
    api_settings: Settings, tmp_path: Path
) -> None:
    with TestClient(create_app(api_settings)) as client:
        (tmp_path / "trained.db").write_bytes(b"this is no longer a database")
        reloaded = client.post("/admin/reload")
        ready = client.get("/ready")
        predicted = client.post("/predict", json={"instances": [EXAMPLE]})

    assert reloaded.status_code == 200
    assert reloaded.json()["model_version"] == 1
    assert ready.status_code == 200
    assert predicted.status_code == 200
