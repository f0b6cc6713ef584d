"""The promotion gate as a pure decision."""

import pytest

from {{ cookiecutter.package_name }}.promotion import decide


@pytest.mark.parametrize(
    ("challenger", "champion", "promote", "phrase"),
    [
        (0.80, None, True, "no champion yet"),
        (0.55, None, False, "below the minimum"),
        (0.80, 0.80, True, "at least the champion"),
        (0.81, 0.80, True, "at least the champion"),
        (0.79, 0.80, False, "worse than the champion"),
        (0.59, 0.50, False, "below the minimum"),
    ],
)
def test_decision(
    challenger: float, champion: float | None, promote: bool, phrase: str
) -> None:
    decision = decide(
        metric="roc_auc", challenger=challenger, champion=champion, minimum=0.6
    )

    assert decision.promote is promote
    assert phrase in decision.reason
