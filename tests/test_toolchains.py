"""Slow tier: the template under the cookiecutters and Pythons people bake with.

Each toolchain gets a fresh virtual environment made by uv. Inside the supported range
the bake must equal the one made by the template's own cookiecutter, byte for byte;
below it, the bake stops with one line that says what is needed, and leaves nothing.
"""

from __future__ import annotations

import filecmp
import re
import subprocess
from pathlib import Path

import pytest

from tests.checks import COOKIECUTTER, UV, clean_env, interpreter, run
from tests.matrix import TEMPLATE_ROOT

pytestmark = pytest.mark.slow

PYPROJECT = (TEMPLATE_ROOT / "pyproject.toml").read_text(encoding="utf-8")
# The newest is the one the template's own tests run on (dependabot moves that pin).
NEWEST = re.search(r'"cookiecutter==([\d.]+)"', PYPROJECT)[1]  # type: ignore[index]
OLDEST = "2.2.0"
# Answers given on the command line as words: cookiecutter 2.7 turns them into booleans
# itself; for 2.2 to 2.6 the template's Jinja extension does.
WORDS = [
    "include_docker=no",
    "include_pre_commit=off",
    "init_git=false",
    "include_dvc=yes",
]


def cookiecutter(tmp_path: Path, version: str, python: str) -> Path:
    """A fresh environment with one cookiecutter on one Python; returns its command."""
    venv = tmp_path / f"cookiecutter-{version}-py{python}"
    for args in (
        [UV, "venv", "--quiet", "--python", interpreter(python), str(venv)],
        [
            UV,
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv),
            f"cookiecutter=={version}",
        ],
    ):
        result = run(args, tmp_path, timeout=300)
        assert result.returncode == 0, result.stderr
    return venv / "bin" / "cookiecutter"


def bake(command: Path, out: Path, *answers: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(command), "--no-input", str(TEMPLATE_ROOT), "-o", str(out), *answers],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=300,
        check=False,
    )


def differences(left: Path, right: Path) -> list[str]:
    """Paths that differ between two folders, or exist in one only, recursively."""
    found: list[str] = []
    stack = [filecmp.dircmp(left, right)]
    while stack:
        compared = stack.pop()
        found += [f"{compared.left}/{name}" for name in compared.left_only]
        found += [f"{compared.right}/{name}" for name in compared.right_only]
        found += [f"{compared.left}/{name}" for name in compared.diff_files]
        stack += compared.subdirs.values()
    return found


@pytest.mark.parametrize(
    ("version", "python"),
    [(OLDEST, "3.11"), (NEWEST, "3.13"), ("2.6.0", "3.9")],
    ids=["oldest-cookiecutter", "newest-cookiecutter", "oldest-python"],
)
def test_supported_toolchain_bakes_what_the_template_tests_bake(
    tmp_path: Path, version: str, python: str
) -> None:
    command = cookiecutter(tmp_path, version, python)
    reference = tmp_path / "reference"
    for answers in ([], WORDS):
        name = "-".join(answers) or "defaults"
        made = bake(command, tmp_path / version / name, *answers)
        assert made.returncode == 0, made.stderr
        assert "Created my-ml-service." in made.stdout
        # The template's own cookiecutter (the pinned one) makes the reference.
        expected = bake(Path(COOKIECUTTER), reference / name, *answers)
        assert expected.returncode == 0, expected.stderr
        assert (
            differences(tmp_path / version / name, reference / name) == []
        ), "the bakes differ"


@pytest.mark.parametrize(
    ("version", "python", "says"),
    [
        (
            "2.1.1",
            "3.11",
            "ERROR: this template needs cookiecutter 2.2 or newer on Python 3.9 or "
            "newer, and this is cookiecutter 2.1.1 on Python 3.11. Run it with a "
            f"current one: uvx --python 3.12 cookiecutter {TEMPLATE_ROOT}",
        ),
        (
            "2.6.0",
            "3.8",
            "and this is cookiecutter 2.6.0 on Python 3.8. Run it with a current one",
        ),
        (
            "1.7.3",
            "3.11",
            "Unable to load extension: No module named "
            "'requires_cookiecutter_2_2_or_newer'",
        ),
    ],
    ids=["cookiecutter-2.1", "python-3.8", "cookiecutter-1.7"],
)
def test_toolchain_below_the_range_is_refused_in_one_line(
    tmp_path: Path, version: str, python: str, says: str
) -> None:
    """Below the range: one line naming what is needed, and nothing written."""
    command = cookiecutter(tmp_path, version, python)
    out = tmp_path / "out"

    made = bake(command, out, "include_api=no")

    said = made.stdout + made.stderr  # cookiecutter 1.x prints its errors on stdout
    assert made.returncode != 0
    assert says in said
    assert "Traceback" not in said
    assert "include_api" not in said  # never blames an answer
    assert not out.exists() or list(out.iterdir()) == []
