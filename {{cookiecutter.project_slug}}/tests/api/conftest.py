"""API fixtures: a store with one trained champion, copied for each test."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.data import write_table
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.train import train


@pytest.fixture(scope="session")
def trained_store(
    tmp_path_factory: pytest.TempPathFactory, migrated_store: Path
) -> Path:
    """A store whose champion is version 1, trained once for the whole session.

    Tests copy the database; the artifacts stay where the experiment points, read only.
    """
    folder = tmp_path_factory.mktemp("trained")
    shutil.copyfile(migrated_store, folder / "mlflow.db")
    data = folder / "churn.csv"
    write_table(make_sample(rows=600, seed=7), data)
    train(
        Settings(
            data_path=data,
            min_rows=100,
            mlflow_tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
            artifact_dir=folder / "artifacts",
        )
    )
    return folder / "mlflow.db"


@pytest.fixture
def api_settings(tmp_path: Path, trained_store: Path, settings: Settings) -> Settings:
    """Settings that serve the trained champion, with no background polling."""
    shutil.copyfile(trained_store, tmp_path / "served.db")
    return settings.model_copy(
        update={
            "mlflow_tracking_uri": f"sqlite:///{tmp_path / 'served.db'}",
            "api_reload_interval_s": 0,
            "prediction_log_path": tmp_path / "logs" / "predictions.jsonl",
        }
    )


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as client:
        yield client
