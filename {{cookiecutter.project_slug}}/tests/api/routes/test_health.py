"""Liveness and readiness, with and without a champion."""

import threading
from pathlib import Path

from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings


def test_health_answers_ok_with_version(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_ready_names_the_served_version(client: TestClient) -> None:
    response = client.get("/ready")

    assert response.status_code == 200
    assert response.json()["model_version"] == 1


def test_without_champion_alive_but_not_ready(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        health = client.get("/health")
        ready = client.get("/ready")
        predict = client.post("/predict", json={"instances": []})

    assert health.status_code == 200
    assert ready.status_code == 503
    detail = ready.json()["detail"]
    assert "run '{{ cookiecutter.project_slug }} train' first" in detail
    assert predict.status_code == 503


def test_a_store_failing_at_start_is_tried_again(
    api_settings: Settings, tmp_path: Path
) -> None:
    store = tmp_path / "trained.db"
    good = store.read_bytes()
    store.write_bytes(b"not a database yet")
    repair = threading.Timer(0.3, store.write_bytes, args=(good,))
    repair.start()

    with TestClient(create_app(api_settings)) as client:
        ready = client.get("/ready")

    repair.join()
    assert ready.status_code == 200
    assert ready.json()["model_version"] == 1
