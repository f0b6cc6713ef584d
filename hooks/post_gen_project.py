"""Shape the baked project to the answers: prune switched-off options, optionally git init.

Runs inside the new project folder. Pure Python so it works on Windows too; git is the
only program it calls, and only when ``init_git`` is on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

# The answers arrive as JSON data, never pasted into Python source. tojson escapes every
# quote inside a value, so the raw string cannot end early.
ANSWERS: dict[str, Any] = json.loads(r"""{{ cookiecutter | tojson }}""")

# Paths owned by each option, removed when the option is off. "{package}" is the package name.
OPTIONAL_PATHS: dict[str, tuple[str, ...]] = {
    "include_api": (
        "src/{package}/api",
        "tests/api",
        "k8s",
        "monitoring",
        "docs/monitoring.md",
    ),
    "include_docker": (
        "Dockerfile",
        ".dockerignore",
        "docker",
        "docker-compose.yml",
        "k8s",
    ),
    "include_github_actions": (".github",),
    "include_pre_commit": (".pre-commit-config.yaml",),
    "include_airflow": ("dags",),
    "include_dvc": (
        "dvc.yaml",
        "params.yaml",
        ".dvc",
        ".dvcignore",
        "reports",
        "tests/test_dvc.py",
    ),
    "include_feature_store": (
        "feature_repo",
        "src/{package}/features.py",
        "src/{package}/api/entities.py",
        "tests/test_features.py",
        "tests/api/test_entities.py",
    ),
    "include_drift_report": (
        "src/{package}/drift_report.py",
        "tests/test_drift_report.py",
    ),
}
FIRST_COMMIT_MESSAGE = "Initial commit from cookiecutter-ml-service"


def paths_to_remove(answers: dict[str, Any]) -> list[Path]:
    """Return the paths, relative to the project, of every option that is off."""
    return [
        Path(path.format(package=answers["package_name"]))
        for option, paths in OPTIONAL_PATHS.items()
        if not answers[option]
        for path in paths
    ]


def remove(project: Path, paths: list[Path]) -> None:
    for relative in paths:
        target = project / relative
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


def git(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=project, capture_output=True, text=True, check=False
    )


def init_git(project: Path, answers: dict[str, Any]) -> str:
    """Create a repository with one commit; return a line saying what happened."""
    if shutil.which("git") is None:
        return "git was not found, so no repository was made: run 'git init' yourself."
    top = git(project, "rev-parse", "--show-toplevel")
    if top.returncode == 0:
        if Path(top.stdout.strip()).resolve() == project.resolve():
            return "The folder was already a git repository; it was left as it was."
        return (
            "The project sits inside another git repository, so no new one was made: "
            "commit it there, or move it out and run 'git init'."
        )
    git(project, "init", "--quiet")
    git(project, "symbolic-ref", "HEAD", "refs/heads/main")
    git(project, "add", "--all")
    identity: list[str] = []
    if not git(project, "config", "user.email").stdout.strip():
        # No identity configured (a fresh machine or CI): commit as the author.
        email = answers["author_email"] or "noreply@example.com"
        identity = [
            "-c",
            f"user.name={answers['author_name']}",
            "-c",
            f"user.email={email}",
        ]
    commit = git(project, *identity, "commit", "--quiet", "-m", FIRST_COMMIT_MESSAGE)
    if commit.returncode != 0:
        reason = (commit.stderr or commit.stdout).strip().splitlines()
        return (
            "git init worked but the first commit failed "
            f"({reason[-1] if reason else 'no message'}): commit by hand."
        )
    return "Made a git repository on branch main with a first commit."


def next_steps(answers: dict[str, Any], git_line: str) -> str:
    slug = answers["project_slug"]
    lines = [
        f"Created {slug}. {git_line}".rstrip(),
        "",
        "Next steps:",
        f"  cd {slug}",
        "  make setup      # uv sync"
        + (" and the pre-commit git hook" if answers["include_pre_commit"] else ""),
        "  make check      # black, ruff, mypy and pytest, as CI runs them",
        f"  uv run {slug} --help",
    ]
    if answers["include_api"]:
        lines.append("  make serve      # the API on http://127.0.0.1:8000/docs")
    if answers["include_dvc"]:
        lines.append(
            "  make repro      # the DVC pipeline: fetch-data, check-data, train"
        )
    if answers["include_airflow"]:
        lines.append(
            "  make test-dags  # the Airflow DAG's tests, in Airflow's own env"
        )
    if answers["include_feature_store"]:
        lines.append(
            "  make features   # apply the feature definitions, load the online store"
        )
    if answers["include_drift_report"]:
        lines.append(
            "  make drift-report  # Evidently's report of served inputs vs training"
        )
    lines.append(
        "Without make, every target is a plain 'uv run ...' (see 'make help')."
    )
    return "\n".join(lines)


def main() -> int:
    project = Path.cwd()
    remove(project, paths_to_remove(ANSWERS))
    git_line = init_git(project, ANSWERS) if ANSWERS["init_git"] else ""
    print(next_steps(ANSWERS, git_line))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
