"""Scoring files with the champion, batch by batch."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from {{ cookiecutter.package_name }}.champion import (
    LoadedModel,
    load_version,
    scoring_registry,
)
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import FEATURE_NAMES
from {{ cookiecutter.package_name }}.data import read_table, write_table
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.predict import score_file
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.sample import make_sample


def champion(settings: Settings) -> LoadedModel:
    registry = scoring_registry(settings)
    return load_version(registry, registry.require_champion())


def rows_to_score(count: int) -> pd.DataFrame:
    return make_sample(rows=count, seed=99).drop(columns="churned")


@pytest.mark.parametrize("suffixes", [(".csv", ".csv"), (".parquet", ".parquet")])
def test_batches_score_as_the_pipeline_scores_the_whole_file(
    trained: Settings, tmp_path: Path, suffixes: tuple[str, str]
) -> None:
    model = champion(trained)
    rows = rows_to_score(1000)
    source, target = tmp_path / f"in{suffixes[0]}", tmp_path / "out" / f"s{suffixes[1]}"
    write_table(rows, source)

    assert score_file(model.scorer, source, target, 0.5, batch_rows=128) == 1000

    written = read_table(target)
    pipeline = Registry(trained).load(Registry(trained).require_champion())
    expected = pipeline.predict_proba(rows[list(FEATURE_NAMES)])[:, 1]
    assert model.backend == "onnx"
    assert np.abs(written["probability"].to_numpy() - expected).max() < 1e-6
    assert written["prediction"].tolist() == (expected >= 0.5).astype(int).tolist()
    # The input's columns pass through untouched, in their order, then the scores.
    assert list(written.columns) == [*rows.columns, "prediction", "probability"]
    pd.testing.assert_frame_equal(written[rows.columns], read_table(source))


def test_a_bad_batch_stops_the_run_naming_rows_and_rule_and_writes_nothing(
    trained: Settings, tmp_path: Path
) -> None:
    rows = rows_to_score(500)
    rows.loc[[301, 302], "internet_service"] = "cable"
    rows.loc[450, "contract"] = "weekly"
    folder = tmp_path / "batch"
    source, target = folder / "in.parquet", folder / "in.predictions.csv"
    write_table(rows, source)
    target.write_text("the last run's scores\n")

    with pytest.raises(DataError) as error:
        score_file(champion(trained).scorer, source, target, 0.5, batch_rows=100)

    # The batch of rows 300-399 stops the run: the one holding row 450 is never read.
    message = str(error.value)
    assert "column 'internet_service': isin(" in message
    assert "in 2 rows (301, 302); offending values: ['cable']" in message
    assert "weekly" not in message
    assert target.read_text() == "the last run's scores\n"
    assert sorted(p.name for p in folder.iterdir()) == [
        "in.parquet",
        "in.predictions.csv",
    ]


def test_text_that_is_not_a_number_is_named_with_its_row(
    trained: Settings, tmp_path: Path
) -> None:
    rows = rows_to_score(50).astype({"support_calls": object})
    rows.loc[7, "support_calls"] = "a few"
    write_table(rows, tmp_path / "in.csv")

    with pytest.raises(DataError, match=r"'support_calls'.*in 1 row \(7\).*a few"):
        score_file(
            champion(trained).scorer, tmp_path / "in.csv", tmp_path / "o.csv", 0.5, 10
        )


def test_refuses_to_overwrite_its_input_or_to_score_twice(
    trained: Settings, tmp_path: Path
) -> None:
    model = champion(trained)
    source = tmp_path / "in.parquet"
    write_table(rows_to_score(20), source)
    score_file(model.scorer, source, tmp_path / "scored.parquet", 0.5, 10)

    with pytest.raises(DataError, match="would overwrite the input"):
        score_file(model.scorer, source, source, 0.5, 10)
    with pytest.raises(DataError, match=r"\['prediction', 'probability'\]"):
        score_file(
            model.scorer, tmp_path / "scored.parquet", tmp_path / "x.csv", 0.5, 10
        )
