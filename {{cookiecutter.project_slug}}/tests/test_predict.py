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
from {{ cookiecutter.package_name }}.data import (
    read_table,
    write_table,
)
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.onnx_model import pipeline_scores
from {{ cookiecutter.package_name }}.outputs import (
    OUTPUT_COLUMNS,
    interpret,
)
from {{ cookiecutter.package_name }}.predict import score_file
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.schema import (
    NUMERIC,
    TASK,
)

from .contract_cases import (
    BadValue,
    bad_feature_values,
    features,
    numeric,
    sample,
    unlabelled,
)

BAD = bad_feature_values()


def champion(settings: Settings) -> LoadedModel:
    registry = scoring_registry(settings)
    return load_version(registry, registry.require_champion())


def rows_to_score(count: int) -> pd.DataFrame:
    return unlabelled(sample(rows=count, seed=99))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_batches_score_as_the_pipeline_scores_the_whole_file(
    trained: Settings, tmp_path: Path, suffix: str
) -> None:
    model = champion(trained)
    rows = rows_to_score(1000)
    source, target = tmp_path / f"in{suffix}", tmp_path / "out" / f"s{suffix}"
    write_table(rows, source)

    assert score_file(model.scorer, source, target, 0.5, batch_rows=128) == 1000

    written = read_table(target)
    pipeline = Registry(trained).load(Registry(trained).require_champion())
    scores = pipeline_scores(pipeline, features(rows))
    expected = interpret(scores, 0.5)
    assert model.backend == "onnx"
    # The input's columns pass through untouched, in their order, then the scores.
    assert list(written.columns) == [*rows.columns, *OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(written[rows.columns], read_table(source))
    if TASK == "regression":
        gap = np.abs(written["prediction"].to_numpy() - scores)
        assert gap.max() <= trained.onnx_tolerance * np.abs(scores).max()
        return
    assert expected.probability is not None
    gap = np.abs(written["probability"].to_numpy() - expected.probability)
    assert gap.max() <= trained.onnx_tolerance
    # Labels agree wherever float32 rounding cannot move a row across the cut.
    near = np.abs(expected.probability - 0.5) <= trained.onnx_tolerance
    clear = ~near if TASK == "binary" else slice(None)
    assert (
        written["prediction"].to_numpy()[clear].tolist()
        == expected.labels[clear].tolist()
    )


def as_text(bad: BadValue) -> bool:
    """Whether ``bad`` is text in a numeric column."""
    return isinstance(bad.value, str) and bad.column in NUMERIC


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_a_bad_batch_stops_the_run_naming_rows_and_rule_and_writes_nothing(
    trained: Settings, tmp_path: Path, case: BadValue
) -> None:
    rows = case.into(case.into(rows_to_score(500), row=301), row=302)
    others = [
        bad for bad in BAD.values() if bad.column != case.column and not as_text(bad)
    ]
    for later in others[:1]:
        rows = later.into(rows, row=450)
    if as_text(case):
        # Parquet holds one type a column: numbers written as text, as some tools do.
        rows = rows.astype({case.column: "string"})
    folder = tmp_path / "batch"
    source, target = folder / "in.parquet", folder / "in.predictions.csv"
    write_table(rows, source)
    target.write_text("the last run's scores\n")

    with pytest.raises(DataError) as error:
        score_file(champion(trained).scorer, source, target, 0.5, batch_rows=100)

    # The batch of rows 300-399 stops the run: the one holding row 450 is never read.
    message = str(error.value)
    line = next(x for x in message.splitlines() if f"column {case.column!r}: " in x)
    assert case.rule in line
    assert "in 2 rows (301, 302); offending values: [" in line
    assert case.shown in line
    for later in others[:1]:
        assert f"column {later.column!r}" not in message
    assert target.read_text() == "the last run's scores\n"
    assert sorted(p.name for p in folder.iterdir()) == [
        "in.parquet",
        "in.predictions.csv",
    ]


@pytest.mark.skipif(not NUMERIC, reason="the contract has no numeric feature")
def test_text_that_is_not_a_number_in_a_csv_is_named_with_its_row(
    trained: Settings, tmp_path: Path
) -> None:
    feature = numeric()
    assert feature is not None
    rows = rows_to_score(50).astype({feature.name: object})
    rows.loc[7, feature.name] = "a few"
    write_table(rows, tmp_path / "in.csv")

    with pytest.raises(DataError, match=rf"{feature.name!r}.*in 1 row \(7\).*a few"):
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
    with pytest.raises(DataError) as caught:
        score_file(
            model.scorer, tmp_path / "scored.parquet", tmp_path / "x.csv", 0.5, 10
        )
    assert str(sorted(OUTPUT_COLUMNS)) in str(caught.value)
