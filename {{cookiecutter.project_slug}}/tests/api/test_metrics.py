"""The arithmetic of the metrics module, apart from any request."""

import numpy as np
import pytest
from prometheus_client import CollectorRegistry, Histogram

from {{ cookiecutter.package_name }}.api.metrics import observe_all


def samples(values: list[float], *, at_once: bool) -> dict[str, float]:
    """A fresh histogram's samples after observing the values one way or the other."""
    registry = CollectorRegistry()
    histogram = Histogram("p", "p", buckets=(0.1, 0.5, 1.0), registry=registry)
    if at_once:
        observe_all(histogram, np.array(values))
    else:
        for value in values:
            histogram.observe(value)
    return {
        f"{sample.name}{sample.labels}": sample.value
        for metric in registry.collect()
        for sample in metric.samples
        if not sample.name.endswith("_created")
    }


@pytest.mark.parametrize(
    "values",
    [
        [0.3],
        # On, just above and far from each bound, and past the last one.
        [0.0, 0.1, 0.1000001, 0.5, 0.5, 0.99, 1.0, 1.5],
        np.random.default_rng(7).random(500).tolist(),
    ],
    ids=["one", "bounds", "random"],
)
def test_observe_all_counts_what_observing_one_at_a_time_counts(
    values: list[float],
) -> None:
    one_at_a_time = samples(values, at_once=False)
    at_once = samples(values, at_once=True)

    assert at_once.keys() == one_at_a_time.keys()
    for name, value in one_at_a_time.items():
        # Sums may differ in the last bits: numpy adds in another order.
        assert at_once[name] == pytest.approx(value, rel=1e-12), name
