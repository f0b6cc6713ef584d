"""The promotion gate: a pure decision, so it can be tested without MLflow."""

from dataclasses import dataclass

from .metrics import METRICS, is_better


@dataclass(frozen=True)
class Decision:
    promote: bool
    reason: str


def decide(
    *,
    metric: str,
    challenger: float,
    champion: float | None,
    baseline: float,
    limit: float | None = None,
    caveat: str = "",
) -> Decision:
    """Promote a challenger that beats the baseline, meets the limit and is at least as
    good as the champion, in the metric's own direction (lower is better for a loss).

    Every score comes from the same validation rows, so the comparison is fair. The
    baseline is a model that knows only the training rows' prior (or mean): a challenger
    that cannot beat it has learnt nothing. ``caveat`` is added to the reason.
    """
    higher = METRICS[metric].direction == "higher"
    better_word = "higher" if higher else "lower"
    note = f"; {caveat}" if caveat else ""

    def verdict(promote: bool, reason: str) -> Decision:
        return Decision(promote, reason + note)

    if not is_better(metric, challenger, baseline):
        return verdict(
            False,
            f"{metric} {challenger:.4f} does not beat the baseline's {baseline:.4f} "
            f"(a model of the training prior or mean; {better_word} is better)",
        )
    if limit is not None and is_better(metric, limit, challenger):
        bound = "minimum" if higher else "maximum"
        return verdict(
            False,
            f"{metric} {challenger:.4f} misses the {bound} {limit:.4f} "
            "(PRIMARY_METRIC_LIMIT)",
        )
    if champion is None:
        return verdict(
            True,
            f"no comparable champion; {metric} {challenger:.4f} beats the baseline's "
            f"{baseline:.4f}",
        )
    if is_better(metric, champion, challenger):
        return verdict(
            False,
            f"{metric} {challenger:.4f} is worse than the champion's {champion:.4f} "
            f"on the same validation data ({better_word} is better)",
        )
    return verdict(
        True, f"{metric} {challenger:.4f} is at least the champion's {champion:.4f}"
    )
