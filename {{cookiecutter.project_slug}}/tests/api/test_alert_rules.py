"""monitoring/rules.yml under promtool: valid, every alert fired and silenced by its unit
tests, every runbook written, and the PSI rule equal to the ``drift`` command's."""

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from {{ cookiecutter.package_name }}.monitoring import population_stability

pytestmark = pytest.mark.prometheus

MONITORING = Path(__file__).parents[2] / "monitoring"
RULES = MONITORING / "rules.yml"
UNIT_TESTS = sorted(MONITORING.glob("rules_test*.yml"))
RUNBOOK = Path(__file__).parents[2] / "docs" / "monitoring.md"


def promtool(*args: str, cwd: Path = MONITORING) -> str:
    program = shutil.which("promtool")
    assert program, "no promtool: install Prometheus (apt-get install prometheus)"
    result = subprocess.run(
        [program, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def alerts() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_rules_are_valid() -> None:
    assert "SUCCESS" in promtool("check", "rules", str(RULES))


def test_unit_tests_pass() -> None:
    promtool("test", "rules", *map(str, UNIT_TESTS))


def test_every_alert_is_tested_firing_and_silent() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check["exp_alerts"] else silent).add(check["alertname"])
    names = {rule["alert"] for rule in alerts()}
    assert names <= firing, names - firing
    assert names <= silent, names - silent


def test_every_alert_has_a_runbook_section() -> None:
    headings = re.findall(r"^### (\w+)$", RUNBOOK.read_text(encoding="utf-8"), re.M)
    for rule in alerts():
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]
        runbook = rule["annotations"]["runbook"]
        assert runbook == f"docs/monitoring.md#{rule['alert'].lower()}", runbook
        assert rule["alert"] in headings, rule["alert"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_psi_rule_computes_what_the_drift_command_does(
    tmp_path: Path, seed: int
) -> None:
    """Random reference shares and served counts (some bins empty on either side)
    through the recording rules, against ``population_stability`` on the same shares."""
    rng = np.random.default_rng(seed)
    bins = int(rng.integers(2, 12))
    reference = rng.dirichlet(np.ones(bins))
    reference[rng.integers(bins)] = 0.0  # a bin training never saw
    reference /= reference.sum()
    per_minute = rng.integers(0, 20, size=bins)  # some bins get no rows
    per_minute[0] = max(per_minute[0], 1)
    served = per_minute / per_minute.sum()
    expected = population_stability(reference.tolist(), served.tolist())
    series = []
    for index in range(bins):
        labels = f'job="j",instance="i",model_version="4",column="c",bin="{index}"'
        series += [
            {
                "series": "drift_reference_share" + "{" + labels + "}",
                "values": f"{float(reference[index])!r}x90",
            },
            {
                "series": "drift_rows_total" + "{" + labels + "}",
                "values": f"0+{per_minute[index]}x90",
            },
        ]
    case = {
        "rule_files": [str(RULES)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                # promtool compares values exactly; the sums may differ in the last bit.
                "promql_expr_test": [
                    {
                        "expr": "abs(job_version_column:drift_psi:1h - "
                        f"{expected!r}) < bool 1e-9 * {max(expected, 1e-3)!r}",
                        "eval_time": "80m",
                        "exp_samples": [
                            {
                                "labels": '{job="j",model_version="4",column="c"}',
                                "value": 1,
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "psi_test.yml"
    path.write_text(yaml.safe_dump(case), encoding="utf-8")
    promtool("test", "rules", str(path), cwd=tmp_path)
