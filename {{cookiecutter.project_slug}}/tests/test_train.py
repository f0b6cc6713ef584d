"""Training end to end against a real MLflow sqlite store in tmp_path."""

import hashlib
import logging
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.data import (
    file_sha256,
    read_table,
    write_table,
)
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.train import train


def stored_model_sha256(settings: Settings, version: int) -> str:
    """sha256 of the model as stored in the registry, loaded back and pickled.

    The stored skops archive embeds Python object ids, so its own bytes differ from run
    to run; the pickled model is the canonical byte form.
    """
    model = Registry(settings).load(Registry(settings).get(version))
    return hashlib.sha256(pickle.dumps(model, protocol=5)).hexdigest()


def with_noise_labels(source: Path, target: Path) -> Path:
    """Shuffle the labels of the older 80 % of rows, which train: a model learns nothing
    from them, while the newest rows, which validate, keep their true labels."""
    frame = read_table(source).sort_values("event_time", kind="stable")
    labels = frame["churned"].to_numpy()
    cut = int(len(frame) * 0.8)
    shuffled = np.random.default_rng(0).permutation(labels[:cut])
    write_table(frame.assign(churned=np.concatenate([shuffled, labels[cut:]])), target)
    return target


def test_same_seed_same_metrics_and_model_bytes_in_two_fresh_stores(
    settings: Settings, tmp_path: Path, migrated_store: Path
) -> None:
    shutil.copyfile(migrated_store, tmp_path / "second.db")
    second_settings = settings.model_copy(
        update={
            "mlflow_tracking_uri": f"sqlite:///{tmp_path / 'second.db'}",
            "artifact_dir": tmp_path / "second-artifacts",
        }
    )

    first = train(settings)
    second = train(second_settings)

    assert first.metrics == second.metrics
    assert first.model_sha256 == second.model_sha256
    assert stored_model_sha256(settings, 1) == stored_model_sha256(second_settings, 1)


def test_another_seed_changes_a_stochastic_model(settings: Settings) -> None:
    forest = settings.model_copy(
        update={"estimator": "random_forest", "n_estimators": 20}
    )

    first = train(forest, seed=1)
    second = train(forest, seed=2)

    assert first.seed == 1
    assert second.seed == 2
    assert first.model_sha256 != second.model_sha256
    assert first.metrics != second.metrics


def test_gate_promotes_better_keeps_champion_on_worse_and_rolls_back(
    settings: Settings, sample_path: Path, tmp_path: Path
) -> None:
    noisy = with_noise_labels(sample_path, tmp_path / "noisy.csv")
    no_floor = settings.model_copy(update={"min_primary_metric": 0.0})

    weak = train(no_floor, data_path=noisy)
    strong = train(no_floor)
    challenger = train(no_floor, data_path=noisy)

    assert (weak.model_version, weak.promoted) == (1, True)
    assert (strong.model_version, strong.promoted) == (2, True)
    assert strong.champion_metric == pytest.approx(weak.metrics["roc_auc"], abs=0.05)
    assert (challenger.model_version, challenger.promoted) == (3, False)
    assert "worse than the champion" in challenger.reason
    registry = Registry(settings)
    champion = registry.champion()
    assert champion is not None
    assert champion.number == 2
    assert registry.get(3).tags["promotion"] == "rejected"
    assert "worse than the champion" in registry.get(3).tags["promotion_reason"]

    registry.promote(1)  # rollback

    champion = registry.champion()
    assert champion is not None
    assert champion.number == 1


def test_floor_keeps_a_first_weak_model_from_serving(
    settings: Settings, sample_path: Path, tmp_path: Path
) -> None:
    noisy = with_noise_labels(sample_path, tmp_path / "noisy.csv")

    result = train(
        settings.model_copy(update={"min_primary_metric": 0.95}), data_path=noisy
    )

    assert not result.promoted
    assert "below the minimum" in result.reason
    assert Registry(settings).champion() is None


def test_run_records_params_metrics_tags_and_documents(
    settings: Settings, sample_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret = Settings(
        data_path=sample_path,
        min_rows=100,
        mlflow_tracking_username="ci",
        mlflow_tracking_password=SecretStr("s3cret-value"),
    )

    result = train(secret)

    client = MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)
    run = client.get_run(result.run_id)
    assert run.data.params["seed"] == "42"
    assert run.data.params["estimator"] == "logistic_regression"
    assert set(run.data.metrics) == {"roc_auc", "pr_auc", "f1", "accuracy", "log_loss"}
    assert (
        run.data.tags["data_sha256"] == file_sha256(sample_path) == result.data_sha256
    )
    # DVC's name for the same file, so a run can be found from a DVC data version.
    md5 = hashlib.md5(sample_path.read_bytes(), usedforsecurity=False).hexdigest()
    assert run.data.tags["data_md5"] == result.data_md5 == md5
    assert run.data.tags["model_sha256"] == result.model_sha256
    assert int(run.data.tags["rows_train"]) + result.rows_validation == 600
    documents = {a.path for a in client.list_artifacts(result.run_id)}
    assert {"contract.json", "reference_statistics.json"} <= documents
    recorded = [*run.data.params.values(), *run.data.tags.values(), caplog.text]
    assert not any("s3cret-value" in text for text in recorded)
    for fact in ("seed 42", "600 rows", result.run_id, "version 1"):
        assert fact in caplog.text, fact


@pytest.mark.parametrize(
    "breaker",
    [
        lambda f: f.assign(contract="weekly"),
        lambda f: f.drop(columns="tenure_months"),
        lambda f: f.assign(event_time=pd.Timestamp("2001-01-01", tz="UTC")),
    ],
    ids=["unknown-category", "missing-column", "stale"],
)
def test_bad_data_stops_before_anything_is_logged(
    settings: Settings,
    sample_path: Path,
    tmp_path: Path,
    breaker: Callable[[pd.DataFrame], pd.DataFrame],
) -> None:
    bad = tmp_path / "bad.csv"
    write_table(breaker(read_table(sample_path)), bad)

    with pytest.raises(DataError, match=r"bad.csv breaks the data contract"):
        train(settings, data_path=bad)

    client = MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)
    experiments = client.search_experiments()
    assert client.search_runs([e.experiment_id for e in experiments]) == []
    assert client.search_registered_models() == []
