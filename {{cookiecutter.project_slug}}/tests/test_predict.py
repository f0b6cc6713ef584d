"""Scoring with the champion, in memory and file to file."""

from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.data import (
    read_table,
    write_table,
)
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.predict import (
    predict,
    score_file,
)
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.train import train


def test_champion_scores_rows_and_files(settings: Settings, tmp_path: Path) -> None:
    train(settings)
    registry = Registry(settings)
    model = registry.load(registry.require_champion())
    rows = make_sample(rows=50, seed=99).drop(columns=["churned", "event_time"])

    scored = predict(model, rows, threshold=0.5)

    assert scored["probability"].between(0, 1).all()
    assert set(scored["prediction"]) <= {0, 1}
    assert (scored["prediction"] == (scored["probability"] >= 0.5)).all()

    source, target = tmp_path / "batch.jsonl", tmp_path / "out" / "scored.csv"
    write_table(rows, source)
    assert score_file(model, source, target, threshold=0.5) == 50
    written = read_table(target)
    assert written["customer_id"].tolist() == rows["customer_id"].tolist()
    assert (
        written["probability"].round(10).tolist()
        == scored["probability"].round(10).tolist()
    )


def test_rows_outside_the_contract_are_refused(
    settings: Settings, tmp_path: Path
) -> None:
    train(settings)
    registry = Registry(settings)
    model = registry.load(registry.require_champion())
    source = tmp_path / "batch.csv"
    write_table(make_sample(rows=5, seed=1).assign(internet_service="cable"), source)

    with pytest.raises(DataError, match=r"'internet_service'.*cable"):
        score_file(model, source, tmp_path / "out.csv", threshold=0.5)
