"""tune: a seeded Optuna search on train's own split, tracked in MLflow, resumable."""

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import mlflow
import optuna
import pytest
from PIL import Image

from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
    load_settings,
)
from {{ cookiecutter.package_name }}.contract import TARGET
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.search_space import GROWS_BY
from {{ cookiecutter.package_name }}.train import train
from {{ cookiecutter.package_name }}.tuning import (
    CHECKPOINTS,
    TuneResult,
    tune,
)

STORAGE = "sqlite:///optuna.db"  # the default: in the test's own folder


def trials(result: TuneResult) -> list[optuna.trial.FrozenTrial]:
    return optuna.load_study(study_name=result.study, storage=STORAGE).trials


def test_same_seed_same_trials_and_best_parameters(settings: Settings) -> None:
    first = tune(settings, n_trials=5, write=False)
    second = tune(settings, n_trials=5, write=False)
    other = tune(settings, n_trials=5, seed=settings.seed + 1, write=False)

    assert first.study != second.study  # two studies, not one resumed
    assert [t.params for t in trials(first)] == [t.params for t in trials(second)]
    assert [t.value for t in trials(first)] == [t.value for t in trials(second)]
    assert (first.best_params, first.best_value) == (
        second.best_params,
        second.best_value,
    )
    assert [t.params for t in trials(other)] != [t.params for t in trials(first)]
    assert first.trials == {"COMPLETE": 5}


def test_each_trial_is_a_child_run_and_the_parent_holds_the_best(
    settings: Settings,
) -> None:
    result = tune(settings, n_trials=4, write=False)

    client = mlflow.MlflowClient()
    children = client.search_runs(
        [Registry(settings).experiment_id()],
        filter_string=f"tags.mlflow.parentRunId = '{result.parent_run_id}'",
    )
    assert len(children) == 4
    for child in children:
        assert child.data.tags["state"] == "COMPLETE"
        assert set(child.data.metrics) == {result.primary_metric, "seconds"}
        assert set(child.data.params) == set(result.best_params)
    best = max if result.direction == "maximize" else min
    assert result.best_value == best(
        child.data.metrics[result.primary_metric] for child in children
    )
    parent = client.get_run(result.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert {k: v for k, v in parent.data.params.items() if k.startswith("best.")} == {
        f"best.{k}": str(v) for k, v in result.best_params.items()
    }
    assert parent.data.metrics[f"best_{result.primary_metric}"] == result.best_value
    for name in ("optimization_history", "param_importances"):
        local = mlflow.artifacts.download_artifacts(
            run_id=result.parent_run_id, artifact_path=f"tuning/{name}.png"
        )
        image = Image.open(io.BytesIO(Path(local).read_bytes()))
        assert image.format == "PNG"
        image.verify()


def test_the_best_parameters_are_written_and_the_next_train_uses_them(
    settings: Settings,
) -> None:
    result = tune(settings, n_trials=4)

    assert result.written_to == "{{ 'params.yaml' if cookiecutter.include_dvc else '.env' }}"
    reread = load_settings()
    assert (reread.estimator, reread.estimator_params) == (
        settings.estimator,
        result.best_params,
    )
    trained = train(reread.model_copy(update={"data_path": settings.data_path}))
    assert trained.metrics[trained.primary_metric] == pytest.approx(result.best_value)


@pytest.mark.parametrize(
    "family", ["random_forest", "hist_gradient_boosting", "lightgbm", "xgboost"]
)
def test_a_trial_scores_the_very_model_train_makes(
    settings: Settings, family: str
) -> None:
    candidate = settings.model_copy(update={"estimator": family})

    result = tune(candidate, n_trials=1, write=False)

    trained = train(
        candidate.model_copy(update={"estimator_params": result.best_params})
    )
    assert trained.metrics[trained.primary_metric] == pytest.approx(
        result.best_value, rel=1e-9
    )
    # Scored as it grew: at each checkpoint below its size, then at its size.
    size = result.best_params[GROWS_BY[family]]  # type: ignore[index]
    assert list(trials(result)[0].intermediate_values) == [
        *(step for step in CHECKPOINTS if step < size),  # type: ignore[operator]
        size,
    ]


def test_a_hopeless_trial_is_pruned_early(settings: Settings) -> None:
    # A loss, and trees regularized so that no trial overfits the small sample: a slow
    # learner is then far behind the others after the first checkpoint's trees.
    loss = "log_loss" if TARGET.is_classification else "rmse"
    candidate = settings.model_copy(
        update={"estimator": "hist_gradient_boosting", "primary_metric": loss}
    )
    study = optuna.create_study(storage=STORAGE, study_name="s", direction="minimize")
    good = {
        "max_iter": 100,
        "learning_rate": 0.1,
        "max_leaf_nodes": 8,
        "min_samples_leaf": 50,
        "l2_regularization": 10.0,
    }
    for learning_rate in (0.1, 0.08, 0.06, 0.1, 0.08, 0.01):
        study.enqueue_trial({**good, "learning_rate": learning_rate})

    result = tune(candidate, n_trials=6, study_name="s", write=False)

    assert result.trials == {"COMPLETE": 5, "PRUNED": 1}
    hopeless = trials(result)[-1]
    assert hopeless.params["learning_rate"] == 0.01
    assert list(hopeless.intermediate_values) == [CHECKPOINTS[0]]


def test_a_study_of_another_family_is_not_mixed_in(settings: Settings) -> None:
    from {{ cookiecutter.package_name }}.errors import ConfigurationError

    tune(settings, n_trials=1, study_name="s", write=False)
    other = settings.model_copy(update={"estimator": "hist_gradient_boosting"})

    with pytest.raises(ConfigurationError, match="Study 's' tunes family 'linear'"):
        tune(other, n_trials=2, study_name="s", write=False)


def test_ctrl_c_keeps_the_finished_trials_and_the_study_resumes(
    settings: Settings,
) -> None:
    env = {
        **os.environ,
        f"{ENV_PREFIX}DATA_PATH": str(settings.data_path),
        f"{ENV_PREFIX}ESTIMATOR": "hist_gradient_boosting",
    }
    command = [sys.executable, "-m", "{{ cookiecutter.package_name }}", "tune"]
    with subprocess.Popen(
        [*command, "--n-trials", "500", "--study", "s", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:  # wait for two finished trials
            if line.startswith("trial 1:"):
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)

    assert process.returncode == 130, err
    assert "stopping after the trial under way" in err
    summary = json.loads(out)
    assert summary["interrupted"] is True
    assert summary["written_to"] is None  # an unfinished search changes nothing
    # The trial under way when Ctrl-C came finished; none is left running or failed.
    assert set(summary["trials"]) <= {"COMPLETE", "PRUNED"}
    held = summary["trials"].get("COMPLETE", 0) + summary["trials"].get("PRUNED", 0)
    assert held >= 2
    candidate = settings.model_copy(update={"estimator": "hist_gradient_boosting"})
    resumed = tune(candidate, n_trials=held + 2, study_name="s", write=False)
    assert resumed.ran_here == 2
    assert (
        resumed.trials.get("COMPLETE", 0) + resumed.trials.get("PRUNED", 0) == held + 2
    )
