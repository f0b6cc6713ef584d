"""Training: seed -> data -> split -> fit -> evaluate -> track -> gate -> register."""

import hashlib
import importlib.util
import json
import logging
import pickle
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel

from . import TEMPLATE_VERSION
from .config import Settings
from .contract import EVENT_TIME, TARGET
from .data import file_md5, file_sha256, load_training_data, split, subset
from .drift_bins import REFERENCE_STATISTICS
{%- if cookiecutter.include_drift_report %}
from .drift_report import REFERENCE_SAMPLE, reference_sample
{%- endif %}
from .errors import ConfigurationError
from .evaluation import FOLDER as EVALUATION
from .evaluation import Importance, figures, permutation_importances
from .metrics import baseline_scores, evaluate
from .model import build_pipeline, model_params
from .model_card import HTML, MARKDOWN, Card, markdown, page
from .monitoring import reference_statistics
from .onnx_model import ARTIFACT as ONNX_ARTIFACT
from .onnx_model import convert, max_difference, pipeline_scores
from .outputs import interpret
from .promotion import decide
from .registry import CONTRACT_DOCUMENT, Registry
from .schema import CLASSES, FEATURE_NAMES, TASK, describe, encode_target
from .seed import seed_everything

if TYPE_CHECKING:
    import pandas as pd
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

# Reads the training frame, held to the contract: (settings, path, now) -> rows.
Loader = Callable[[Settings, Path, datetime | None], "pd.DataFrame"]
# Times a step of training by name, and shows it.
Step = Callable[[str], AbstractContextManager[None]]
# The MLflow tag (run and version) of the share of the rows a model was trained on.
SAMPLE_FRACTION = "sample_fraction"


@dataclass(frozen=True)
class Fitted:
    """What a training engine hands on: the pipeline, and the rows to judge it on."""

    pipeline: "Pipeline"
    train_rows: "pd.DataFrame"  # all of them, or a seeded sample (the Dask engine)
    validation_rows: "pd.DataFrame"  # likewise
    rows_train: int
    rows_validation: int
    tags: dict[str, str] = field(default_factory=dict)  # the engine's, for the run


class Fit(Protocol):
    """A training engine: validates, samples and splits the data at ``path``, and fits
    the pipeline.

    Raises:
        DataError: the data breaks the contract.
    """

    def __call__(
        self,
        settings: Settings,
        path: Path,
        *,
        seed: int,
        now: datetime | None,
        sample_fraction: float,
        step: Step,
    ) -> Fitted: ...


def fit_in_process(
    settings: Settings,
    path: Path,
    *,
    seed: int,
    now: datetime | None,
    sample_fraction: float,
    step: Step,
    load: Loader = load_training_data,
) -> Fitted:
    """Fit in this process: pandas and scikit-learn on the whole frame."""
    with step("validate data"):
        frame = load(settings, path, now)
        logger.info("data %s: %d rows x %d columns", path, *frame.shape)
        frame = subset(frame, sample_fraction, seed)
        train_rows, validation_rows = split(frame, settings.validation_fraction, seed)
    with step("fit"):
        pipeline = build_pipeline(settings, TASK, seed)
        train_truth = encode_target(train_rows[TARGET.name])
        pipeline.fit(train_rows[list(FEATURE_NAMES)], train_truth)
    return Fitted(
        pipeline,
        train_rows,
        validation_rows,
        len(train_rows),
        len(validation_rows),
        {"engine": "local"},
    )


class TrainResult(BaseModel):
    """What a training run did: printed by ``train --json``."""

    run_id: str
    model_name: str
    model_version: int
    promoted: bool
    reason: str
    task: str
    estimator: str
    primary_metric: str
    metrics: dict[str, float]
    baseline_metric: float
    champion_metric: float | None
    model_card: str | None
    seed: int
    data_path: str
    data_sha256: str
    data_md5: str
    model_sha256: str
    rows_train: int
    rows_validation: int
    sample_fraction: float
    engine: str
    serving_backend: Literal["onnx", "sklearn"]
    onnx_max_difference: float | None
    seconds: dict[str, float]


def git_commit() -> str | None:
    """The commit of the working tree, when training runs inside a git repository."""
    git = shutil.which("git")
    if git is None:
        return None
    result = subprocess.run(  # noqa: S603 - fixed arguments, no outside input
        [git, "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else None


def train(
    settings: Settings,
    *,
    data_path: Path | None = None,
    seed: int | None = None,
    now: datetime | None = None,
    load: Loader = load_training_data,
    fit: "Fit | None" = None,
    sample_fraction: float = 1.0,
    on_step: Callable[[str], None] = lambda step: None,
) -> TrainResult:
    """Train, track and register a model; promote it only if it beats the champion.

    ``fit`` fits the model: in this process by default, on the frame ``load`` reads
    (from the data file by default). ``sample_fraction`` < 1 trains on a seeded share of
    the rows, drawn from every time alike.

    Raises:
        ConfigurationError: a sample fraction out of (0, 1], or the engine cannot train
            the estimator family.
        DataError: the data breaks the contract; nothing was logged or registered.
        RegistryError: the registry refused an operation.
    """
    if not 0 < sample_fraction <= 1:
        raise ConfigurationError(
            f"The sample fraction must be over 0 and at most 1, not {sample_fraction}"
        )
    seconds: dict[str, float] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        on_step(name)
        started = time.perf_counter()
        yield
        seconds[name] = round(time.perf_counter() - started, 3)

    seed = seed_everything(settings.seed if seed is None else seed)
    path = data_path or settings.data_path
    fitted = (fit or partial(fit_in_process, load=load))(
        settings, path, seed=seed, now=now, sample_fraction=sample_fraction, step=step
    )
    pipeline, train_rows, validation_rows = (
        fitted.pipeline,
        fitted.train_rows,
        fitted.validation_rows,
    )

    metric = settings.metric
    with step("score"):
        data_sha256 = file_sha256(path)
        data_md5 = file_md5(path)
        features = validation_rows[list(FEATURE_NAMES)]
        truth = encode_target(validation_rows[TARGET.name])
        train_truth = encode_target(train_rows[TARGET.name])
        threshold = settings.decision_threshold
        scores = pipeline_scores(pipeline, features)
        metrics = evaluate(TASK, truth, scores, threshold)
        baseline = evaluate(
            TASK,
            truth,
            baseline_scores(TASK, train_truth, len(features), len(CLASSES)),
            threshold,
        )[metric]
        model_sha256 = hashlib.sha256(pickle.dumps(pipeline, protocol=5)).hexdigest()
        logger.info(
            "validation metrics %s (baseline %s %.4f); data sha256 %s",
            metrics,
            metric,
            baseline,
            data_sha256,
        )

    with step("convert to onnx"):
        onnx_model = convert(pipeline)
        difference = None
        if onnx_model is not None:
            try:
                difference = max_difference(onnx_model, pipeline, features)
            # onnxruntime's own errors share no base class short of Exception.
            except Exception as error:
                problem = f"ONNX Runtime cannot score the converted model ({error})"
            else:
                problem = (
                    f"ONNX scores differ by {difference:.2e} (over "
                    f"{settings.onnx_tolerance:.0e})"
                    if difference > settings.onnx_tolerance
                    else ""
                )
            if problem:
                # Serve the exact model rather than a fast approximation of it.
                logger.warning("%s: serving will use scikit-learn", problem)
                onnx_model = None
        backend: Literal["onnx", "sklearn"] = "onnx" if onnx_model else "sklearn"

    registry = Registry(settings)
    with step("score champion"):
        champion = registry.champion()
        champion_metrics, caveat = None, ""
        if champion is not None and registry.contract(champion) != describe():
            # Another target, task or columns: its scores would not be comparable.
            caveat = (
                f"the champion (version {champion.number}) was trained on another "
                "contract, so only the baseline was compared"
            )
            logger.warning(caveat)
        elif champion is not None:
            # Scored on this run's validation rows, so both models face the same data.
            champion_scores = pipeline_scores(registry.load(champion), features)
            champion_metrics = evaluate(TASK, truth, champion_scores, threshold)
        champion_metric = champion_metrics[metric] if champion_metrics else None
        if champion_metrics and champion and sample_fraction < _fraction(champion.tags):
            caveat = (
                f"this model was trained on a {sample_fraction:.4g} sample of the rows "
                f"and the champion (version {champion.number}) on "
                + (
                    "all of them"
                    if _fraction(champion.tags) >= 1
                    else f"a {_fraction(champion.tags):.4g} sample"
                )
            )
            logger.warning(caveat)

    with step("evaluate"):
        importances = permutation_importances(
            pipeline, features, truth, metric, threshold, seed
        )
        pictures = (
            figures(truth, scores, threshold, importances, metric)
            if settings.evaluation_figures and _can_draw()
            else {}
        )

    with step("log and register"):
        commit = git_commit()
        run_id, version = registry.log_training(
            pipeline=pipeline,
            example=features.head(3),
            params=model_params(settings, seed),
            metrics={**metrics, f"baseline_{metric}": baseline},
            tags={
                "data_path": str(path),
                "data_sha256": data_sha256,
                "data_md5": data_md5,
                "model_sha256": model_sha256,
                "rows_train": str(fitted.rows_train),
                "rows_validation": str(fitted.rows_validation),
                SAMPLE_FRACTION: str(sample_fraction),
                **fitted.tags,
                "task": TASK,
                "template_version": TEMPLATE_VERSION,
                "serving_backend": backend,
                **({"git_commit": commit} if commit else {}),
            },
            documents={
                CONTRACT_DOCUMENT: describe(),
                # Drift compares served inputs with the training rows, and served
                # predictions with the model's on the validation rows.
                REFERENCE_STATISTICS: reference_statistics(
                    train_rows,
                    interpret(scores, threshold).labels,
                ),
            },
            files={
                **({ONNX_ARTIFACT: onnx_model} if onnx_model else {}),
                **{f"{EVALUATION}/{name}": png for name, png in pictures.items()},
                f"{EVALUATION}/feature_importance.json": _importance_json(importances),
{%- if cookiecutter.include_drift_report %}
                # The rows Evidently's drift report compares served inputs with.
                REFERENCE_SAMPLE: reference_sample(
                    train_rows, settings.drift_report_reference_rows, seed
                ),
{%- endif %}
            },
        )

    with step("gate"):
        decision = decide(
            metric=metric,
            challenger=metrics[metric],
            champion=champion_metric,
            baseline=baseline,
            limit=settings.primary_metric_limit,
            caveat=caveat,
        )
        if decision.promote:
            registry.promote(version.number)
        registry.tag(
            version.number,
            {
                "promotion": "promoted" if decision.promote else "rejected",
                "promotion_reason": decision.reason,
                SAMPLE_FRACTION: str(sample_fraction),
            },
        )
        logger.info(
            "version %d %s: %s",
            version.number,
            "promoted" if decision.promote else "not promoted",
            decision.reason,
        )

    with step("model card"):
        card = Card(
            model_name=registry.name,
            version=version.number,
            run_id=run_id,
            task=TASK,
            estimator=settings.estimator,
            params=model_params(settings, seed),
            primary_metric=metric,
            promoted=decision.promote,
            reason=decision.reason,
            data=_data_summary(path, data_sha256, fitted, seed, sample_fraction),
            metrics=metrics,
            baseline_metric=baseline,
            champion_version=champion.number if champion_metrics and champion else None,
            champion_metrics=champion_metrics,
            importances=importances,
            figures=pictures,
            notes=[
                f"serving: {backend}"
                + ("" if difference is None else f" (ONNX gap {difference:.1e})"),
                *([caveat] if caveat else []),
            ],
        )
        registry.attach(
            run_id,
            {MARKDOWN: markdown(card).encode(), HTML: page(card).encode()},
        )
        registry.tag(version.number, {"model_card": HTML})
        card_location = registry.artifact_location(run_id, HTML)
        logger.info("model card: %s", card_location)

    return TrainResult(
        run_id=run_id,
        model_name=registry.name,
        model_version=version.number,
        promoted=decision.promote,
        reason=decision.reason,
        task=TASK,
        estimator=settings.estimator,
        primary_metric=metric,
        metrics=metrics,
        baseline_metric=baseline,
        champion_metric=champion_metric,
        model_card=card_location,
        seed=seed,
        data_path=str(path),
        data_sha256=data_sha256,
        data_md5=data_md5,
        model_sha256=model_sha256,
        rows_train=fitted.rows_train,
        rows_validation=fitted.rows_validation,
        sample_fraction=sample_fraction,
        engine=fitted.tags.get("engine", "local"),
        serving_backend=backend,
        onnx_max_difference=difference,
        seconds=seconds,
    )


def _can_draw() -> bool:
    if importlib.util.find_spec("matplotlib") is not None:
        return True
    logger.warning("matplotlib is not installed: the run gets no evaluation figures")
    return False


def _importance_json(importances: list[Importance]) -> bytes:
    document = [vars(item) for item in importances]
    return json.dumps(document, indent=2).encode()


def _fraction(tags: dict[str, str]) -> float:
    """The share of the rows a version was trained on (versions before the tag: all)."""
    return float(tags.get(SAMPLE_FRACTION, "1"))


def _data_summary(
    path: Path, sha256: str, fitted: Fitted, seed: int, sample_fraction: float
) -> dict[str, str]:
    """What the model card says of the data: the file, its hash, the rows and times."""
    summary = {
        "file": str(path),
        "sha256": sha256,
        "rows": f"{fitted.rows_train} to train, {fitted.rows_validation} to validate"
        + (f" (a {sample_fraction:.4g} sample)" if sample_fraction < 1 else ""),
    }
    if len(fitted.validation_rows) < fitted.rows_validation:
        summary["scored on"] = f"{len(fitted.validation_rows)} validation rows (seeded)"
    if EVENT_TIME is None:
        summary["split"] = f"random (seed {seed}); the contract has no event time"
        return summary
    for name, rows in (
        ("train", fitted.train_rows),
        ("validation", fitted.validation_rows),
    ):
        times = rows[EVENT_TIME]
        summary[f"{name} {EVENT_TIME}"] = f"{times.min()} to {times.max()}"
    return summary
