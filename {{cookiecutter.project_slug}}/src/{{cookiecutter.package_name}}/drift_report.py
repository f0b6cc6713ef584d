"""Evidently's data-drift report of served inputs against the champion's training rows.

Training logs a bounded sample of its rows with every model (the features only, so the
report is the same for every task; the predictions' drift is in ``drift``'s PSI);
``drift --report`` reads it back as the reference. Evidently lives in the report environment only
(``uv run --isolated --no-default-groups --group report``): it is imported inside ``write_report``,
so neither the service nor its environment ever loads it.
"""

import importlib.util
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .config import export_no_tracking
from .errors import DataError
from .schema import CATEGORICAL, FEATURE_NAMES, NUMERIC

logger = logging.getLogger(__name__)

# Where training logs the reference rows in the run, and where the report reads them.
REFERENCE_SAMPLE = "monitoring/reference_sample.csv"
SUFFIXES = (".html", ".json")
# Evidently's name for its per-column drift test.
VALUE_DRIFT = "evidently:metric_v2:ValueDrift"
REPORT_COMMAND = (
    "uv run --isolated --no-default-groups --group report "
    "{{ cookiecutter.project_slug }} drift SOURCE --report drift.html"
)


@dataclass(frozen=True)
class ReportSummary:
    """What Evidently found: the columns whose drift test failed, and where it wrote."""

    drifted: list[str]
    columns: int
    written: list[str]


def reference_sample(frame: pd.DataFrame, rows: int, seed: int) -> bytes:
    """At most ``rows`` training rows, features only (no id, no label), as CSV."""
    features = frame[list(FEATURE_NAMES)]
    if len(features) > rows:
        features = features.sample(n=rows, random_state=seed).sort_index()
    return features.to_csv(index=False).encode("utf-8")


def read_reference(content: bytes) -> pd.DataFrame:
    """The logged sample, categories as text (as served), even those like "1" or "2"."""
    return pd.read_csv(io.BytesIO(content), dtype=dict.fromkeys(CATEGORICAL, str))


def check_can_write(paths: Sequence[Path]) -> None:
    """Refuse, before any work is done, a report this environment cannot write."""
    for path in paths:
        if path.suffix not in SUFFIXES:
            raise DataError(
                f"--report {path}: the report is written as HTML or JSON; give a path "
                f"ending in {' or '.join(SUFFIXES)}"
            )
    if paths and importlib.util.find_spec("evidently") is None:
        raise DataError(
            "Evidently is not installed in this environment (the service's never has "
            f"it): run the report in its own, e.g. {REPORT_COMMAND}"
        )


def write_report(
    reference: pd.DataFrame, current: pd.DataFrame, paths: Sequence[Path]
) -> ReportSummary:
    """Run Evidently's data-drift preset on the contract's features and write it to
    each path (``.html``: the page people read, ``.json``: the same as data).

    Raises:
        DataError: Evidently is not installed here, or a path has another suffix.
    """
    check_can_write(paths)
    export_no_tracking()
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(
        numerical_columns=list(NUMERIC), categorical_columns=list(CATEGORICAL)
    )

    def dataset(frame: pd.DataFrame) -> Dataset:
        # Numbers as floats on both sides: served integers and logged ones may differ
        # in type (int64, or float64 with a gap), never in value.
        features = frame[list(FEATURE_NAMES)].astype(dict.fromkeys(NUMERIC, "float64"))
        return Dataset.from_pandas(features, data_definition=definition)

    # include_tests: Evidently decides per column whether it drifted, by the method
    # and threshold it picks for the column's type and the number of rows.
    snapshot = Report([DataDriftPreset()], include_tests=True).run(
        dataset(current), dataset(reference)
    )
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".html":
            snapshot.save_html(str(path))
        else:
            snapshot.save_json(str(path))
        logger.info("drift report written to %s", path)
    drifted = sorted(
        test["metric_config"]["params"]["column"]
        for test in snapshot.dict()["tests"]
        if test["metric_config"]["params"].get("type") == VALUE_DRIFT
        and test["status"] == "FAIL"
    )
    return ReportSummary(drifted, len(FEATURE_NAMES), [str(p) for p in paths])
