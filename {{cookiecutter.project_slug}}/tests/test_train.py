"""Training end to end against a real MLflow sqlite store in tmp_path."""

import hashlib
import logging
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from mlflow import MlflowClient
from pydantic import SecretStr

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import (
    EVENT_TIME,
    MAX_DATA_AGE_DAYS,
    TARGET,
)
from {{ cookiecutter.package_name }}.data import (
    file_sha256,
    load_training_data,
    read_table,
    require_every_class,
    split,
    write_table,
)
from {{ cookiecutter.package_name }}.drift_bins import REFERENCE_STATISTICS
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.metrics import (
    METRICS,
    is_better,
    metrics_for,
)
from {{ cookiecutter.package_name }}.registry import (
    CONTRACT_DOCUMENT,
    Registry,
)
from {{ cookiecutter.package_name }}.schema import (
    CLASSES,
    TASK,
    describe,
)
from {{ cookiecutter.package_name }}.train import (
    train,
)

from .contract_cases import ROWS, taught_the_opposite, training_breaks


def stored_model_sha256(settings: Settings, version: int) -> str:
    """sha256 of the model as stored in the registry, loaded back and pickled.

    The stored skops archive embeds Python object ids, so its own bytes differ from run
    to run; the pickled model is the canonical byte form.
    """
    model = Registry(settings).load(Registry(settings).get(version))
    return hashlib.sha256(pickle.dumps(model, protocol=5)).hexdigest()


def opposite(settings: Settings, source: Path, target: Path) -> Path:
    """The data with its training rows (as training will split them) taught the
    opposite; the validation rows are left true."""
    rows, _ = split(
        load_training_data(settings, source),
        settings.validation_fraction,
        settings.seed,
    )
    write_table(taught_the_opposite(read_table(source), rows.index), target)
    return target


def client_of(settings: Settings) -> MlflowClient:
    return MlflowClient(settings.mlflow_tracking_uri, settings.mlflow_tracking_uri)


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
        update={"estimator": "random_forest", "estimator_params": {"n_estimators": 20}}
    )

    first = train(forest, seed=1)
    second = train(forest, seed=2)

    assert (first.seed, second.seed) == (1, 2)
    assert first.estimator == "random_forest"
    assert first.model_sha256 != second.model_sha256
    assert first.metrics != second.metrics


def test_gate_rejects_worse_than_the_baseline_rolls_back_and_skips_other_contracts(
    settings: Settings, sample_path: Path, tmp_path: Path
) -> None:
    wrong = opposite(settings, sample_path, tmp_path / "opposite.csv")
    metric = settings.metric

    first = train(settings)
    taught_wrong = train(settings, data_path=wrong)
    again = train(settings)

    assert (first.model_version, first.promoted) == (1, True)
    assert "no comparable champion" in first.reason
    assert is_better(metric, first.metrics[metric], first.baseline_metric)
    assert (taught_wrong.model_version, taught_wrong.promoted) == (2, False)
    assert "does not beat the baseline" in taught_wrong.reason
    # Both validate on the same (true) rows; so does the champion, scored anew.
    assert taught_wrong.champion_metric == pytest.approx(first.metrics[metric])
    assert taught_wrong.baseline_metric == pytest.approx(first.baseline_metric)
    assert (again.model_version, again.promoted) == (3, True)
    assert "at least the champion" in again.reason
    registry = Registry(settings)
    assert registry.get(2).tags["promotion"] == "rejected"
    assert "does not beat the baseline" in registry.get(2).tags["promotion_reason"]
    champion = registry.champion()
    assert champion is not None
    assert champion.number == 3

    registry.promote(1)  # rollback

    champion = registry.champion()
    assert champion is not None
    assert champion.number == 1

    # As if the champion had been trained before the contract changed its target.
    other = describe()
    other["target"] = {**other["target"], "name": f"old_{TARGET.name}"}
    client_of(settings).log_dict(first.run_id, other, CONTRACT_DOCUMENT)

    after_the_change = train(settings)

    assert after_the_change.champion_metric is None
    assert (after_the_change.model_version, after_the_change.promoted) == (4, True)
    assert (
        "the champion (version 1) was trained on another contract, so only the "
        "baseline was compared"
    ) in after_the_change.reason


def test_a_limit_the_model_misses_keeps_it_from_serving(settings: Settings) -> None:
    metric = settings.metric
    higher = METRICS[metric].direction == "higher"
    # No score of ours passes 1 and no loss falls under 0.
    unreachable = 2.0 if higher else -1.0

    result = train(settings.model_copy(update={"primary_metric_limit": unreachable}))

    assert not result.promoted
    bound = "minimum" if higher else "maximum"
    assert (
        f"misses the {bound} {unreachable:.4f} (PRIMARY_METRIC_LIMIT)" in result.reason
    )
    assert Registry(settings).champion() is None


@pytest.mark.skipif(not TARGET.is_classification, reason="a regression target")
def test_a_class_no_training_row_holds_is_refused(sample_path: Path) -> None:
    rows = read_table(sample_path)
    absent = CLASSES[-1]
    rows = rows[rows[TARGET.name] != absent]

    with pytest.raises(DataError) as caught:
        require_every_class(rows)

    assert f"No training row has {TARGET.name} {absent!r}" in str(caught.value)
    require_every_class(read_table(sample_path))


def test_run_records_params_metrics_tags_and_documents(
    settings: Settings, sample_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    secret = Settings(
        data_path=sample_path,
        mlflow_tracking_username="ci",
        mlflow_tracking_password=SecretStr("s3cret-value"),
    )

    result = train(secret)

    client = client_of(settings)
    run = client.get_run(result.run_id)
    metric = settings.metric
    assert (result.task, result.estimator, result.primary_metric) == (
        TASK,
        "linear",
        metric,
    )
    assert run.data.params["seed"] == "42"
    assert run.data.params["estimator"] == "linear"
    assert set(run.data.metrics) == {*metrics_for(TASK), f"baseline_{metric}"}
    assert run.data.metrics[f"baseline_{metric}"] == result.baseline_metric
    assert run.data.tags["task"] == TASK
    assert (
        run.data.tags["data_sha256"] == file_sha256(sample_path) == result.data_sha256
    )
    # DVC's name for the same file, so a run can be found from a DVC data version.
    md5 = hashlib.md5(sample_path.read_bytes(), usedforsecurity=False).hexdigest()
    assert run.data.tags["data_md5"] == result.data_md5 == md5
    assert run.data.tags["model_sha256"] == result.model_sha256
    assert int(run.data.tags["rows_train"]) + result.rows_validation == ROWS
    documents = {a.path for a in client.list_artifacts(result.run_id)}
    assert {CONTRACT_DOCUMENT, REFERENCE_STATISTICS} <= documents
    assert Registry(settings).contract(Registry(settings).get(1)) == describe()
    recorded = [*run.data.params.values(), *run.data.tags.values(), caplog.text]
    assert not any("s3cret-value" in text for text in recorded)
    for fact in ("seed 42", f"{ROWS} rows", result.run_id, "version 1"):
        assert fact in caplog.text, fact


def test_a_sample_is_a_seeded_share_and_says_so_before_a_full_data_champion(
    settings: Settings,
) -> None:
    full = train(settings)
    half = train(settings, sample_fraction=0.5)
    again = train(settings, sample_fraction=0.5)

    assert (full.sample_fraction, half.sample_fraction) == (1.0, 0.5)
    assert half.rows_train + half.rows_validation == pytest.approx(ROWS / 2, rel=0.15)
    assert half.model_sha256 == again.model_sha256
    assert (
        "this model was trained on a 0.5 sample of the rows and the champion "
        "(version 1) on all of them"
    ) in half.reason
    tags = client_of(settings).get_run(half.run_id).data.tags
    assert (tags["sample_fraction"], tags["engine"]) == ("0.5", "local")
    version = Registry(settings).get(half.model_version)
    assert version.tags["sample_fraction"] == "0.5"
    assert half.reason == version.tags["promotion_reason"]


BREAKS = training_breaks()
BAD_DATA: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    name: BREAKS[name][0]
    for name in (
        "unknown-category",
        "missing-column",
        "unknown-class",
        "infinite-target",
    )
    if name in BREAKS
}
if EVENT_TIME is not None and MAX_DATA_AGE_DAYS is not None:
    TIME = EVENT_TIME

    def stale(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.assign(**{TIME: pd.Timestamp("2001-01-01", tz="UTC")})

    BAD_DATA["stale"] = stale


@pytest.mark.parametrize("breaker", BAD_DATA.values(), ids=BAD_DATA.keys())
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

    client = client_of(settings)
    experiments = client.search_experiments()
    assert client.search_runs([e.experiment_id for e in experiments]) == []
    assert client.search_registered_models() == []
