"""Checks applied to any baked project: parsing, leftovers, and the project's own linters."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import yaml

# Unrendered Jinja: "{{" not preceded by "$" (GitHub's own expressions), "{%", "%}" or "{#".
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#")
BIN = Path(sys.executable).parent


def text_files(project: Path) -> list[Path]:
    return [
        path
        for path in sorted(project.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(project).parts
    ]


def leftovers(project: Path) -> list[str]:
    """Lines that still hold Jinja syntax, as ``path:line: text``."""
    found = []
    for path in text_files(project):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if LEFTOVER_JINJA.search(line):
                found.append(f"{path.relative_to(project)}:{number}: {line}")
    return found


def parse(path: Path) -> Any:
    """Parse a file by its type; raise if it is not valid. Other files return None."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".py":
        return ast.parse(text, filename=str(path))
    if path.suffix == ".toml":
        return tomllib.loads(text)
    if path.suffix in (".yaml", ".yml"):
        return yaml.safe_load(text)
    if path.suffix == ".json":
        return json.loads(text)
    return None


def parse_all(project: Path) -> dict[str, Any]:
    """Parse every structured file of the project, keyed by its POSIX path."""
    return {
        path.relative_to(project).as_posix(): parse(path)
        for path in text_files(project)
    }


def clean_env() -> dict[str, str]:
    """The environment for tools run inside a baked project, free of this venv."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")
    }
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["NO_COLOR"] = "1"
    return env


def run(
    args: list[str], cwd: Path, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def format_and_lint(project: Path) -> list[str]:
    """Run the template's pinned black and ruff (the versions the project pins) on it.

    Returns the failures; neither tool needs the project's dependencies, so this runs in
    the fast tier for every row, including Python versions this machine does not have.
    """
    failures = []
    for args in (
        [str(BIN / "black"), "--check", "."],
        [str(BIN / "ruff"), "check", "--quiet", "--no-cache", "."],
    ):
        result = run(args, project, timeout=120)
        if result.returncode != 0:
            failures.append(f"{' '.join(args)}:\n{result.stdout}{result.stderr}")
    return failures
