"""Drift: PSI against the training reference, and the drift command's exit code."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import FEATURE_NAMES
from {{ cookiecutter.package_name }}.monitoring import (
    drift,
    population_stability,
    reference_statistics,
)
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.train import train

runner = CliRunner()


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    assert population_stability([0.5, 0.5], [0.5, 0.5]) == 0
    small = population_stability([0.5, 0.5], [0.45, 0.55])
    large = population_stability([0.5, 0.5], [0.1, 0.9])
    assert 0 < small < 0.1 < large


def test_same_population_does_not_drift_a_shifted_one_does() -> None:
    reference = reference_statistics(make_sample(rows=3000, seed=1))
    same = make_sample(rows=1000, seed=2)
    shifted = same.assign(
        monthly_charges=same["monthly_charges"] * 1.8, contract="month-to-month"
    )

    calm, moved = drift(reference, same), drift(reference, shifted)

    assert set(calm) == set(FEATURE_NAMES)
    assert max(calm.values()) < 0.1
    assert moved["monthly_charges"] > 0.2
    assert moved["contract"] > 0.2
    assert moved["tenure_months"] < 0.1


@pytest.mark.parametrize(("shift", "exit_code"), [(1.0, 0), (2.0, 1)])
def test_drift_command_exits_1_past_the_threshold(
    settings: Settings, tmp_path: Path, shift: float, exit_code: int
) -> None:
    train(settings)
    served = make_sample(rows=500, seed=5)
    served = served.assign(
        monthly_charges=(served["monthly_charges"] * shift).clip(0, 500)
    )
    log = tmp_path / "predictions.jsonl"
    log.write_text(
        "".join(
            json.dumps({"inputs": [row]}) + "\n"
            for row in served[list(FEATURE_NAMES)].to_dict(orient="records")
        ),
        encoding="utf-8",
    )

    result = runner.invoke(app, ["drift", str(log), "--json"])

    assert result.exit_code == exit_code, result.output
    report = json.loads(result.stdout)
    assert ("monthly_charges" in report["drifted"]) is (exit_code == 1)
