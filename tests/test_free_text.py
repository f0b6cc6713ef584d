"""Hostile free text: every baked file stays valid and means the text that was given."""

from __future__ import annotations

import ast
import json
import re
import tomllib

import pytest

from tests.checks import format_and_lint, leftovers, parse_all
from tests.conftest import Bake

HOSTILE = {
    "quotes": 'She said "it\'s fine"',
    "more-double-quotes": 'a "b" "c" \'d',
    "backslashes": r"C:\new\table \\ \" \u0041 \N{DASH}",
    "trailing-backslash": "ends with \\",
    "hash": "# not a comment #",
    "leading-dash": "- not a list item",
    "leading-star": "* not *emphasis*",
    "leading-colon": ": value: pair",
    "leading-at": "@not-a-decorator",
    "yaml-specials": "&anchor *alias !tag %d | > ? [a] {b} , `c`",
    "markdown-and-html": "[link](http://x) _u_ <script>alert('x')</script> | a |",
    "triple-quotes": "'''\"\"\" done",
    "emoji": "🚀 Rocket ML 🤖",
    "cjk": "数据科学服务",
    "right-to-left": "שירות למידת מכונה خدمة التعلم",
    "controls": "tab\there \x7f del",
    "long": ("Ünïcödé service " * 19)[:300],
}
MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_text_round_trips_through_every_format(bake: Bake, value: str) -> None:
    project = bake(project_name=value, description=value, author_name=value)

    assert leftovers(project) == []
    parsed = parse_all(project)
    pyproject = parsed["pyproject.toml"]["project"]
    assert pyproject["description"] == value
    assert pyproject["authors"][0]["name"] == value
    answers = parsed[".cookiecutter.json"]
    assert (
        answers["project_name"],
        answers["description"],
        answers["author_name"],
    ) == (
        value,
        value,
        value,
    )
    package = answers["package_name"]
    init = parsed[f"src/{package}/__init__.py"]
    [assignment] = [
        node
        for node in init.body
        if isinstance(node, ast.Assign)
        and ast.unparse(node.targets[0]) == "PROJECT_NAME"
    ]
    assert ast.literal_eval(assignment.value) == value
    readme = (project / "README.md").read_text(encoding="utf-8").splitlines()
    assert readme[0].startswith("# ")
    assert MARKDOWN_ESCAPE.sub(r"\1", readme[0][2:]) == value
    assert MARKDOWN_ESCAPE.sub(r"\1", readme[2]) == value
    assert value in (project / "LICENSE").read_text(encoding="utf-8")
    assert format_and_lint(project) == []


def test_empty_description_and_email_give_a_valid_project(bake: Bake) -> None:
    project = bake(description="", author_email="")

    pyproject = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["description"] == ""
    assert pyproject["project"]["authors"] == [{"name": "Your Name"}]
    assert (
        json.loads((project / ".cookiecutter.json").read_text("utf-8"))["author_email"]
        == ""
    )
    assert format_and_lint(project) == []


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("🚀 Rocket ML 🤖", "rocket-ml"),
        ("Churn: Predictor (v2)!", "churn-predictor-v2"),
        ("数据科学服务", "shu-ju-ke-xue-fu-wu"),
    ],
)
def test_slug_and_package_are_derived_from_any_name(
    bake: Bake, name: str, slug: str
) -> None:
    project = bake(project_name=name)

    assert project.name == slug
    assert (project / "src" / slug.replace("-", "_") / "__init__.py").is_file()
