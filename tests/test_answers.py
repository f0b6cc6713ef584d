"""Yes/no answers reach every template as booleans, whichever cookiecutter 2.x sent them."""

from __future__ import annotations

import jinja2
import pytest

from local_extensions import BOOLEAN_ANSWERS, LiteralsExtension, yes_no_as_booleans
from requires_cookiecutter_2_2_or_newer import LiteralsExtension as Reexported
from tests.matrix import DEFAULTS


def test_the_boolean_answers_are_those_of_cookiecutter_json() -> None:
    booleans = {key for key, value in DEFAULTS.items() if isinstance(value, bool)}
    assert booleans == BOOLEAN_ANSWERS
    assert "include_api" in BOOLEAN_ANSWERS


@pytest.mark.parametrize(
    ("word", "meaning"),
    [
        *[(word, True) for word in ("yes", "Y", " on ", "1", "true")],
        *[(word, False) for word in ("no", "N", "off", "0", "False")],
    ],
)
def test_yes_no_words_become_booleans(word: str, meaning: bool) -> None:
    assert yes_no_as_booleans({"include_api": word}) == {"include_api": meaning}


def test_other_values_are_left_for_the_hook_to_judge() -> None:
    answers = {"include_api": "maybe", "init_git": True, "project_name": "no"}

    assert yes_no_as_booleans(answers) == answers


def test_templates_see_booleans_where_old_cookiecutters_send_words() -> None:
    """'no' is a non-empty string, which Jinja alone would take as true."""
    environment = jinja2.Environment(extensions=[LiteralsExtension])
    template = environment.from_string(
        "{% if cookiecutter.include_api %}api{% else %}no api{% endif %} "
        "{{ cookiecutter.project_name }}"
    )

    assert template.render(
        cookiecutter={"include_api": "no", "project_name": "no"}
    ) == ("no api no")
    assert template.render(cookiecutter={"include_api": True, "project_name": "x"}) == (
        "api x"
    )


def test_cookiecutter_json_names_the_extension_by_the_name_that_explains_itself() -> (
    None
):
    """Cookiecutter 1.x prints only the missing module's name: that name is the message."""
    assert DEFAULTS["_extensions"] == [
        "requires_cookiecutter_2_2_or_newer.LiteralsExtension"
    ]
    assert Reexported is LiteralsExtension
