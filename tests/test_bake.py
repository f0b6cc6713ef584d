"""Fast tier: bake every option row and check what comes out, without installing it."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement

from tests.checks import COOKIECUTTER, format_and_lint, leftovers, parse_all, run
from tests.conftest import Bake
from tests.matrix import (
    CROSSED,
    CYCLED,
    DEFAULTS,
    SLOW_TIER_OPTIONS,
    TEMPLATE_ROOT,
    answers_for,
    baked_files,
    expected_files,
    option_rows,
    row_id,
    slow_rows,
    slow_traits,
)

ROWS = option_rows()


def test_every_value_of_every_option_appears_in_a_row() -> None:
    for option, values in {**CROSSED, **CYCLED}.items():
        assert {row[option] for row in ROWS} == set(values), option
    assert len({row_id(row) for row in ROWS}) == len(ROWS)


def test_the_slow_tier_runs_every_value_and_serves_on_every_python() -> None:
    """The slow tier runs fewer rows, each on its own Python: together they must still
    hold every value of what it depends on, and serve a prediction on every Python."""
    chosen = slow_rows(ROWS)

    for option in SLOW_TIER_OPTIONS:
        assert {row[option] for row in chosen} == {row[option] for row in ROWS}, option
    served = {row["python_version"] for row in chosen if row["include_api"]}
    assert served == set(DEFAULTS["python_version"])
    assert {row["include_api"] for row in chosen if row["include_feature_store"]} == {
        True,
        False,
    }
    assert set().union(*map(slow_traits, chosen)) == set().union(
        *map(slow_traits, ROWS)
    )


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_bakes_a_complete_valid_project(bake: Bake, row: dict[str, Any]) -> None:
    answers = answers_for(row)

    project = bake(**row)

    assert project.name == answers["project_slug"]
    assert baked_files(project) == expected_files(answers)
    assert leftovers(project) == []
    parsed = parse_all(project)  # raises on any file that does not parse
    assert parsed[".cookiecutter.json"] == answers
    assert format_and_lint(project) == []


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_pyproject_follows_the_answers(bake: Bake, row: dict[str, Any]) -> None:
    answers = answers_for(row)

    project = bake(**row)

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    meta = pyproject["project"]
    version = answers["python_version"]
    assert meta["requires-python"] == f">={version}"
    assert pyproject["tool"]["mypy"]["python_version"] == version
    assert pyproject["tool"]["ruff"]["target-version"] == "py" + version.replace(
        ".", ""
    )
    assert (project / ".python-version").read_text(encoding="utf-8").strip() == version
    assert meta["scripts"] == {
        answers["project_slug"]: f"{answers['package_name']}.cli:app"
    }
    assert any(dep.startswith("fastapi") for dep in meta["dependencies"]) == bool(
        answers["include_api"]
    )
    dev = pyproject["dependency-groups"]["dev"]
    assert any(dep.startswith("pre-commit==") for dep in dev) == bool(
        answers["include_pre_commit"]
    )
    assert any(dep.startswith("feast") for dep in meta["dependencies"]) == bool(
        answers["include_feature_store"]
    )
    # Evidently only ever in its own group, which uv keeps apart from dev's.
    groups = pyproject["dependency-groups"]
    assert ("report" in groups) == bool(answers["include_drift_report"])
    assert not any("evidently" in dep for dep in meta["dependencies"] + dev)
    if answers["include_drift_report"]:
        assert pyproject["tool"]["uv"]["conflicts"] == [
            [{"group": "dev"}, {"group": "report"}]
        ]
    if answers["license"] == "Proprietary":
        assert meta["license"] == "LicenseRef-Proprietary"
        assert "Private :: Do Not Upload" in meta["classifiers"]
    else:
        assert meta["license"] == answers["license"]


@pytest.mark.parametrize("row", ROWS, ids=row_id)
def test_row_git_repository_matches_init_git(bake: Bake, row: dict[str, Any]) -> None:
    project = bake(**row)

    if not row["init_git"]:
        assert not (project / ".git").exists()
        return
    log = run(["git", "log", "--format=%s"], project)
    assert log.stdout.splitlines() == ["Initial commit from cookiecutter-ml-service"]
    assert run(["git", "status", "--porcelain"], project).stdout == ""
    branch = run(["git", "branch", "--show-current"], project).stdout.strip()
    assert branch == "main"


def test_default_answers_bake_what_the_readme_promises(tmp_path: Path) -> None:
    """The plain `cookiecutter --no-input .` a newcomer types: every option on, git init."""
    result = subprocess.run(
        [
            COOKIECUTTER,
            "--no-input",
            str(TEMPLATE_ROOT),
            "-o",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    project = tmp_path / "my-ml-service"
    defaults = {
        key: value[0] if isinstance(value, list) else value
        for key, value in DEFAULTS.items()
        if not key.startswith("_")
    }
    defaults.update(project_slug="my-ml-service", package_name="my_ml_service")
    assert baked_files(project) == expected_files(defaults)
    assert (project / ".git").is_dir()
    assert "Next steps:" in result.stdout
    assert "make setup" in result.stdout


@pytest.mark.parametrize("license_id", DEFAULTS["license"])
def test_license_text_names_the_author(bake: Bake, license_id: str) -> None:
    project = bake(license=license_id, author_name="Ada Lovelace")

    text = (project / "LICENSE").read_text(encoding="utf-8")

    expected_title = {
        "MIT": "MIT License",
        "Apache-2.0": "Apache License",
        "BSD-3-Clause": "BSD 3-Clause License",
        "Proprietary": "All rights reserved.",
    }[license_id]
    assert expected_title in text
    if license_id != "Apache-2.0":  # Apache's text carries no copyright line of its own
        assert "Ada Lovelace" in text
    assert text.endswith("\n") and not text.endswith("\n\n")


EVERY_OPTION_ON = {
    name: True for name, value in DEFAULTS.items() if isinstance(value, bool)
}


@pytest.mark.parametrize("answers", [{}, EVERY_OPTION_ON], ids=["defaults", "all-on"])
def test_make_help_lists_every_target(bake: Bake, answers: dict[str, Any]) -> None:
    project = bake(**answers)

    result = run(["make", "help"], project)

    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.splitlines() if line.strip()}
    makefile = (project / "Makefile").read_text(encoding="utf-8")
    phony = next(line for line in makefile.splitlines() if line.startswith(".PHONY:"))
    assert listed == set(phony.split()[1:])


def test_template_and_project_pin_the_same_tool_versions(bake: Bake) -> None:
    """The fast tier checks projects with the template's black and ruff: keep them equal."""
    project = bake()

    template = tomllib.loads((TEMPLATE_ROOT / "pyproject.toml").read_text("utf-8"))
    baked = tomllib.loads((project / "pyproject.toml").read_text("utf-8"))

    def pins(pyproject: dict[str, Any]) -> dict[str, str]:
        dev = [Requirement(dep) for dep in pyproject["dependency-groups"]["dev"]]
        return {dep.name: str(dep.specifier) for dep in dev}

    template_pins, project_pins = pins(template), pins(baked)
    for tool in ("black", "ruff", "mypy", "pytest", "pre-commit"):
        assert project_pins[tool] == template_pins[tool], tool


def test_answers_file_replays_the_same_project(bake: Bake, tmp_path: Path) -> None:
    """.cookiecutter.json is a valid replay source: baking from it gives the same files."""
    first = bake(include_docker=False, license="BSD-3-Clause")
    answers = json.loads((first / ".cookiecutter.json").read_text(encoding="utf-8"))

    second = bake(**answers)

    assert baked_files(second) == baked_files(first)
    for name in baked_files(first):
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
