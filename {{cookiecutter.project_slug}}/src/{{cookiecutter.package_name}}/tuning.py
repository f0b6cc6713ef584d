"""Hyperparameter search with Optuna over the chosen family's space (search_space.py),
on train's own split, optimising the primary metric in its direction.

The study lives in a database (the tune_storage setting: sqlite here, PostgreSQL for a
team), so that several processes or machines can work on one study by its name. Each
trial is an MLflow child run under the tune process's parent run; the parent holds the
best parameters and Optuna's plots. Trees are scored as they grow, so that the pruner
stops a hopeless trial early.
"""

import io
import logging
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
from pydantic import BaseModel

from . import install_extra
from .config import Settings, load_settings, save_estimator
from .contract import TARGET
from .data import load_training_data, split
from .errors import ConfigurationError
from .metrics import METRICS, evaluate
from .model import build_pipeline
from .onnx_model import Scores, pipeline_scores
from .schema import FEATURE_NAMES, TASK, describe, encode_target
from .search_space import GROWS_BY, SPACES, Params
from .seed import seed_everything
from .tracking import redacted

if TYPE_CHECKING:
    import optuna
    import pandas as pd
    from matplotlib.figure import Figure

    from .registry import Registry

logger = logging.getLogger(__name__)

# Tree counts at which a growing model is scored and may be pruned (and its last).
CHECKPOINTS = (25, 50, 100, 200, 400)
# Trials that finished or are under way count towards the study's size.
COUNTED = ("COMPLETE", "PRUNED", "RUNNING")


class TuneResult(BaseModel):
    """What a tune run found: printed by ``tune --json``."""

    study: str
    storage: str
    estimator: str
    primary_metric: str
    direction: Literal["maximize", "minimize"]
    best_value: float | None
    best_trial: int | None
    best_params: Params
    trials: dict[str, int]  # the whole study's trials by state
    ran_here: int
    parent_run_id: str
    written_to: str | None
    interrupted: bool
    seconds: float


class StudyFullError(Exception):
    """Another process took the study's last trial first."""


def _require_optuna() -> None:
    """Stop with the install command when Optuna is missing; quiet its logging.

    Raises:
        ConfigurationError: the tune extra is not installed.
    """
    try:
        import optuna
    except ModuleNotFoundError:
        raise ConfigurationError(
            f"tune needs Optuna, which is not installed: install the tune extra with "
            f"{install_extra('tune')}"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # one line a trial is ours


def open_storage(url: str) -> "optuna.storages.RDBStorage":
    """The study database; a stale trial of a killed process is failed after 2 minutes.

    Raises:
        ConfigurationError: no driver for the database, or it cannot be reached.
    """
    _require_optuna()
    import optuna
    import sqlalchemy.exc

    if url.startswith("postgresql://"):
        # SQLAlchemy would pick psycopg2; psycopg (3) is the maintained driver.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    tries = 3
    while True:
        try:
            with warnings.catch_warnings():
                # Heartbeats are "experimental" since Optuna 2.9; they are what frees
                # a trial whose process died.
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(
                    url, heartbeat_interval=30, grace_period=120
                )
        except (
            sqlalchemy.exc.IntegrityError,
            sqlalchemy.exc.ProgrammingError,  # PostgreSQL: relation already exists
        ) as error:
            # Two processes made the tables of a new database at once: the other won.
            tries -= 1
            if not tries:
                raise _unusable(url, error) from None
            time.sleep(1)
        except ModuleNotFoundError as error:
            raise ConfigurationError(
                f"TUNE_STORAGE={redacted(url)!r} needs the {error.name} driver: add it "
                "with 'uv add \"psycopg[binary]\"' for PostgreSQL"
            ) from None
        except (sqlalchemy.exc.SQLAlchemyError, ValueError) as error:
            raise _unusable(url, error) from None


def _unusable(url: str, error: Exception) -> ConfigurationError:
    reason = str(error).splitlines()[0]
    return ConfigurationError(
        f"Could not open the study database {redacted(url)} ({reason}): check "
        "TUNE_STORAGE (or --storage) and that the server is up"
    )


def tune(
    settings: Settings,
    *,
    n_trials: int | None = None,
    timeout_s: float | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    seed: int | None = None,
    data_path: Path | None = None,
    now: datetime | None = None,
    write: bool = True,
    on_trial: Callable[[str], None] = lambda line: None,
) -> TuneResult:
    """Search the family's space; write the best parameters where ``train`` reads them.

    Without ``study_name`` the study is new, and the same seed and trials give the same
    results. With one, the process joins (or resumes) that study; trials from several
    processes interleave by timing, so each process samples with a seed of its own.
    ``n_trials`` is the size of the whole study. Ctrl-C keeps the finished trials.

    Raises:
        DataError: the data breaks the contract.
        ConfigurationError: Optuna or the family's library is missing, or the study
            database cannot be used, or the named study tunes something else.
        RegistryError: the tracking store failed.
    """
    _require_optuna()
    import optuna

    from .registry import Registry

    family = settings.estimator
    build_pipeline(settings, TASK, 0)  # ESTIMATOR_PARAMS that do not fit stop here
    seed = seed_everything(settings.seed if seed is None else seed)
    n_trials = n_trials or settings.tune_trials
    timeout_s = timeout_s or settings.tune_timeout_s
    url = storage or settings.tune_storage
    metric = settings.metric
    direction: Literal["maximize", "minimize"] = (
        "maximize" if METRICS[metric].direction == "higher" else "minimize"
    )
    started = time.perf_counter()

    frame = load_training_data(settings, data_path or settings.data_path, now)
    train_rows, validation_rows = split(frame, settings.validation_fraction, seed)
    data = (
        train_rows[list(FEATURE_NAMES)],
        encode_target(train_rows[TARGET.name]),
        validation_rows[list(FEATURE_NAMES)],
        encode_target(validation_rows[TARGET.name]),
    )

    name = study_name or (
        f"{settings.model_name}-{family}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"
    )
    study = optuna.create_study(
        storage=open_storage(url),
        study_name=name,
        direction=direction,
        sampler=optuna.samplers.TPESampler(
            seed=seed if study_name is None else seed + os.getpid()
        ),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5),
        load_if_exists=True,
    )
    _hold_to(study, family=family, metric=metric, direction=direction)

    registry = Registry(settings)
    tags = {"study": name, "estimator": family, "task": TASK}
    parent = registry.start_run(f"tune {family}", {**tags, "kind": "tune"})
    registry.log_values(
        parent,
        {
            "estimator": family,
            "primary_metric": metric,
            "direction": direction,
            "seed": seed,
            "n_trials": n_trials,
            "study": name,
            "storage": redacted(url),
        },
        {},
    )
    ran = 0

    def objective(trial: "optuna.Trial") -> float:
        nonlocal ran
        if _taken_before(study, trial) >= n_trials:
            study.stop()
            raise StudyFullError(f"the study already holds {n_trials} trials")
        ran += 1
        return _run_trial(trial, settings, seed, data, registry, parent, tags, on_trial)

    stopped: list[str] = []
    try:
        if len(_counted(study)) < n_trials:  # else a resumed study is already done
            with _stop_on_ctrl_c(study, stopped, on_trial):
                study.optimize(
                    objective,
                    timeout=timeout_s,
                    # Another process took the last trial: this one ends as failed.
                    catch=(StudyFullError,),
                    callbacks=[_stop_when_full(n_trials)],
                )
    except KeyboardInterrupt:
        stopped.append("now")
    interrupted = bool(stopped)
    if interrupted:
        on_trial("interrupted: the finished trials are kept in the study")
    best = _best(study)
    written = None
    if best is not None:
        registry.log_values(
            parent,
            {f"best.{k}": v for k, v in best.user_attrs["estimator_params"].items()},
            {f"best_{metric}": float(best.value)},
        )
        registry.attach(parent, _study_figures(study))
        if write and not interrupted:
            written = _write(family, best.user_attrs["estimator_params"])
    states = _states(study)
    registry.log_values(
        parent, {}, {f"trials_{state.lower()}": n for state, n in states.items()}
    )
    registry.end_run(parent, "KILLED" if interrupted else "FINISHED")
    return TuneResult(
        study=name,
        storage=redacted(url),
        estimator=family,
        primary_metric=metric,
        direction=direction,
        best_value=None if best is None else float(best.value),
        best_trial=None if best is None else best.number,
        best_params={} if best is None else best.user_attrs["estimator_params"],
        trials=states,
        ran_here=ran,
        parent_run_id=parent,
        written_to=str(written) if written else None,
        interrupted=interrupted,
        seconds=round(time.perf_counter() - started, 3),
    )


@contextmanager
def _stop_on_ctrl_c(
    study: "optuna.Study", stopped: list[str], say: Callable[[str], None]
) -> Iterator[None]:
    """The first Ctrl-C lets the trial under way finish, then stops; a second stops now.

    Stopping between trials leaves Optuna's bookkeeping (a heartbeat thread per trial)
    whole, so the process ends as soon as it is done.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread receives signals
        return

    def first(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stopped.append("after this trial")
        say("stopping after the trial under way (Ctrl-C again to stop now)")
        try:
            study.stop()
        except RuntimeError:  # between trials, outside Optuna's loop
            raise KeyboardInterrupt from None

    previous = signal.signal(signal.SIGINT, first)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _hold_to(study: "optuna.Study", **expected: str) -> None:
    """A study tunes one family on one metric of one contract: refuse to mix them."""
    wanted = {**expected, "contract": str(sorted(describe().items()))}
    found = study.user_attrs
    if not found:
        for key, value in wanted.items():
            study.set_user_attr(key, value)
        return
    differ = [k for k in wanted if found.get(k) != wanted[k]]
    if differ:
        raise ConfigurationError(
            f"Study {study.study_name!r} tunes "
            + ", ".join(f"{k} {found.get(k)!r}" for k in differ if k != "contract")
            + (" on another contract" if "contract" in differ else "")
            + ": give --study a new name, or set the settings it was made with"
        )


def _taken_before(study: "optuna.Study", trial: "optuna.Trial") -> int:
    """Trials of the study, from any process, counted before this one."""
    return sum(1 for t in _counted(study) if t.number < trial.number)


def _counted(study: "optuna.Study") -> list[Any]:
    import optuna

    states = tuple(optuna.trial.TrialState[state] for state in COUNTED)
    return list(study.get_trials(deepcopy=False, states=states))


def _stop_when_full(n_trials: int) -> Callable[..., None]:
    def callback(study: "optuna.Study", trial: Any) -> None:
        if len(_counted(study)) >= n_trials:
            study.stop()

    return callback


def _states(study: "optuna.Study") -> dict[str, int]:
    counts: dict[str, int] = {}
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state.name] = counts.get(trial.state.name, 0) + 1
    return dict(sorted(counts.items()))


def _best(study: "optuna.Study") -> Any:
    import optuna

    complete = study.get_trials(
        deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)
    )
    return study.best_trial if complete else None


def _write(family: str, params: Params) -> Path:
    """Save the best parameters, and say so if a setting elsewhere hides them."""
    path = save_estimator(family, dict(params))  # type: ignore[arg-type]
    reread = load_settings()
    if reread.estimator != family or reread.estimator_params != params:
        logger.warning(
            "wrote the best parameters to %s, but ESTIMATOR or ESTIMATOR_PARAMS is "
            "set where it wins (the environment or .env): train will not use them",
            path,
        )
    return path


def _run_trial(
    trial: "optuna.Trial",
    settings: Settings,
    seed: int,
    data: tuple["pd.DataFrame", Any, "pd.DataFrame", Any],
    registry: "Registry",
    parent: str,
    tags: dict[str, str],
    on_trial: Callable[[str], None],
) -> float:
    """Fit one candidate, scored as it grows; an MLflow child run records it."""
    import optuna

    family = settings.estimator
    params = {**settings.estimator_params, **SPACES[family](trial, TASK)}
    trial.set_user_attr("estimator_params", params)
    candidate = settings.model_copy(update={"estimator_params": params})
    metric = settings.metric
    run_id = registry.start_run(
        f"trial {trial.number}", {**tags, "trial": str(trial.number)}, parent
    )
    started = time.perf_counter()
    state, value = "FAILED", float("nan")

    def report(step: int, score: float, last: bool) -> None:
        nonlocal value
        value = score
        trial.report(score, step)
        if not last and trial.should_prune():
            raise optuna.TrialPruned(f"{metric} {score:.4f} after {step} trees")

    try:
        pipeline = build_pipeline(candidate, TASK, seed)
        _fit_scored(pipeline, family, data, settings.decision_threshold, metric, report)
        state = "COMPLETE"
        return value
    except optuna.TrialPruned:
        state = "PRUNED"
        raise
    finally:
        seconds = time.perf_counter() - started
        registry.log_values(
            run_id,
            params,
            {metric: value, "seconds": seconds} if np.isfinite(value) else {},
        )
        registry.tag_run(run_id, {"state": state})
        registry.end_run(run_id, "FAILED" if state == "FAILED" else "FINISHED")
        on_trial(f"trial {trial.number}: {state.lower()}, {metric} {value:.4f}")


def _fit_scored(
    pipeline: Any,
    family: str,
    data: tuple["pd.DataFrame", Any, "pd.DataFrame", Any],
    threshold: float,
    metric: str,
    report: Callable[[int, float, bool], None],
) -> None:
    """Fit the pipeline, reporting the metric on the validation rows as trees grow.

    Growing a forest or sklearn's boosting by warm start, and scoring LightGBM or
    XGBoost from inside their training loop, leaves the same model a single fit makes.
    """
    features, truth, valid_features, valid_truth = data

    def score(scores: Scores) -> float:
        return evaluate(TASK, valid_truth, scores, threshold)[metric]

    grows = GROWS_BY.get(family)  # type: ignore[call-overload]
    if grows is None:
        pipeline.fit(features, truth)
        report(1, score(pipeline_scores(pipeline, valid_features)), True)
        return
    preprocess, model = pipeline[:-1], pipeline[-1]
    rows = preprocess.fit_transform(features)
    valid_rows = preprocess.transform(valid_features)
    total = int(model.get_params()[grows])
    steps = [step for step in CHECKPOINTS if step < total] + [total]
    if family in ("random_forest", "hist_gradient_boosting"):
        for step in steps:
            model.set_params(warm_start=True, **{grows: step})
            model.fit(rows, truth)
            report(step, score(pipeline_scores(model, valid_rows)), step == total)
        return
    checked = set(steps[:-1])
    if family == "lightgbm":

        def lightgbm_checkpoint(env: Any) -> None:
            step = env.iteration + 1
            if step in checked:
                raw = env.model.predict(valid_rows, num_iteration=step)
                report(step, score(_as_scores(raw)), False)

        model.fit(rows, truth, callbacks=[lightgbm_checkpoint])
    else:
        model.set_params(
            callbacks=[_xgboost_checkpoint(valid_rows, checked, score, report)]
        )
        model.fit(rows, truth)
    report(total, score(pipeline_scores(model, valid_rows)), True)


def _xgboost_checkpoint(
    valid_rows: Any,
    checked: set[int],
    score: Callable[[Scores], float],
    report: Callable[[int, float, bool], None],
) -> Any:
    import xgboost

    class Checkpoint(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            step = epoch + 1
            if step in checked:
                raw = model.inplace_predict(valid_rows, iteration_range=(0, step))
                report(step, score(_as_scores(raw)), False)
            return False  # go on

    return Checkpoint()


def _as_scores(raw: Any) -> Scores:
    """A booster's raw output as scores: a probability per class, or values."""
    values = np.asarray(raw, dtype=np.float64)
    if TASK == "binary" and values.ndim == 1:
        return np.column_stack([1 - values, values])
    return values.reshape(-1) if TASK == "regression" else values


def _study_figures(study: "optuna.Study") -> dict[str, bytes]:
    """Optuna's optimisation history and parameter importances, as PNG artifacts."""
    import matplotlib

    matplotlib.use("Agg")  # no display: draw to files only
    import matplotlib.pyplot as plt
    from optuna.exceptions import ExperimentalWarning
    from optuna.visualization import matplotlib as plots

    drawn = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        warnings.simplefilter("ignore", UserWarning)  # "too few trials to rank"
        for name, plot in (
            ("tuning/optimization_history.png", plots.plot_optimization_history),
            ("tuning/param_importances.png", plots.plot_param_importances),
        ):
            try:
                axes = plot(study)
            except (ValueError, RuntimeError) as error:  # too few trials to rank
                logger.info("no %s: %s", name, error)
                continue
            figure = cast("Figure", axes.figure)
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
            plt.close(figure)
            drawn[name] = buffer.getvalue()
    return drawn
