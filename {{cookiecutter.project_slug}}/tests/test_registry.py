"""The registry's answers when there is nothing to find."""

from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.errors import (
    NoChampionError,
    RegistryError,
)
from {{ cookiecutter.package_name }}.registry import Registry


def test_empty_registry_has_no_champion_and_says_what_to_run(
    settings: Settings,
) -> None:
    registry = Registry(settings)

    assert registry.champion() is None
    with pytest.raises(
        NoChampionError, match=r"has no 'champion' alias; run '.* train' first"
    ):
        registry.require_champion()


def test_promoting_a_missing_version_lists_the_versions(settings: Settings) -> None:
    with pytest.raises(RegistryError, match=r"has no version 7; its versions: none"):
        Registry(settings).promote(7)


def test_unreachable_server_is_a_registry_error_naming_it(down: Settings) -> None:
    with pytest.raises(RegistryError) as caught:
        Registry(down).champion()

    message = str(caught.value)
    assert "http://ci:***@127.0.0.1:9/" in message
    assert "s3cret" not in message
    assert "Check MLFLOW_TRACKING_URI" in message


def test_promote_with_the_server_down_says_so(down: Settings) -> None:
    with pytest.raises(RegistryError, match="Check MLFLOW_TRACKING_URI"):
        Registry(down).promote(1)


def test_a_local_store_that_is_no_database_is_named(settings: Settings) -> None:
    Path("mlflow.db").write_bytes(b"this is no longer a database")

    with pytest.raises(RegistryError) as caught:
        Registry(settings).promote(1)

    message = str(caught.value)
    assert "Could not open the store" in message
    assert "sqlite:///" in message
    assert "file is not a database" in message
    assert "SELECT" not in message  # SQLAlchemy's query and link stay out
