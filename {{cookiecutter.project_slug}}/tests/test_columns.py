"""The column declarations refuse what no contract could mean, naming the column."""

import re
from collections.abc import Callable

import pytest

from {{ cookiecutter.package_name }}.columns import (
    TASKS,
    Categorical,
    Numeric,
    Target,
)

# (a declaration, words its error must hold)
BAD: dict[str, tuple[Callable[[], object], str]] = {
    "numeric-minimum-above-maximum": (
        lambda: Numeric("age", 10, 1),
        "Numeric('age'): minimum 10 is above maximum 1",
    ),
    "categorical-without-categories": (
        lambda: Categorical("colour", ()),
        "Categorical('colour'): categories must be distinct and not empty",
    ),
    "categorical-with-a-repeat": (
        lambda: Categorical("colour", ("red", "blue", "red")),
        "('red', 'blue', 'red')",
    ),
    "unknown-task": (
        lambda: Target("y", "ranking", classes=(0, 1)),  # type: ignore[arg-type]
        "task 'ranking' is not one of",
    ),
    "binary-with-three-classes": (
        lambda: Target("y", "binary", classes=(0, 1, 2)),
        "a binary target has exactly 2 distinct classes, got (0, 1, 2)",
    ),
    "binary-with-one-class-twice": (
        lambda: Target("y", "binary", classes=("yes", "yes")),
        "exactly 2 distinct classes",
    ),
    "multiclass-with-two-classes": (
        lambda: Target("y", "multiclass", classes=("a", "b")),
        "a multiclass target has 3 or more distinct classes",
    ),
    "regression-with-classes": (
        lambda: Target("y", "regression", classes=(0, 1), minimum=0, maximum=1),
        "a regression target has no distinct classes",
    ),
    "regression-without-a-range": (
        lambda: Target("y", "regression", minimum=0),
        "Target('y'): a regression target needs the minimum and maximum",
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_a_bad_declaration_is_refused_naming_the_column(
    case: tuple[Callable[[], object], str],
) -> None:
    declare, words = case

    with pytest.raises(ValueError, match=re.escape(words)):
        declare()


def test_good_declarations_keep_their_values() -> None:
    number = Numeric("age", 0, 0, integer=True, nullable=True)
    colour = Categorical("colour", ("red",))
    binary = Target("y", "binary", classes=("no", "yes"))
    regression = Target("y", "regression", minimum=-1.5, maximum=3)

    assert (number.minimum, number.maximum, number.integer) == (0, 0, True)
    assert colour.categories == ("red",)
    assert binary.is_classification
    assert Target("y", "multiclass", classes=(1, 2, 3)).is_classification
    assert not regression.is_classification
    assert TASKS == ("binary", "multiclass", "regression")
