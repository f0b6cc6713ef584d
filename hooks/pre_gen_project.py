"""Validate the answers before anything is rendered; on a bad answer print why and exit 1.

Every message has the form ``ERROR: <field>=<value>: <what is wrong>. <how to fix it>``.
Cookiecutter removes the half-made project folder when this hook fails.
"""

from __future__ import annotations

import json
import keyword
import re
import sys
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
        "fastapi",
        "mlflow",
        "numpy",
        "pandas",
        "pandera",
        "pydantic",
        "pydantic_settings",
        "rich",
        "sklearn",
        "starlette",
        "tests",
        "typer",
        "uvicorn",
    }
)
# sys.stdlib_module_names leaves out the standard library's own "test" package.
STDLIB_NAMES = sys.stdlib_module_names | {"test"}
CHOICES = {
    "python_version": ("3.11", "3.12", "3.13"),
    "license": ("MIT", "Apache-2.0", "BSD-3-Clause", "Proprietary"),
}
BOOLEANS = (
    "include_api",
    "include_docker",
    "include_github_actions",
    "include_pre_commit",
    "include_airflow",
    "include_dvc",
    "init_git",
)
ONE_LINE_TEXT = ("project_name", "description", "author_name", "author_email")


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
    errors = validate(ANSWERS)
    for message in errors:
        print(message, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
