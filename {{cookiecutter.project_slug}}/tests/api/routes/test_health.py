"""Liveness and readiness, with and without a champion."""

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
