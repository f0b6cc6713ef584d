"""Evidently's drift report. The tests marked ``report`` need Evidently and run in the
report environment (make test-report); the others check the service goes without it."""

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.data import read_table
from {{ cookiecutter.package_name }}.drift_report import (
    REFERENCE_SAMPLE,
    VALUE_DRIFT,
    read_reference,
    reference_sample,
)
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.schema import FEATURE_NAMES
from {{ cookiecutter.package_name }}.train import train

from .contract_cases import shifted

runner = CliRunner()


def prediction_log(path: Path, served: pd.DataFrame) -> Path:
    """A prediction log as the API writes it: a sample of inputs a line (missing
    values as null)."""
    rows = served[list(FEATURE_NAMES)].to_dict(orient="records")
    path.write_text(
        "".join(
            json.dumps(
                {"inputs": [{k: None if pd.isna(v) else v for k, v in r.items()}]}
            )
            + "\n"
            for r in rows
        ),
        encoding="utf-8",
    )
    return path


def test_reference_sample_is_bounded_features_only() -> None:
    frame = make_sample(rows=300, seed=1)

    small = read_reference(reference_sample(frame, rows=100, seed=0))
    whole = read_reference(reference_sample(frame, rows=1000, seed=0))

    assert list(small.columns) == list(FEATURE_NAMES)  # no id, time or label
    assert len(small) == 100
    assert len(whole) == 300
    pd.testing.assert_frame_equal(whole, frame[list(FEATURE_NAMES)])


def test_training_logs_the_reference_sample(settings: Settings) -> None:
    result = train(settings.model_copy(update={"drift_report_reference_rows": 50}))

    registry = Registry(settings)
    logged = registry.download(registry.get(result.model_version), REFERENCE_SAMPLE)

    assert logged is not None
    assert len(read_reference(logged)) == 50


def test_service_environment_has_no_evidently_and_says_where_it_is(
    settings: Settings, tmp_path: Path
) -> None:
    train(settings)
    log = prediction_log(tmp_path / "predictions.jsonl", make_sample(rows=50))

    result = runner.invoke(app, ["drift", str(log), "--report", "drift.html"])

    assert importlib.util.find_spec("evidently") is None
    assert result.exit_code == 1
    assert "--group report" in result.stderr
    assert not Path("drift.html").exists()


def test_report_path_must_be_html_or_json(tmp_path: Path) -> None:
    log = prediction_log(tmp_path / "predictions.jsonl", make_sample(rows=50))

    result = runner.invoke(app, ["drift", str(log), "--report", "drift.pdf"])

    assert result.exit_code == 1
    assert "drift.pdf" in result.stderr
    assert ".html or .json" in result.stderr


@pytest.mark.report
@pytest.mark.parametrize("shift", [False, True], ids=["same-population", "drifted"])
def test_report_names_the_drifted_columns(
    settings: Settings, tmp_path: Path, shift: bool
) -> None:
    train(settings)
    # The rows the model was trained and validated on: the same population for sure
    # (a fresh sample can fail a 5 % test by chance), then the same rows moved.
    served = read_table(settings.data_path)
    expected: set[str] = set()
    if shift:
        served, expected = shifted(served)
    log = prediction_log(tmp_path / "predictions.jsonl", served)
    html, data = tmp_path / "out" / "drift.html", tmp_path / "out" / "drift.json"

    result = runner.invoke(
        app, ["drift", str(log), "--report", str(html), "--report", str(data), "--json"]
    )

    assert result.exit_code == (1 if shift else 0), result.output  # PSI stays the alarm
    assert html.stat().st_size > 100_000
    assert "<html" in html.read_text(encoding="utf-8")[:1000].lower()
    document = json.loads(data.read_text(encoding="utf-8"))
    failed = {
        test["metric_config"]["params"]["column"]
        for test in document["tests"]
        if test["metric_config"]["params"].get("type") == VALUE_DRIFT
        and test["status"] == "FAIL"
    }
    assert failed == expected
    summary = json.loads(result.stdout)
    assert set(summary["report"]["drifted"]) == expected
    assert summary["report"]["written"] == [str(html), str(data)]
