"""The promotion gate as a pure decision, in the direction of each metric."""

import pytest

from {{ cookiecutter.package_name }}.metrics import (
    DEFAULT_METRIC,
    METRICS,
)
from {{ cookiecutter.package_name }}.promotion import decide

# (challenger, champion, baseline, limit, promote, phrase): for a score, higher is better.
HIGHER = [
    (0.80, None, 0.5, None, True, "no comparable champion"),
    (0.50, None, 0.5, None, False, "does not beat the baseline's 0.5000"),
    (0.45, 0.40, 0.5, None, False, "does not beat the baseline"),
    (0.80, 0.80, 0.5, None, True, "at least the champion's 0.8000"),
    (0.81, 0.80, 0.5, None, True, "at least the champion"),
    (0.79, 0.80, 0.5, None, False, "worse than the champion's 0.8000"),
    (0.59, None, 0.5, 0.6, False, "misses the minimum 0.6000 (PRIMARY_METRIC_LIMIT)"),
    (0.60, None, 0.5, 0.6, True, "no comparable champion"),
    (0.59, 0.50, 0.5, 0.6, False, "misses the minimum"),
]
# The same for a loss: lower is better, and the limit is a ceiling.
LOWER = [
    (0.30, None, 0.69, None, True, "no comparable champion"),
    (0.69, None, 0.69, None, False, "does not beat the baseline's 0.6900"),
    (0.80, 0.90, 0.69, None, False, "lower is better"),
    (0.30, 0.30, 0.69, None, True, "at least the champion"),
    (0.29, 0.30, 0.69, None, True, "at least the champion"),
    (0.31, 0.30, 0.69, None, False, "worse than the champion's 0.3000"),
    (0.41, None, 0.69, 0.4, False, "misses the maximum 0.4000 (PRIMARY_METRIC_LIMIT)"),
    (0.40, None, 0.69, 0.4, True, "no comparable champion"),
]
# Each case once per metric of its direction: scores and losses of every task.
CASES = [
    (metric, *case)
    for metrics, cases in (
        (("roc_auc", "f1_macro", "r2"), HIGHER),
        (("log_loss", "rmse", "mae"), LOWER),
    )
    for metric in metrics
    for case in cases
]


@pytest.mark.parametrize(
    ("metric", "challenger", "champion", "baseline", "limit", "promote", "phrase"),
    CASES,
)
def test_the_gate_follows_the_metric_direction(
    metric: str,
    challenger: float,
    champion: float | None,
    baseline: float,
    limit: float | None,
    promote: bool,
    phrase: str,
) -> None:
    decision = decide(
        metric=metric,
        challenger=challenger,
        champion=champion,
        baseline=baseline,
        limit=limit,
    )

    assert decision.promote is promote, decision.reason
    assert phrase in decision.reason


def test_every_metric_has_a_direction_the_gate_follows() -> None:
    for metric, info in METRICS.items():
        good, bad = (0.9, 0.1) if info.direction == "higher" else (0.1, 0.9)
        assert decide(
            metric=metric, challenger=good, champion=bad, baseline=bad
        ).promote
        assert not decide(
            metric=metric, challenger=bad, champion=good, baseline=bad
        ).promote
    assert set(DEFAULT_METRIC.values()) <= set(METRICS)


@pytest.mark.parametrize("promote", [True, False])
def test_a_caveat_is_added_to_either_verdict(promote: bool) -> None:
    decision = decide(
        metric="rmse",
        challenger=1.0 if promote else 9.0,
        champion=None,
        baseline=5.0,
        caveat="the champion was trained on another contract",
    )

    assert decision.promote is promote
    assert decision.reason.endswith("; the champion was trained on another contract")
