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
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel

from . import TEMPLATE_VERSION
from .config import Settings
from .contract import EVENT_TIME, TARGET
from .data import file_md5, file_sha256, load_training_data, split
from .drift_bins import REFERENCE_STATISTICS
{%- if cookiecutter.include_drift_report %}
from .drift_report import REFERENCE_SAMPLE, reference_sample
{%- endif %}
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

logger = logging.getLogger(__name__)

# Reads the training frame, held to the contract: (settings, path, now) -> rows.
Loader = Callable[[Settings, Path, datetime | None], "pd.DataFrame"]


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
    on_step: Callable[[str], None] = lambda step: None,
) -> TrainResult:
    """Train, track and register a model; promote it only if it beats the champion.

    ``load`` reads the validated training frame: from the data file by default.

    Raises:
        DataError: the data breaks the contract; nothing was logged or registered.
        RegistryError: the registry refused an operation.
    """
    seconds: dict[str, float] = {}

    @contextmanager
    def step(name: str) -> Iterator[None]:
        on_step(name)
        started = time.perf_counter()
        yield
        seconds[name] = round(time.perf_counter() - started, 3)

    seed = seed_everything(settings.seed if seed is None else seed)
    path = data_path or settings.data_path
    with step("validate data"):
        frame = load(settings, path, now)
        data_sha256 = file_sha256(path)
        data_md5 = file_md5(path)
        logger.info(
            "data %s: %d rows x %d columns, sha256 %s", path, *frame.shape, data_sha256
        )
        train_rows, validation_rows = split(frame, settings.validation_fraction, seed)

    metric = settings.metric
    with step("fit"):
        pipeline = build_pipeline(settings, TASK, seed)
        train_truth = encode_target(train_rows[TARGET.name])
        pipeline.fit(train_rows[list(FEATURE_NAMES)], train_truth)
        features = validation_rows[list(FEATURE_NAMES)]
        truth = encode_target(validation_rows[TARGET.name])
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
            "validation metrics %s (baseline %s %.4f)", metrics, metric, baseline
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
                "rows_train": str(len(train_rows)),
                "rows_validation": str(len(validation_rows)),
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
            data=_data_summary(path, data_sha256, train_rows, validation_rows, seed),
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
        rows_train=len(train_rows),
        rows_validation=len(validation_rows),
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


def _data_summary(
    path: Path,
    sha256: str,
    train_rows: "pd.DataFrame",
    validation_rows: "pd.DataFrame",
    seed: int,
) -> dict[str, str]:
    """What the model card says of the data: the file, its hash, the rows and times."""
    summary = {
        "file": str(path),
        "sha256": sha256,
        "rows": f"{len(train_rows)} to train, {len(validation_rows)} to validate",
    }
    if EVENT_TIME is None:
        summary["split"] = f"random (seed {seed}); the contract has no event time"
        return summary
    for name, rows in (("train", train_rows), ("validation", validation_rows)):
        times = rows[EVENT_TIME]
        summary[f"{name} {EVENT_TIME}"] = f"{times.min()} to {times.max()}"
    return summary
