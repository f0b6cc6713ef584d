"""Shared fixtures: every test runs in its own folder, with its own MLflow store."""

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING{% if cookiecutter.include_feature_store %}, Any{% endif %}

import pytest

from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
{%- if cookiecutter.include_feature_store %}
    env_name,
{%- endif %}
    get_settings,
)
from {{ cookiecutter.package_name }}.data import write_table
from {{ cookiecutter.package_name }}.train import (
    TrainResult,
    train,
)

from .contract_cases import sample

if TYPE_CHECKING:  # Dask is imported by the tests that use it: it is an extra
    from distributed import Client, LocalCluster

LOCAL_STORES = ("mlflow.db", "mlruns", "mlartifacts")
{%- if cookiecutter.include_feature_store %}
PROJECT_ROOT = Path(__file__).resolve().parents[1]
{%- endif %}


def pytest_configure(config: pytest.Config) -> None:
    """No test reports to MLflow's or onnxruntime's makers, whatever the environment or
    .env says.

    Both decide when they start, so this runs before any test module imports them
    (this file imports MLflow only inside fixtures).
    """
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


@pytest.fixture(scope="session", autouse=True)
def no_store_left_in_the_project() -> Iterator[None]:
    """No test may write MLflow data into the working tree."""
    root = Path.cwd()
    before = {name for name in LOCAL_STORES if (root / name).exists()}
    yield
    after = {name for name in LOCAL_STORES if (root / name).exists()}
    assert after <= before, f"tests left {sorted(after - before)} in {root}"


@pytest.fixture(scope="session")
def migrated_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty sqlite store with MLflow's schema; migrating costs seconds, copying does not."""
    import mlflow

    path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    mlflow.MlflowClient(tracking_uri=f"sqlite:///{path}").search_experiments()
    return path


@pytest.fixture(autouse=True)
def isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_store: Path
) -> Iterator[Path]:
    """Run in tmp_path with a fresh MLflow store and no settings from outside."""
    import mlflow

    kept = "MLFLOW_DISABLE_TELEMETRY"  # see pytest_configure
    for name in list(os.environ):
        if name.startswith((ENV_PREFIX, "MLFLOW_")) and name != kept:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(migrated_store, tmp_path / "mlflow.db")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    # MLflow keeps both URIs in globals as well; point them here too.
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def sample_path(tmp_path: Path) -> Path:
    """Sample rows of the contract ending today: enough to train in about a second."""
    path = tmp_path / "data" / "sample.csv"
    write_table(sample(), path)
    return path


@pytest.fixture
def settings(sample_path: Path) -> Settings:
    return Settings(data_path=sample_path)


@pytest.fixture
def down(settings: Settings) -> Settings:
    """Settings pointing at a tracking server that is not there, giving up at once."""
    return settings.model_copy(
        update={
            "mlflow_tracking_uri": "http://ci:s3cret@127.0.0.1:9/",
            "mlflow_http_max_retries": 0,
            "mlflow_http_timeout_s": 2,
        }
    )


@pytest.fixture(scope="session")
def cluster() -> Iterator["LocalCluster"]:
    """Two worker processes for the session's Dask tests: starting them takes seconds."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        memory_limit="2GiB",
    ) as cluster:
        yield cluster


@pytest.fixture(scope="session")
def client(cluster: "LocalCluster") -> Iterator["Client"]:
    """A client of the session's cluster (the API tests' ``client`` is another)."""
    from distributed import Client

    with Client(cluster) as client:
        yield client


@dataclass(frozen=True)
class Trained:
    """The session's trained store: its database, and what training reported."""

    store: Path
    result: TrainResult


@pytest.fixture(scope="session")
def trained_session(
    tmp_path_factory: pytest.TempPathFactory, migrated_store: Path
) -> Trained:
    """A store whose champion is version 1, trained once for the whole session.

    Tests copy the database; the artifacts stay where the experiment points, read only.
    """
    folder = tmp_path_factory.mktemp("trained")
    shutil.copyfile(migrated_store, folder / "mlflow.db")
    data = folder / "sample.csv"
    write_table(sample(), data)
    result = train(
        Settings(
            data_path=data,
            mlflow_tracking_uri=f"sqlite:///{folder / 'mlflow.db'}",
            artifact_dir=folder / "artifacts",
        )
    )
    return Trained(folder / "mlflow.db", result)


@pytest.fixture(scope="session")
def trained_store(trained_session: Trained) -> Path:
    return trained_session.store


@pytest.fixture
def trained(tmp_path: Path, trained_store: Path, settings: Settings) -> Settings:
    """Settings whose store holds a champion (version 1): a copy of the session's."""
    shutil.copyfile(trained_store, tmp_path / "trained.db")
    return settings.model_copy(
        update={"mlflow_tracking_uri": f"sqlite:///{tmp_path / 'trained.db'}"}
    )
{%- if cookiecutter.include_feature_store %}


def feature_store_fields(folder: Path, ttl_days: int = 180) -> dict[str, Any]:
    """Settings that put a feature store (registry, online and offline) in ``folder``."""
    return {
        "feature_repo": PROJECT_ROOT / "feature_repo",
        "feature_registry_path": folder / "registry.db",
        "feature_online_store_path": folder / "online.db",
        "feature_source_path": folder / "features.parquet",
        "feature_ttl_days": ttl_days,
    }


def use_feature_store(
    monkeypatch: pytest.MonkeyPatch, folder: Path, data: Path, ttl_days: int = 180
) -> Settings:
    """Point the settings at a feature store in ``folder`` and return them. They go
    through the environment: the Feast definitions read it, as under `feast apply`."""
    fields = {
        "data_path": data,
        **feature_store_fields(folder, ttl_days),
    }
    for name, value in fields.items():
        monkeypatch.setenv(env_name(name), str(value))
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
def feature_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A feature store holding the session's sample (train.csv beside it), applied and
    materialized once for the session. Tests read it and never write to it.

    A contract without an entity id or an event time can have no store: the folder
    then holds the sample alone, and the API serves instances only.
    """
    from {{ cookiecutter.package_name }}.features import (
        FeatureStoreError,
        apply,
        materialize,
        store_keys,
    )

    folder = tmp_path_factory.mktemp("features")
    data = folder / "train.csv"
    write_table(sample(), data)  # the rows the session's champion learnt from
    try:
        store_keys()
    except FeatureStoreError:
        return folder
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)  # away from a .env in the project
        settings = use_feature_store(patch, folder, data)
        apply(settings)
        materialize(settings, data)
    get_settings.cache_clear()
    return folder


@pytest.fixture
def store_settings(feature_store: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings that read the session's feature store."""
    return use_feature_store(monkeypatch, feature_store, feature_store / "train.csv")
{%- endif %}
