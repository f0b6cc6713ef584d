"""Scoring on a real Dask cluster: two worker processes on this machine, writing the
output columns of the contract's task."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.champion import (
    ModelFiles,
    fetch,
    scoring_registry,
)
from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.dask_scoring import score_on_cluster
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.outputs import OUTPUT_COLUMNS
from {{ cookiecutter.package_name }}.predict import score_file

from .contract_cases import bad_feature_values, sample, unlabelled

ROWS, ROW_GROUP = 1000, 125  # eight parts


def champion_files(settings: Settings) -> ModelFiles:
    registry = scoring_registry(settings)
    return fetch(registry, registry.require_champion())


@contextmanager
def scorers_built(client: Client) -> Iterator[Callable[[], dict[str, int]]]:
    """Count, in every worker process, the scorers built from model files while the
    block runs; yields a function that reads the counts, by worker address."""

    def count_calls() -> None:
        from {{ cookiecutter.package_name }} import champion

        build = champion.ModelFiles.scorer

        def counted(self: champion.ModelFiles) -> champion.Scorer:
            champion.scorers_built += 1  # type: ignore[attr-defined]
            return build(self)

        champion.scorers_built = 0  # type: ignore[attr-defined]
        champion.original_scorer = build  # type: ignore[attr-defined]
        champion.ModelFiles.scorer = counted  # type: ignore[method-assign]

    def read() -> int:
        from {{ cookiecutter.package_name }} import champion

        built: int = champion.scorers_built  # type: ignore[attr-defined]
        return built

    def restore() -> None:
        from {{ cookiecutter.package_name }} import champion

        champion.ModelFiles.scorer = champion.original_scorer  # type: ignore[attr-defined,method-assign]

    client.run(count_calls)
    try:
        yield lambda: client.run(read)
    finally:
        client.run(restore)


def parquet_rows(path: Path) -> pd.DataFrame:
    rows = unlabelled(sample(rows=ROWS, seed=21))
    path.parent.mkdir(parents=True, exist_ok=True)
    rows.to_parquet(path, row_group_size=ROW_GROUP, index=False)
    return rows


def test_two_workers_score_as_one_process_with_one_scorer_each(
    client: Client, trained: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    source_rows = parquet_rows(source)
    files = champion_files(trained)

    with scorers_built(client) as built:
        parts = score_on_cluster(
            client, files, source, tmp_path / "out.parquet", 0.5, batch_rows=50
        )
        counts = built()
    score_file(files.scorer(), source, tmp_path / "local.parquet", 0.5, 50)

    written = sorted((tmp_path / "out.parquet").iterdir())
    assert [p.name for p in written] == [f"part-{n:05d}.parquet" for n in range(8)]
    distributed = pd.concat(map(pd.read_parquet, written), ignore_index=True)
    assert list(distributed.columns) == [*source_rows.columns, *OUTPUT_COLUMNS]
    pd.testing.assert_frame_equal(
        distributed, pd.read_parquet(tmp_path / "local.parquet")
    )
    assert sum(part.rows for part in parts) == ROWS
    # Eight parts on two workers, and each worker built its scorer once.
    assert len(parts) == 8
    assert counts == dict.fromkeys(client.scheduler_info()["workers"], 1)


def test_a_broken_row_stops_the_job_naming_its_file_and_row(
    client: Client, trained: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "in.parquet"
    rows = parquet_rows(source)
    # A value of the column's own type, as a Parquet file holds it.
    cases = bad_feature_values()
    bad = cases.get("unknown-category") or cases["out-of-range"]
    bad.into(rows, row=620).to_parquet(source, row_group_size=ROW_GROUP, index=False)
    target = tmp_path / "out.parquet"

    with pytest.raises(DataError) as error:
        score_on_cluster(client, champion_files(trained), source, target, 0.5, 50)

    message = str(error.value)
    assert message.startswith(f"{source} breaks the data contract")
    assert f"column {bad.column!r}: {bad.rule}" in message
    assert "in 1 row (620); offending values: [" in message
    assert bad.shown in message
    assert not target.exists()
    assert not list(tmp_path.glob(".out.parquet.*"))


def test_predict_runs_on_a_scheduler_by_its_address(
    cluster: LocalCluster,
    trained: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", trained.mlflow_tracking_uri)
    parquet_rows(tmp_path / "in.parquet")
    address = cluster.scheduler_address

    result = CliRunner().invoke(
        app,
        ["predict", "in.parquet", "--engine", "dask", "--scheduler", address, "--json"],
    )

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["rows"], report["engine"], report["backend"]) == (
        ROWS,
        "dask",
        "onnx",
    )
    assert len(pd.read_parquet(tmp_path / "in.predictions.parquet")) == ROWS
