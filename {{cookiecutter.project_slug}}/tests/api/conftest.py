"""API fixtures: the app, serving the trained champion of a copied store."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings
{%- if cookiecutter.include_feature_store %}

from ..conftest import feature_store_fields
{%- endif %}


@pytest.fixture
def api_settings(
    tmp_path: Path,
    trained: Settings,
{%- if cookiecutter.include_feature_store %}
    feature_store: Path,
{%- endif %}
) -> Settings:
    """Settings that serve the trained champion, with no background polling{% if cookiecutter.include_feature_store %}, and
    the session's feature store (the champion was trained on the same sample){% endif %}."""
    return trained.model_copy(
        update={
            "api_reload_interval_s": 0,
            "prediction_log_path": tmp_path / "logs" / "predictions.jsonl",
{%- if cookiecutter.include_feature_store %}
            **feature_store_fields(feature_store),
{%- endif %}
        }
    )


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as client:
        yield client
