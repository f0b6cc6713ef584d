"""Checks applied to any baked project: parsing, leftovers, and the project's own linters."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

# Unrendered Jinja: "{{", "{%", "%}" or "{#". Not GitHub's own expressions ("${{"),
# Prometheus' alert templates ("{{ $labels.job }}") or Grafana's legends ("{{route}}").
LEFTOVER_JINJA = re.compile(r"(?<!\$)\{\{(?! ?\$)(?![a-z_]+\}\})|\{%|%\}|\{#")
BIN = Path(sys.executable).parent
# The uv binary itself, from the template's environment: the pyenv shim in front of a
# pip-installed uv fails in a folder whose .python-version names another Python.
UV = str(BIN / "uv")
# The template's own pinned cookiecutter, as its README tells users to run it.
COOKIECUTTER = str(BIN / "cookiecutter")


def _folder_with_only_uv() -> Path:
    """A folder holding a link to UV alone, to put first on the projects' PATH.

    Tools inside a baked project (pre-commit hooks, the Makefile) call ``uv`` by name;
    the template's own bin folder cannot go on PATH, as its python and tools would win.
    """
    folder = (
        Path(tempfile.gettempdir())
        / f"template-uv-{hashlib.md5(UV.encode()).hexdigest()[:8]}"
    )
    folder.mkdir(exist_ok=True)
    with contextlib.suppress(FileExistsError):  # another test worker made it
        (folder / "uv").symlink_to(UV)
    return folder


UV_FOLDER = _folder_with_only_uv()


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
    # Python writes bytecode by default, as on a user's machine: some machines here turn
    # that off, and then every process of a project compiles its imports again.
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["PATH"] = f"{UV_FOLDER}{os.pathsep}{env.get('PATH', '')}"
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


# pytest inside a baked project: quiet, and no cache folder left for git to see.
PYTEST = ["-q", "-p", "no:cacheprovider"]


def must(args: list[str], cwd: Path, timeout: float = 600) -> str:
    """Run a command in the project; fail the test with its output if it fails."""
    result = run(args, cwd, timeout=timeout)
    assert (
        result.returncode == 0
    ), f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def interpreter(version: str) -> str:
    """The path of a CPython ``version`` ("3.12") on this machine.

    These machines keep them under pyenv's versions folder; elsewhere (GitHub's runners
    after setup-python) ``python3.12`` is on PATH, or uv knows where one is.
    """
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    newest_first = sorted(
        root.glob(f"{version}.*"),
        key=lambda folder: [int(n) for n in re.findall(r"\d+", folder.name)],
        reverse=True,
    )
    for folder in newest_first:
        if (folder / "bin" / f"python{version}").is_file():
            return str(folder / "bin" / f"python{version}")
    found = run([UV, "python", "find", "--no-project", version], Path.cwd(), 60)
    if found.returncode == 0 and found.stdout.strip():
        return found.stdout.strip()
    on_path = shutil.which(f"python{version}")
    assert on_path is not None, f"no Python {version} here: install it to test it"
    return on_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http(
    url: str, body: dict[str, Any] | None = None, api_key: str | None = None
) -> tuple[int, Any]:
    """POST ``body`` as JSON (GET without one), with ``api_key`` in X-API-Key if given;
    return the status and the JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if api_key is not None:
        headers["X-API-Key"] = api_key
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def predict_documented_example(
    base: str, api_key: str | None = None
) -> tuple[int, Any]:
    """POST the first /predict example the API documents, as a consumer would take it."""
    document = http(f"{base}/openapi.json", api_key=api_key)[1]
    example = document["components"]["schemas"]["PredictRequest"]["examples"][0]
    return http(f"{base}/predict", example, api_key=api_key)


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 120) -> None:
    """Wait until ``url`` answers 200; fail at once if the process serving it exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"exited early:\n{process.communicate()[1]}"
        try:
            if urllib.request.urlopen(url, timeout=2).status == 200:
                return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"{url} did not answer 200 in {seconds} s")


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
