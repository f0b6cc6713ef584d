"""The kinds of column a data contract declares: features, and the target with its task."""

from dataclasses import dataclass
from typing import Literal

Task = Literal["binary", "multiclass", "regression"]
TASKS: tuple[Task, ...] = ("binary", "multiclass", "regression")
# A class label as the data holds it: text ("gentoo") or a whole number (0, 1).
Label = str | int


@dataclass(frozen=True)
class Numeric:
    """A numeric feature with the range real values fall in."""

    name: str
    minimum: float
    maximum: float
    integer: bool = False
    nullable: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if not self.minimum <= self.maximum:
            raise ValueError(
                f"Numeric({self.name!r}): minimum {self.minimum} is above maximum "
                f"{self.maximum}"
            )


@dataclass(frozen=True)
class Categorical:
    """A categorical feature with its allowed values (text)."""

    name: str
    categories: tuple[str, ...]
    nullable: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if not self.categories or len(set(self.categories)) != len(self.categories):
            raise ValueError(
                f"Categorical({self.name!r}): categories must be distinct and not "
                f"empty, got {self.categories!r}"
            )


@dataclass(frozen=True)
class Target:
    """What the model predicts, and so the task: everything else follows from it.

    ``classes`` are the labels of a classification target, in the order the model's
    probabilities come in; for a binary task the second is the positive class, whose
    probability the decision threshold cuts. A regression target has no classes; its
    ``minimum`` and ``maximum`` are the range its values were seen in (they shape the
    prediction histogram, they do not bound predictions).
    """

    name: str
    task: Task
    classes: tuple[Label, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ValueError(
                f"Target({self.name!r}): task {self.task!r} is not one of {TASKS}"
            )
        expected = {
            "binary": "exactly 2",
            "multiclass": "3 or more",
            "regression": "no",
        }
        count = len(self.classes)
        fits = {"binary": count == 2, "multiclass": count >= 3, "regression": not count}
        # Distinct as text too: JSON keys and file columns name classes by their text.
        if not fits[self.task] or len({str(c) for c in self.classes}) != count:
            raise ValueError(
                f"Target({self.name!r}): a {self.task} target has {expected[self.task]} "
                f"distinct classes, got {self.classes!r}"
            )
        if self.task == "regression" and (self.minimum is None or self.maximum is None):
            raise ValueError(
                f"Target({self.name!r}): a regression target needs the minimum and "
                "maximum its values were seen in"
            )

    @property
    def is_classification(self) -> bool:
        return self.task != "regression"
