"""The hooks: unit tests of their functions, and what a user sees when a bake is refused."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import jinja2
import pytest

from tests.checks import COOKIECUTTER, run
from tests.matrix import BASE, TEMPLATE_ROOT, answers_for, baked_files

GOOD = answers_for(BASE)


def load_hook(name: str, answers: dict[str, Any], folder: Path) -> ModuleType:
    """Render a hook as cookiecutter would and import it (its main() does not run)."""
    source = (TEMPLATE_ROOT / "hooks" / f"{name}.py").read_text(encoding="utf-8")
    rendered = jinja2.Environment().from_string(source).render(cookiecutter=answers)
    path = folder / f"{name}.py"
    path.write_text(rendered, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def pre_gen(tmp_path: Path) -> ModuleType:
    return load_hook("pre_gen_project", GOOD, tmp_path)


@pytest.fixture
def post_gen(tmp_path: Path) -> ModuleType:
    return load_hook("post_gen_project", GOOD, tmp_path)


# (answer overrides, the field named in the error, a phrase of the fix)
BAD_ANSWERS: list[tuple[dict[str, Any], str, str]] = [
    ({"project_slug": "My Service"}, "project_slug", "project_slug=my-ml-service"),
    ({"project_slug": "9lives"}, "project_slug", "starts with a letter"),
    ({"project_slug": "double--hyphen"}, "project_slug", "project_slug="),
    ({"project_slug": "a" * 41}, "project_slug", "shorter"),
    ({"package_name": "json"}, "package_name", "package_name=my_ml_service"),
    ({"package_name": "test"}, "package_name", "package_name="),
    ({"package_name": "class"}, "package_name", "package_name="),
    ({"package_name": "my-pkg"}, "package_name", "package_name="),
    ({"package_name": "mlflow"}, "package_name", "package_name="),
    ({"package_name": "p" * 41}, "package_name", "package_name="),
    ({"author_email": "not-an-email"}, "author_email", "leave it empty"),
    ({"author_name": "  "}, "author_name", "Give a author_name"),
    ({"project_name": "two\nlines"}, "project_name", "line breaks"),
    ({"description": "para\u2028graph"}, "description", "line breaks"),
    ({"github_owner": "-bad-"}, "github_owner", "github_owner="),
    ({"license": "GPL"}, "license", "MIT, Apache-2.0"),
    ({"include_api": "maybe"}, "include_api", "include_api=yes"),
]


def test_good_answers_pass(pre_gen: ModuleType) -> None:
    assert pre_gen.validate(GOOD) == []


def test_empty_description_and_email_are_allowed(pre_gen: ModuleType) -> None:
    assert pre_gen.validate({**GOOD, "description": "", "author_email": ""}) == []


@pytest.mark.parametrize(
    ("overrides", "field", "fix"), BAD_ANSWERS, ids=lambda v: str(v)[:30]
)
def test_bad_answer_gives_one_line_naming_field_value_and_fix(
    pre_gen: ModuleType, overrides: dict[str, Any], field: str, fix: str
) -> None:
    errors = pre_gen.validate({**GOOD, **overrides})

    assert len(errors) == 1
    [message] = errors
    assert "\n" not in message
    assert message.startswith(f"ERROR: {field}={overrides[field]!r}: ")
    assert fix in message


def test_answers_reach_the_hook_as_data_not_code(tmp_path: Path) -> None:
    """A value built to break out of a Python string arrives unchanged."""
    nasty = "'''\"\"\"\\ \u2028 🚀 {{ x }} \\"
    module = load_hook("pre_gen_project", {**GOOD, "description": nasty}, tmp_path)

    assert module.ANSWERS["description"] == nasty


@pytest.mark.parametrize(("overrides", "field", "fix"), BAD_ANSWERS[:15])
def test_refused_bake_prints_the_error_and_leaves_nothing(
    cookies: Any,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    overrides: dict[str, Any],
    field: str,
    fix: str,
) -> None:
    result = cookies.bake(extra_context={**BASE, **overrides})

    assert result.exit_code != 0
    assert type(result.exception).__name__ == "FailedHookException"
    err = capfd.readouterr().err
    assert f"ERROR: {field}={overrides[field]!r}: " in err
    assert fix in err
    assert [p for p in (tmp_path / "cookies").rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    "answer", ["license=GPL", "include_api=maybe", "python_version=2.7"]
)
def test_cookiecutter_refuses_unknown_choice_or_boolean(
    tmp_path: Path, answer: str
) -> None:
    """Cookiecutter itself rejects these before any hook runs; nothing is written."""
    result = subprocess.run(
        [
            COOKIECUTTER,
            "--no-input",
            str(TEMPLATE_ROOT),
            "-o",
            str(tmp_path),
            answer,
        ],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert answer.split("=")[1] in result.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("no", ["no", "false", "0", "off"])
def test_booleans_from_the_command_line(tmp_path: Path, no: str) -> None:
    options = [
        "include_api",
        "include_docker",
        "include_github_actions",
        "include_pre_commit",
        "init_git",
    ]
    result = subprocess.run(
        [COOKIECUTTER, "--no-input", str(TEMPLATE_ROOT), "-o", str(tmp_path)]
        + [f"{option}={no}" for option in options],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    project = tmp_path / "my-ml-service"
    answers = json.loads((project / ".cookiecutter.json").read_text(encoding="utf-8"))
    assert all(answers[option] is False for option in options)
    files = baked_files(project)
    assert not any(
        name.startswith(("src/my_ml_service/api", ".github")) for name in files
    )
    assert "Dockerfile" not in files
    assert not (project / ".git").exists()


def test_paths_to_remove_covers_every_option(post_gen: ModuleType) -> None:
    all_off = {**GOOD, **{option: False for option in post_gen.OPTIONAL_PATHS}}

    removed = {path.as_posix() for path in post_gen.paths_to_remove(all_off)}

    assert removed == {
        "src/churn_predictor/api",
        "tests/api",
        "monitoring",
        "docs/monitoring.md",
        "Dockerfile",
        ".dockerignore",
        "docker",
        "docker-compose.yml",
        "k8s",
        ".github",
        ".pre-commit-config.yaml",
        "dags",
        "dvc.yaml",
        "params.yaml",
        ".dvc",
        ".dvcignore",
        "reports",
        "tests/test_dvc.py",
        "feature_repo",
        "src/churn_predictor/features.py",
        "src/churn_predictor/api/entities.py",
        "tests/test_features.py",
        "tests/api/test_entities.py",
        "src/churn_predictor/drift_report.py",
        "tests/test_drift_report.py",
    }
    assert (
        post_gen.paths_to_remove(GOOD | {o: True for o in post_gen.OPTIONAL_PATHS})
        == []
    )


def test_next_steps_follow_the_options(post_gen: ModuleType) -> None:
    with_all = post_gen.next_steps(
        {**GOOD, "include_api": True, "include_pre_commit": True}, ""
    )
    without = post_gen.next_steps(
        {**GOOD, "include_api": False, "include_pre_commit": False}, ""
    )

    assert "make serve" in with_all and "pre-commit" in with_all
    assert "make serve" not in without and "pre-commit" not in without
    pipelines = post_gen.next_steps(
        {**GOOD, "include_airflow": True, "include_dvc": True}, ""
    )
    assert "make repro" in pipelines and "make test-dags" in pipelines
    assert "make repro" not in without and "make test-dags" not in without
    assert "cd churn-predictor" in without


def test_init_git_without_git_says_so(
    post_gen: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    line = post_gen.init_git(tmp_path, GOOD)

    assert "git was not found" in line
    assert not (tmp_path / ".git").exists()


def test_init_git_inside_another_repository_makes_no_nested_one(
    post_gen: ModuleType, tmp_path: Path
) -> None:
    run(["git", "init", "--quiet"], tmp_path)
    project = tmp_path / "service"
    project.mkdir()

    line = post_gen.init_git(project, GOOD)

    assert "inside another git repository" in line
    assert not (project / ".git").exists()


def test_init_git_without_identity_commits_as_the_author(
    post_gen: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    project = tmp_path / "service"
    project.mkdir()
    (project / "README.md").write_text("hello\n", encoding="utf-8")

    line = post_gen.init_git(project, {**GOOD, "author_name": "Zoë O'Neil"})

    assert "first commit" in line
    author = subprocess.run(
        ["git", "log", "--format=%an <%ae>"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert author == f"Zoë O'Neil <{GOOD['author_email']}>"


def test_init_git_leaves_an_existing_repository_alone(
    post_gen: ModuleType, tmp_path: Path
) -> None:
    """Re-baking over a project (cookiecutter -f) must not commit on the user's behalf."""
    run(["git", "init", "--quiet"], tmp_path)

    line = post_gen.init_git(tmp_path, GOOD)

    assert "already a git repository" in line
    assert run(["git", "log"], tmp_path).returncode != 0  # still no commit


@pytest.mark.parametrize(
    ("cookiecutter", "python", "refused"),
    [
        ("2.7.1", (3, 13, 0), False),
        ("2.2.0", (3, 9, 18), False),
        ("2.10.0", (3, 14, 0), False),
        ("2.1.1", (3, 11, 7), True),
        ("1.7.3", (3, 11, 7), True),
        ("2.6.0", (3, 8, 18), True),
        ("unknown", (3, 7, 17), True),
    ],
)
def test_toolchain_outside_the_range_is_refused_in_one_line(
    pre_gen: ModuleType, cookiecutter: str, python: tuple[int, ...], refused: bool
) -> None:
    problem = pre_gen.toolchain_problem(cookiecutter, python, "gh:o/t")

    if not refused:
        assert problem is None
        return
    assert "\n" not in problem
    assert problem.startswith(
        "ERROR: this template needs cookiecutter 2.2 or newer on Python 3.9 or newer"
    )
    assert f"this is cookiecutter {cookiecutter} on Python {python[0]}.{python[1]}" in (
        problem
    )
    assert "uvx --python 3.12 cookiecutter gh:o/t" in problem


def test_stdlib_names_without_sys_stdlib_module_names(
    pre_gen: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.9 has no sys.stdlib_module_names; the hook finds the names itself."""
    monkeypatch.delattr("sys.stdlib_module_names")

    found = pre_gen.stdlib_names()

    assert {"json", "email", "asyncio", "math", "sys", "test"} <= found
    assert not found & {"mlflow", "pandas", "churn_predictor"}
