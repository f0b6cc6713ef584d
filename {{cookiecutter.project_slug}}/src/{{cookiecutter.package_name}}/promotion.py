"""The promotion gate: a pure decision, so it can be tested without MLflow."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def decide(
    *, metric: str, challenger: float, champion: float | None, minimum: float
) -> Decision:
    """Promote when the challenger meets the floor and is at least as good as the champion.

    Both scores must come from the same validation data, so the comparison is fair.
    """
    if challenger < minimum:
        return Decision(
            False, f"{metric} {challenger:.4f} is below the minimum {minimum:.4f}"
        )
    if champion is None:
        return Decision(
            True, f"no champion yet; {metric} {challenger:.4f} meets the minimum"
        )
    if challenger < champion:
        return Decision(
            False,
            f"{metric} {challenger:.4f} is worse than the champion's {champion:.4f} "
            "on the same validation data",
        )
    return Decision(
        True, f"{metric} {challenger:.4f} is at least the champion's {champion:.4f}"
    )
