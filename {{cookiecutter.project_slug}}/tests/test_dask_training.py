"""Training on a real Dask cluster (two worker processes on this machine) from a folder
of Parquet parts: the gradient-boosting families, whatever the contract's columns."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster
{%- if cookiecutter.include_api %}
from fastapi.testclient import TestClient
{%- endif %}
from typer.testing import CliRunner
{% if cookiecutter.include_api %}
from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.champion import PipelineScorer
{%- endif %}
from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
)
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    MAX_DATA_AGE_DAYS,
    MIN_ROWS,
)
from {{ cookiecutter.package_name }}.dask_training import fit_on_cluster
from {{ cookiecutter.package_name }}.data import (
    load_training_data,
    split,
)
from {{ cookiecutter.package_name }}.errors import (
    ConfigurationError,
    DataError,
)
{%- if cookiecutter.include_api %}
from {{ cookiecutter.package_name }}.outputs import interpret
{%- endif %}
from {{ cookiecutter.package_name }}.registry import Registry
{%- if cookiecutter.include_api %}
from {{ cookiecutter.package_name }}.schema import TASK
{%- endif %}
from {{ cookiecutter.package_name }}.train import (
    Fitted,
    train,
)

from .contract_cases import bad_feature_values, {% if cookiecutter.include_api %}records, {% endif %}sample

ROWS, FILE_ROWS, ROW_GROUP = 2000, 1000, 250  # two files of four parts each
FAMILIES = ("lightgbm", "xgboost")


def write_parts(rows: pd.DataFrame, folder: Path) -> Path:
    """``rows`` as a folder of Parquet files of FILE_ROWS rows each."""
    folder.mkdir(parents=True)
    for n, start in enumerate(range(0, len(rows), FILE_ROWS)):
        part = rows.iloc[start : start + FILE_ROWS]
        part.to_parquet(folder / f"{n:03d}.parquet", row_group_size=ROW_GROUP)
    return folder


@pytest.fixture
def parts(tmp_path: Path) -> Path:
    return write_parts(sample(rows=ROWS, seed=11), tmp_path / "parts")


@contextmanager
def untimed(name: str) -> Iterator[None]:
    yield


def fit(client: Client, settings: Settings, path: Path, fraction: float = 1) -> Fitted:
    return fit_on_cluster(
        client,
        settings,
        path,
        seed=settings.seed,
        now=None,
        sample_fraction=fraction,
        step=untimed,
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_trains_the_same_model_bytes_twice_and_serves_them(
    family: str, client: Client, parts: Path, settings: Settings, tmp_path: Path
) -> None:
    family_settings = settings.model_copy(update={"estimator": family})
    on_the_cluster = partial(fit_on_cluster, client)

    first = train(family_settings, data_path=parts, fit=on_the_cluster)
    second = train(family_settings, data_path=parts, fit=on_the_cluster)

    assert first.model_sha256 == second.model_sha256
    assert first.metrics == second.metrics
    assert (first.engine, first.estimator) == ("dask", family)
    assert first.rows_train + first.rows_validation == ROWS
    # Converted to ONNX, and the ONNX scores match the pipeline's on validation rows.
    assert first.serving_backend == "onnx"
    assert first.onnx_max_difference is not None
    assert first.onnx_max_difference <= settings.onnx_tolerance
    assert second.promoted  # as good as the champion: the same model
    registry = Registry(family_settings)
    champion = registry.require_champion()
    assert champion.number == second.model_version
    assert champion.tags["sample_fraction"] == "1.0"
{%- if cookiecutter.include_api %}

    # The API serves the registered version as its pipeline scores.
    rows = records(sample(rows=20, seed=5))
    served = family_settings.model_copy(
        update={
            "api_reload_interval_s": 0,
            "prediction_log_path": tmp_path / "predictions.jsonl",
        }
    )
    with TestClient(create_app(served)) as api:
        response = api.post("/predict", json={"instances": rows})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model_version"] == second.model_version
    pipeline = PipelineScorer(registry.load(champion))
    expected = interpret(pipeline.from_records(rows), settings.decision_threshold)
    got = [p["prediction"] for p in answer["predictions"]]
    if TASK == "regression":
        scale = max(float(abs(expected.labels).max()), 1.0)
        tolerance = settings.onnx_tolerance * scale
        assert got == pytest.approx(expected.labels.tolist(), abs=tolerance)
    else:
        assert got == expected.labels.tolist()
{%- endif %}


def test_the_split_matches_in_process_training(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    rows = sample(rows=ROWS, seed=11)
    whole = tmp_path / "whole.parquet"
    rows.to_parquet(whole)

    fitted = fit(
        client,
        settings.model_copy(update={"estimator": "xgboost"}),
        write_parts(rows, tmp_path / "parts"),
    )

    _, validation_rows = split(
        load_training_data(settings, whole), settings.validation_fraction, settings.seed
    )
    # The cluster's cut comes from quantile sketches: within a percent of the rows.
    assert fitted.rows_validation == pytest.approx(len(validation_rows), abs=ROWS / 100)
    assert fitted.rows_train + fitted.rows_validation == ROWS
    # Under SAMPLE_ROWS a side, the driver holds every row of both.
    assert len(fitted.train_rows) == fitted.rows_train
    assert len(fitted.validation_rows) == fitted.rows_validation
    if EVENT_TIME is not None:
        newest_trained = fitted.train_rows[EVENT_TIME].max()
        assert fitted.validation_rows[EVENT_TIME].min() >= newest_trained


def test_a_sample_fraction_trains_on_a_seeded_share_of_every_part(
    client: Client, parts: Path, settings: Settings
) -> None:
    xgboost = settings.model_copy(update={"estimator": "xgboost"})

    half = fit(client, xgboost, parts, fraction=0.5)
    again = fit(client, xgboost, parts, fraction=0.5)

    rows = half.rows_train + half.rows_validation
    assert rows == pytest.approx(ROWS / 2, rel=0.1)
    pd.testing.assert_frame_equal(half.train_rows, again.train_rows)
    if EVENT_TIME is not None:
        newest_trained = half.train_rows[EVENT_TIME].max()
        assert half.validation_rows[EVENT_TIME].min() >= newest_trained


def test_a_broken_row_stops_training_naming_its_file_and_row(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    cases = bad_feature_values()
    bad = cases.get("unknown-category") or cases["out-of-range"]
    # Row 620 of the second file, in its third row group.
    rows = bad.into(sample(rows=ROWS, seed=11), row=FILE_ROWS + 620)
    folder = write_parts(rows, tmp_path / "parts")

    with pytest.raises(DataError) as error:
        fit(client, settings.model_copy(update={"estimator": "xgboost"}), folder)

    message = str(error.value)
    second_file = folder.resolve() / "001.parquet"
    assert message.startswith(f"{second_file} breaks the data contract")
    assert f"column {bad.column!r}: {bad.rule}" in message
    assert "in 1 row (620); offending values: [" in message


def test_the_rules_of_the_whole_data_set_hold_across_parts(
    client: Client, settings: Settings, tmp_path: Path
) -> None:
    xgboost = settings.model_copy(update={"estimator": "xgboost"})
    # Each file is below MIN_ROWS; together they are enough.
    few = max(MIN_ROWS // 2 + 1, 50)
    rows = sample(rows=2 * few, seed=3)
    enough = tmp_path / "enough"
    enough.mkdir()
    rows.iloc[:few].to_parquet(enough / "a.parquet")
    rows.iloc[few:].to_parquet(enough / "b.parquet")
    assert fit(client, xgboost, enough).rows_train > 0

    if MIN_ROWS > 1:
        too_few = write_parts(sample(rows=MIN_ROWS - 1, seed=3), tmp_path / "few")
        with pytest.raises(DataError, match=rf"at least {MIN_ROWS} labelled rows"):
            fit(client, xgboost, too_few)

    if EVENT_TIME is not None and MAX_DATA_AGE_DAYS is not None:
        end = datetime.now(UTC) - timedelta(days=MAX_DATA_AGE_DAYS + 1)
        stale = write_parts(sample(rows=ROWS, seed=3, end=end), tmp_path / "stale")
        with pytest.raises(DataError, match=rf"newest {EVENT_TIME} must be after"):
            fit(client, xgboost, stale)

    if ENTITY_ID is not None:
        # Each part's ids are unique; row 3 of the second file repeats row 17 of the first.
        repeated = sample(rows=ROWS, seed=3)
        value = str(repeated.at[17, ENTITY_ID])
        repeated.at[FILE_ROWS + 3, ENTITY_ID] = value
        twice = write_parts(repeated, tmp_path / "twice")
        with pytest.raises(DataError) as error:
            fit(client, xgboost, twice)
        message = str(error.value)
        assert f"column {ENTITY_ID!r}: values must be unique" in message
        assert "1 id in more than one row" in message
        assert f"{value!r} in 000.parquet row 17, 001.parquet row 3" in message


def test_a_family_without_a_dask_trainer_is_refused(
    client: Client, parts: Path, settings: Settings
) -> None:
    forest = settings.model_copy(update={"estimator": "random_forest"})

    with pytest.raises(ConfigurationError, match="ESTIMATOR='random_forest'"):
        fit(client, forest, parts)


def test_train_runs_on_a_scheduler_by_its_address(
    cluster: LocalCluster,
    parts: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}ESTIMATOR", "lightgbm")
    address = cluster.scheduler_address
    arguments = ["train", "--data", str(parts), "--engine", "dask", "--json"]

    result = CliRunner().invoke(app, [*arguments, "--scheduler", address])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["engine"], report["estimator"], report["model_version"]) == (
        "dask",
        "lightgbm",
        1,
    )
    assert report["rows_train"] + report["rows_validation"] == ROWS

    forest = {f"{ENV_PREFIX}ESTIMATOR": "random_forest"}
    refused = CliRunner().invoke(app, arguments, env=forest)
    assert refused.exit_code == 1
    assert "--engine dask trains lightgbm or xgboost" in refused.stderr
