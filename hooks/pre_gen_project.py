"""Validate the answers before anything is rendered; on a bad answer print why and exit 1.

Every message has the form ``ERROR: <field>=<value>: <what is wrong>. <how to fix it>``.
Cookiecutter removes the half-made project folder when this hook fails. It runs under the
user's own cookiecutter and Python, so it first checks those, and it must import and run
on every Python that cookiecutter 2.x supports (3.7 on) to be able to say so.
"""

from __future__ import annotations

import json
import keyword
import pkgutil
import re
import sys
import sysconfig
from collections.abc import Callable, Iterator
from typing import Any

# The answers arrive as JSON data, never pasted into Python source. tojson escapes every
# quote inside a value, so the raw string cannot end early.
ANSWERS: dict[str, Any] = json.loads(r"""{{ cookiecutter | tojson }}""")

SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
PACKAGE = re.compile(r"[a-z][a-z0-9_]*")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
GITHUB_OWNER = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
# Longer names would push generated lines past black's limit and change their layout.
MAX_NAME_LENGTH = 40
# Names the generated project imports: a package called like one of them would shadow it.
TAKEN_NAMES = frozenset(
    {
        "airflow",
        "dask",
        "distributed",
        "dvc",
        "evidently",
        "fastapi",
        "feast",
        "httpx",
        "mlflow",
        "numpy",
        "onnxruntime",
        "pandas",
        "pandera",
        "prometheus_client",
        "pyarrow",
        "pydantic",
        "pydantic_settings",
        "rich",
        "schemathesis",
        "skl2onnx",
        "sklearn",
        "skops",
        "sqlalchemy",
        "starlette",
        "tests",
        "typer",
        "uvicorn",
        "yaml",
    }
)
# The oldest toolchain that bakes this template as it should: cookiecutter 2.2 brought
# yes/no answers and __prompts__; Python 3.9 is the oldest the template is tested on.
MIN_COOKIECUTTER = (2, 2)
MIN_PYTHON = (3, 9)
CHOICES = {
    "python_version": ("3.11", "3.12", "3.13"),
    "license": ("MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary"),
    "task": ("binary", "multiclass", "regression"),
}
BOOLEANS = (
    "include_api",
    "include_docker",
    "include_github_actions",
    "include_pre_commit",
    "include_airflow",
    "include_dvc",
    "include_feature_store",
    "include_drift_report",
    "init_git",
)
ONE_LINE_TEXT = ("project_name", "description", "author_name", "author_email")


def stdlib_names() -> frozenset[str]:
    """Top-level names of the standard library, its "test" package included."""
    names = getattr(sys, "stdlib_module_names", None)  # Python 3.10 and later
    if names is None:
        folder = sysconfig.get_paths()["stdlib"]
        folders = [folder, f"{folder}/lib-dynload"]  # lib-dynload: C modules (POSIX)
        found = {module.name for module in pkgutil.iter_modules(folders)}
        names = found | set(sys.builtin_module_names)
    return frozenset(names) | {"test"}


STDLIB_NAMES = stdlib_names()


def version_tuple(text: str) -> tuple[int, ...]:
    """``"2.6.0"`` -> ``(2, 6, 0)``; stops at the first part that is not a number."""
    numbers = []
    for part in text.split("."):
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers)


def toolchain_problem(
    cookiecutter: str, python: tuple[int, ...], template: str
) -> str | None:
    """One line saying why this cookiecutter or Python cannot bake; None when they can."""
    if version_tuple(cookiecutter) >= MIN_COOKIECUTTER and python >= MIN_PYTHON:
        return None
    found = f"cookiecutter {cookiecutter} on Python {'.'.join(map(str, python[:2]))}"
    return (
        f"ERROR: this template needs cookiecutter {'.'.join(map(str, MIN_COOKIECUTTER))} "
        f"or newer on Python {'.'.join(map(str, MIN_PYTHON))} or newer, and this is "
        f"{found}. Run it with a current one: uvx --python 3.12 cookiecutter {template} "
        "(or: pipx install cookiecutter)"
    )


def installed_cookiecutter() -> str:
    """The version of the cookiecutter running this hook (hooks run on its Python)."""
    try:
        from importlib.metadata import version

        return version("cookiecutter")
    except Exception:  # Python 3.7 has no importlib.metadata; a source tree, no record
        import cookiecutter

        return str(getattr(cookiecutter, "__version__", "unknown"))


def error(field: str, value: object, reason: str, fix: str) -> str:
    """Format one validation failure as a single line."""
    return f"ERROR: {field}={value!r}: {reason}. {fix}"


def check_text(answers: dict[str, Any]) -> Iterator[str]:
    for field in ONE_LINE_TEXT:
        value = answers[field]
        if not isinstance(value, str):
            yield error(field, value, "must be text", f"Give {field} as a string")
        elif len(f"{value}.".splitlines()) > 1:  # every break str.splitlines knows
            yield error(field, value, "must be a single line", "Remove the line breaks")
    for field in ("project_name", "author_name"):
        value = answers[field]
        if isinstance(value, str) and not value.strip():
            yield error(field, value, "must not be empty", f"Give a {field}")


def check_slug(answers: dict[str, Any]) -> Iterator[str]:
    slug = answers["project_slug"]
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        yield error(
            "project_slug",
            slug,
            "must start with a lowercase letter and hold only lowercase letters, "
            "digits and single hyphens (it names the distribution, the folder and the CLI)",
            "Pass project_slug=my-ml-service, or a project_name that starts with a letter",
        )
    elif len(slug) > MAX_NAME_LENGTH:
        yield error(
            "project_slug",
            slug,
            f"is longer than {MAX_NAME_LENGTH} characters",
            "Pass a shorter project_slug",
        )


def check_package(answers: dict[str, Any]) -> Iterator[str]:
    name = answers["package_name"]
    fix = "Pass package_name=my_ml_service (lowercase letters, digits, underscores)"
    if not isinstance(name, str) or not PACKAGE.fullmatch(name):
        yield error(
            "package_name",
            name,
            "is not a valid import name: it must start with a lowercase letter "
            "and hold only lowercase letters, digits and underscores",
            fix,
        )
    elif len(name) > MAX_NAME_LENGTH:
        yield error(
            "package_name",
            name,
            f"is longer than {MAX_NAME_LENGTH} characters",
            fix,
        )
    elif keyword.iskeyword(name):
        yield error("package_name", name, "is a Python keyword", fix)
    elif name in STDLIB_NAMES:
        yield error(
            "package_name",
            name,
            "is a standard-library module and would shadow it",
            fix,
        )
    elif name in TAKEN_NAMES:
        yield error(
            "package_name",
            name,
            "is the name of a package the project depends on and would shadow it",
            fix,
        )


def check_email(answers: dict[str, Any]) -> Iterator[str]:
    email = answers["author_email"]
    if isinstance(email, str) and email and not EMAIL.fullmatch(email):
        yield error(
            "author_email",
            email,
            "is not an email address",
            "Pass author_email=you@example.com, or leave it empty",
        )


def check_github_owner(answers: dict[str, Any]) -> Iterator[str]:
    owner = answers["github_owner"]
    if not isinstance(owner, str) or not GITHUB_OWNER.fullmatch(owner):
        yield error(
            "github_owner",
            owner,
            "is not a GitHub user or organisation name (1-39 letters, digits or "
            "single inner hyphens)",
            "Pass github_owner=your-github-user",
        )


def check_choices(answers: dict[str, Any]) -> Iterator[str]:
    for field, allowed in CHOICES.items():
        if answers[field] not in allowed:
            yield error(
                field,
                answers[field],
                "is not one of the choices",
                f"Pass one of: {', '.join(allowed)}",
            )


def check_booleans(answers: dict[str, Any]) -> Iterator[str]:
    for field in BOOLEANS:
        if not isinstance(answers[field], bool):
            yield error(
                field,
                answers[field],
                "must be a yes/no answer",
                f"Pass {field}=yes or {field}=no (true/false and 1/0 work too)",
            )


CHECKS: tuple[Callable[[dict[str, Any]], Iterator[str]], ...] = (
    check_text,
    check_slug,
    check_package,
    check_email,
    check_github_owner,
    check_choices,
    check_booleans,
)


def validate(answers: dict[str, Any]) -> list[str]:
    """Return one error line per bad answer; an empty list means the answers are usable."""
    return [message for check in CHECKS for message in check(answers)]


def main() -> int:
    problem = toolchain_problem(
        installed_cookiecutter(),
        sys.version_info[:3],
        str(ANSWERS.get("_template") or "gh:<owner>/cookiecutter-ml-service"),
    )
    if problem is not None:
        # Answers may look wrong under an old toolchain; only the toolchain is reported.
        print(problem, file=sys.stderr)
        return 1
    errors = validate(ANSWERS)
    for message in errors:
        print(message, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
