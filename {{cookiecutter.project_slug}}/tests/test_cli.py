"""The command line, through Typer's runner and once as a real process."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import ENV_PREFIX

runner = CliRunner()


def test_info_json_reports_version_and_settings() -> None:
    result = runner.invoke(app, ["info", "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["version"] == __version__
    assert report["settings"]["log_level"] == "INFO"


def test_bad_setting_exits_2_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}LOG_FORMAT", "xml")

    result = runner.invoke(app, ["info"])

    assert result.exit_code == 2
    assert f"{ENV_PREFIX}LOG_FORMAT='xml'" in result.stderr


def test_runs_as_a_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "{{ cookiecutter.package_name }}", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().endswith(__version__)
