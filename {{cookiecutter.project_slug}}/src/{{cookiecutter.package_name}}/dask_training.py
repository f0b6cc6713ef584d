"""Training on a Dask cluster: a gradient-boosting family on Parquet no one process holds.

Each part (a Parquet row group, as batch scoring plans them) is read, held to the
training contract, sampled and split on the worker it is pinned to, and stays there.
The driver gets back only what does not grow with the data: counts, quantile sketches
(for the time-based split and the imputed medians) and seeded samples of at most
``SAMPLE_ROWS`` rows a side, on which training then judges the model as it does in
process. ``xgboost.dask`` or ``lightgbm.dask`` fits the booster, which comes back as
the same sklearn Pipeline as in-process training makes.

Part ``i`` goes to worker ``i mod n``, workers sorted by name, and LightGBM ranks the
workers in that order too: the same data, seed and number of workers give the same model
bytes, whichever worker process starts first.

Imported only by ``train --engine dask``: it needs the batch and boosting extras.
"""

import logging
import uuid
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow.parquet as pq
from distributed import Client, Future
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from .columns import Categorical
from .config import Settings
from .contract import ENTITY_ID, EVENT_TIME, FEATURES, MIN_ROWS, TARGET
from .dask_scoring import Part, plan
from .data import (
    MAX_VALUES_SHOWN,
    as_text,
    check_split,
    labelled,
    random_split,
    rule_in_words,
    subset,
    validate,
)
from .errors import ConfigurationError, DataError
from .model import build_pipeline
from .schema import (
    FEATURE_NAMES,
    NUMERIC,
    TASK,
    encode_target,
    freshness_rule,
    min_rows_rule,
    training_schema,
)

if TYPE_CHECKING:  # train imports MLflow: workers, which run this module's tasks, never
    from .train import Fitted, Step

logger = logging.getLogger(__name__)

FAMILIES = ("lightgbm", "xgboost")
SKETCH_POINTS = 201  # quantiles a part reports of a column: cuts within 0.25 % of it
SAMPLE_ROWS = 100_000  # about this many rows a side come to the driver, at most


@dataclass(frozen=True)
class Sketch:
    """A column of one part in brief: its count and evenly spaced quantiles."""

    rows: int
    points: npt.NDArray[Any]

    @classmethod
    def of(cls, values: "pd.Series[Any]") -> "Sketch":
        present = values.dropna().to_numpy()
        if not len(present):
            return cls(0, present)
        spaced = np.linspace(0, 1, SKETCH_POINTS)
        return cls(len(present), np.quantile(present, spaced, method="inverted_cdf"))


def merged_quantile(sketches: Sequence[Sketch], q: float) -> Any:
    """The ``q`` quantile of the parts together, from their sketches (None: no value)."""
    kept = [s for s in sketches if s.rows]
    if not kept:
        return None
    values = np.concatenate([s.points for s in kept])
    weights = np.concatenate(
        [np.full(len(s.points), s.rows / len(s.points)) for s in kept]
    )
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    at = min(int(np.searchsorted(cumulative, q * cumulative[-1])), len(values) - 1)
    return values[order][at]


@dataclass(frozen=True)
class Halves:
    """One part's rows to train on and to validate on, kept on its worker."""

    train: pd.DataFrame
    validation: pd.DataFrame


@dataclass(frozen=True)
class Counts:
    """What a part tells the driver: rows, target values, and sketches of its columns."""

    rows: int
    labels: Counter[Hashable] = field(default_factory=Counter)
    sketches: dict[str, Sketch] = field(default_factory=dict)


def read_part(part: Part) -> pd.DataFrame:
    """Run on a worker: a part's labelled rows, held to the contract, indexed by their
    row numbers in the file (so that an error names the rows)."""
    try:
        table = pq.ParquetFile(part.file).read_row_groups(list(part.row_groups))
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise DataError(f"Could not read '{part.file}': {error}") from None
    frame = as_text(table.to_pandas())
    frame.index = pd.RangeIndex(part.first_row, part.first_row + len(frame))
    schema = training_schema(now=datetime.now(UTC), part=True)
    return labelled(validate(frame, schema, source=str(part.file)), str(part.file))


def count_rows(frame: pd.DataFrame) -> Counts:
    """Run on a worker: the labelled rows, and a sketch of their event times."""
    sketches = {}
    if EVENT_TIME is not None:
        sketches[EVENT_TIME] = Sketch.of(frame[EVENT_TIME].astype("int64"))
    return Counts(len(frame), sketches=sketches)


def split_part(
    frame: pd.DataFrame,
    *,
    number: int,
    cutoff: int | None,
    validation_fraction: float,
    sample_fraction: float,
    seed: int,
) -> Halves:
    """Run on a worker: the part's sample (all of it at 1), then its rows before the
    cutoff time to train and the rest to validate; or, without an event time, a seeded
    random share, stratified by class, to validate."""
    frame = subset(frame, sample_fraction, [seed, number])
    if EVENT_TIME is None or cutoff is None:
        # In-process training's split on each part: the same share of every part,
        # and of every class in it, so the sides' sizes do not depend on luck.
        part_seed = int(np.random.default_rng([seed, number, 1]).integers(2**31))
        return Halves(*random_split(frame, validation_fraction, part_seed))
    validating = frame[EVENT_TIME].astype("int64").to_numpy() >= cutoff
    return Halves(frame[~validating], frame[validating])


def count_halves(halves: Halves) -> tuple[Counts, Counts]:
    """Run on a worker: each side's rows and target values; the training rows' numbers
    sketched, for the medians that impute them."""
    train, validation = halves.train, halves.validation
    labels = TARGET.is_classification
    return (
        Counts(
            len(train),
            Counter(train[TARGET.name]) if labels else Counter(),
            {name: Sketch.of(train[name]) for name in NUMERIC},
        ),
        Counts(
            len(validation), Counter(validation[TARGET.name]) if labels else Counter()
        ),
    )


def sample_side(
    halves: Halves, *, side: str, probability: float, seed: int, number: int
) -> pd.DataFrame:
    """Run on a worker: a seeded share of one side's rows, for the driver."""
    rows: pd.DataFrame = getattr(halves, side)
    if probability >= 1:
        return rows
    rng = np.random.default_rng([seed, number, 2 if side == "train" else 3])
    return rows[rng.random(len(rows)) < probability]


def encode(halves: Halves, preprocess: Any) -> npt.NDArray[np.float64]:
    """Run on a worker: the training rows as the booster sees them."""
    matrix: npt.NDArray[np.float64] = preprocess.transform(
        halves.train[list(FEATURE_NAMES)]
    )
    return matrix


def target(halves: Halves) -> npt.NDArray[Any]:
    """Run on a worker: the training rows' target as the booster learns it."""
    return encode_target(halves.train[TARGET.name])


class _RankedClient:
    """The client, but ``who_has`` answers in the order of the parts: lightgbm.dask
    ranks workers in that order, which then no longer depends on hash order."""

    def __init__(self, client: Client, workers: Sequence[str]) -> None:
        self._client = client
        self._rank = {address: rank for rank, address in enumerate(workers)}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def who_has(self, futures: Sequence[Future[Any]]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = dict(self._client.who_has(futures))
        place = {future.key: n for n, future in enumerate(futures)}

        def order(item: tuple[str, list[str]]) -> tuple[int, int]:
            key, holders = item
            return self._rank.get(holders[0] if holders else "", 0), place[key]

        return dict(sorted(found.items(), key=order))


def workers_by_name(client: Client) -> list[str]:
    """The cluster's worker addresses, in the order of their names."""
    workers = client.scheduler_info(n_workers=-1)["workers"]
    return [
        address
        for address, _ in sorted(
            workers.items(), key=lambda item: (str(item[1].get("name")), item[0])
        )
    ]


def require_boosting(settings: Settings) -> None:
    """Raises ConfigurationError: the estimator family has no Dask trainer."""
    if settings.estimator not in FAMILIES:
        raise ConfigurationError(
            f"--engine dask trains {' or '.join(FAMILIES)}, not "
            f"ESTIMATOR={settings.estimator!r}: set ESTIMATOR to one of them, or train "
            "with --engine local"
        )


def fit_on_cluster(
    client: Client,
    settings: Settings,
    path: Path,
    *,
    seed: int,
    now: datetime | None,
    sample_fraction: float,
    step: "Step",
) -> "Fitted":
    """Train the pipeline on the cluster's workers from a Parquet file or folder.

    Paths are resolved here: every worker must see them at the same place.

    Raises:
        ConfigurationError: the family has no Dask trainer.
        DataError: the data is not Parquet, or breaks the contract.
    """
    from .train import Fitted

    require_boosting(settings)
    parts = plan(path.resolve())
    workers = workers_by_name(client)
    job = uuid.uuid4().hex[:8]
    futures: list[Future[Any]] = []

    def on_worker(
        name: str, n: int, task: Callable[..., Any], *args: Any, **kw: Any
    ) -> Future[Any]:
        future: Future[Any] = client.submit(
            task,
            *args,
            **kw,
            key=f"{job}-{name}-{n}",
            workers=[workers[n % len(workers)]],
            allow_other_workers=False,
            pure=False,
        )
        futures.append(future)
        return future

    try:
        with step("validate data"):
            frames = [on_worker("read", n, read_part, p) for n, p in enumerate(parts)]
            counts: list[Counts] = client.gather(
                [on_worker("count", n, count_rows, f) for n, f in enumerate(frames)]
            )
            cutoff = _check_whole(str(path), counts, now, settings.validation_fraction)
            if ENTITY_ID is not None:
                _check_unique(client, on_worker, path, parts, frames, ENTITY_ID)
            halves = [
                on_worker(
                    "split",
                    n,
                    split_part,
                    frame,
                    number=n,
                    cutoff=cutoff,
                    validation_fraction=settings.validation_fraction,
                    sample_fraction=sample_fraction,
                    seed=seed,
                )
                for n, frame in enumerate(frames)
            ]
            # The halves hold the rows now: let go of the whole parts.
            futures[:] = [
                f for f in futures if not str(f.key).startswith(f"{job}-read-")
            ]
            del frames
            sides = client.gather(
                [on_worker("sides", n, count_halves, h) for n, h in enumerate(halves)]
            )
            train_counts = [t for t, _ in sides]
            rows_train = sum(c.rows for c in train_counts)
            rows_validation = sum(v.rows for _, v in sides)
            check_split(
                rows_train,
                rows_validation,
                {k for c in train_counts for k, n in c.labels.items() if n},
                {k for _, v in sides for k, n in v.labels.items() if n},
            )
            samples = {
                side: pd.concat(
                    client.gather(
                        [
                            on_worker(
                                side,
                                n,
                                sample_side,
                                h,
                                side=side,
                                probability=SAMPLE_ROWS / max(total, 1),
                                seed=seed,
                                number=n,
                            )
                            for n, h in enumerate(halves)
                        ]
                    )
                )
                for side, total in (
                    ("train", rows_train),
                    ("validation", rows_validation),
                )
            }
            logger.info(
                "split on %d workers: %d rows to train, %d to validate (%s)",
                len(workers),
                rows_train,
                rows_validation,
                (
                    f"{EVENT_TIME} from {pd.Timestamp(cutoff, tz=UTC)}"
                    if cutoff is not None
                    else f"random, seed {seed}"
                ),
            )

        with step("fit"):
            pipeline = build_pipeline(settings, TASK, seed)
            preprocess = pipeline.named_steps["preprocess"]
            preprocess.fit(_medians(train_counts))
            inputs, truth = _training_arrays(
                client, on_worker, halves, preprocess, train_counts
            )
            model = _fit_booster(
                client, workers, pipeline.named_steps["model"], inputs, truth
            )
    finally:
        client.cancel(futures)
    return Fitted(
        pipeline=Pipeline([("preprocess", preprocess), ("model", model)]),
        train_rows=samples["train"],
        validation_rows=samples["validation"],
        rows_train=rows_train,
        rows_validation=rows_validation,
        tags={"engine": "dask", "dask_workers": str(len(workers))},
    )


def _check_whole(
    source: str, counts: Sequence[Counts], now: datetime | None, fraction: float
) -> int | None:
    """The rules of the whole data set; returns the event time validation starts at."""
    rows = sum(c.rows for c in counts)
    if rows < MIN_ROWS:
        raise DataError(
            f"{source} breaks the data contract: {min_rows_rule()}; it has {rows}"
        )
    if EVENT_TIME is None:
        return None
    times = [c.sketches[EVENT_TIME] for c in counts]
    rule = freshness_rule(now or datetime.now(UTC))
    newest = max((int(s.points[-1]) for s in times if s.rows), default=None)
    if rule is not None and newest is not None and newest < rule[0].value:
        raise DataError(
            f"{source} breaks the data contract: column {EVENT_TIME!r}: {rule[1]}; "
            f"the newest is {pd.Timestamp(newest, tz=UTC).isoformat()}"
        )
    cutoff = merged_quantile(times, 1 - fraction)
    return None if cutoff is None else int(cutoff)


def column_of(frame: pd.DataFrame, name: str) -> "pd.Series[Any]":
    """Run on a worker: one column of the part."""
    return frame[name]


def rows_holding(
    frame: pd.DataFrame, name: str, values: Sequence[Any]
) -> dict[Any, list[int]]:
    """Run on a worker: the part's rows (numbered in their file) whose ``name`` is one
    of ``values``."""
    held = frame[frame[name].isin(values)]
    return {
        value: [int(row) for row in group.index]
        for value, group in held.groupby(name, sort=False)
    }


def _check_unique(
    client: Client,
    on_worker: Callable[..., Future[Any]],
    source: Path,
    parts: Sequence[Part],
    frames: Sequence[Future[Any]],
    name: str,
) -> None:
    """Each entity id (column ``name``) once in the whole data set, not only in each
    part: ids are counted by a hash shuffle (dask.dataframe), no process holds them all.

    Raises:
        DataError: an id is in more than one row, naming the first few and their rows.
    """
    import dask
    import dask.dataframe as dd

    ids = dd.from_delayed(
        [on_worker("ids", n, column_of, f, name) for n, f in enumerate(frames)],
        meta=pd.Series(dtype=object, name=name),
        verify_meta=False,
    )
    # As many outputs as parts: each holds about one part's share of the ids.
    counts = ids.value_counts(split_out=len(frames))
    repeated = counts[counts > 1]
    # The task shuffle: the same answer as p2p here, without its log lines per shuffle.
    with dask.config.set({"dataframe.shuffle.method": "tasks"}):
        how_many, first = client.compute(
            [repeated.size, repeated.head(MAX_VALUES_SHOWN, npartitions=-1)], sync=True
        )
    if not how_many:
        return
    shown = sorted(first.index)
    found = client.gather(
        [
            on_worker("where", n, rows_holding, f, name, shown)
            for n, f in enumerate(frames)
        ]
    )
    places: dict[Any, list[str]] = {value: [] for value in shown}
    for part, rows in zip(parts, found, strict=True):
        for value, numbers in rows.items():
            places[value] += [f"{part.file.name} row {row}" for row in numbers]
    where = "; ".join(f"{value!r} in {', '.join(places[value])}" for value in shown)
    raise DataError(
        f"{source} breaks the data contract:\n"
        f"  column {name!r}: {rule_in_words('field_uniqueness')} "
        f"across the parts: {how_many} id{'s' if how_many > 1 else ''} in more than "
        f"one row; {where}; keep one row per {name}\n"
        "  (rows are numbered from 0 in their file, not counting a header line)"
    )


def _medians(train_counts: Sequence[Counts]) -> pd.DataFrame:
    """One row that a fitted preprocess step learns the medians from: each number's
    median over every part's training rows, and a category (the contract fixes them)."""
    row: dict[str, Any] = {}
    for feature in FEATURES:
        name = feature.name
        if isinstance(feature, Categorical):
            row[name] = [feature.categories[0]]
        else:
            median = merged_quantile([c.sketches[name] for c in train_counts], 0.5)
            row[name] = [np.nan if median is None else float(median)]
    return pd.DataFrame(row, columns=list(FEATURE_NAMES))


def _training_arrays(
    client: Client,
    on_worker: Callable[..., Future[Any]],
    halves: Sequence[Future[Any]],
    preprocess: Any,
    train_counts: Sequence[Counts],
) -> tuple[Any, Any]:
    """The encoded training rows as Dask arrays, each chunk on its part's worker."""
    import dask.array as da

    shipped = client.scatter(preprocess, broadcast=True)
    width = len(preprocess.get_feature_names_out())
    input_parts, truth_parts = [], []
    for n, (h, counts) in enumerate(zip(halves, train_counts, strict=True)):
        if not counts.rows:
            continue
        matrix = on_worker("encode", n, encode, h, shipped)
        truth = on_worker("target", n, target, h)
        input_parts.append(da.from_delayed(matrix, (counts.rows, width), np.float64))
        truth_parts.append(da.from_delayed(truth, (counts.rows,), truth_dtype()))
    return da.concatenate(input_parts), da.concatenate(truth_parts)


def truth_dtype() -> type[np.generic]:
    return np.int64 if TARGET.is_classification else np.float64


def _fit_booster(
    client: Client,
    workers: Sequence[str],
    local: BaseEstimator,
    inputs: Any,
    truth: Any,
) -> BaseEstimator:
    """Fit the family's Dask estimator with ``local``'s parameters; return it as the
    local estimator that serving and ONNX conversion know."""
    params = local.get_params()
    regression = TASK == "regression"
    if type(local).__module__.startswith("xgboost"):
        import xgboost.dask as dxgb

        kind = dxgb.DaskXGBRegressor if regression else dxgb.DaskXGBClassifier
        model = kind(**params)
        model.client = client
        model.fit(inputs, truth)
        local.load_model(bytearray(model.get_booster().save_raw("json")))
        return local
    import lightgbm

    # lightgbm.dask prints what it does to stdout unless it has a logger; stdout
    # carries results (train --json).
    lightgbm.register_logger(logging.getLogger("lightgbm"))
    lgbm = lightgbm.DaskLGBMRegressor if regression else lightgbm.DaskLGBMClassifier
    ranked = cast(Client, _RankedClient(client, workers))  # a Client in all it uses
    model = lgbm(client=ranked, **params)
    model.fit(inputs, truth)
    return _without_network(model.to_local())


# LightGBM's settings of one training's network: its ports change from run to run.
NETWORK = ("machines", "local_listen_port", "num_machines")


def _without_network(model: Any) -> BaseEstimator:
    """The LightGBM model without the network it was trained on, its attributes in name
    order: the pickle of the same trees is then the same bytes."""
    import lightgbm

    text = model.booster_.model_to_string()
    kept = [
        line
        for line in text.splitlines(keepends=True)
        if not line.startswith(tuple(f"[{name}: " for name in NETWORK))
    ]
    state = {k: v for k, v in vars(model).items() if k not in NETWORK}
    state["_Booster"] = lightgbm.Booster(model_str="".join(kept))
    model.__dict__ = dict(sorted(state.items()))
    cleaned: BaseEstimator = model
    return cleaned
