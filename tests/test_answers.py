"""Yes/no answers reach every template as booleans, whichever cookiecutter 2.x sent them."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from local_extensions import BOOLEAN_ANSWERS, LiteralsExtension, yes_no_as_booleans
from requires_cookiecutter_2_2_or_newer import LiteralsExtension as Reexported
from tests.matrix import BASE, BOOLEAN_NAMES, CROSSED, CYCLED, DEFAULTS, answers_for
from tests.test_hooks import load_hook


def test_every_yes_no_answer_is_known_everywhere_that_lists_them(
    tmp_path: Path,
) -> None:
    """A new answer must reach the extension, the hook's check and the option matrix."""
    booleans = {key for key, value in DEFAULTS.items() if isinstance(value, bool)}
    hook = load_hook("pre_gen_project", answers_for(BASE), tmp_path)
    matrix = {
        option
        for option, values in {**CROSSED, **CYCLED}.items()
        if set(values) == {True, False}
    }

    assert "include_api" in booleans
    assert set(BOOLEAN_ANSWERS) == booleans
    assert set(hook.BOOLEANS) == booleans
    assert set(BOOLEAN_NAMES) == booleans
    assert matrix == booleans


def test_every_choice_is_checked_by_the_hook_and_baked_by_the_matrix(
    tmp_path: Path,
) -> None:
    """Each value of a choice answer is one the hook accepts and some row bakes."""
    choices = {
        key: value
        for key, value in DEFAULTS.items()
        if isinstance(value, list) and not key.startswith("_")
    }
    hook = load_hook("pre_gen_project", answers_for(BASE), tmp_path)

    assert "task" in choices
    assert {key: list(values) for key, values in hook.CHOICES.items()} == choices
    for key, values in choices.items():
        assert set(CYCLED[key]) == set(values), key


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
