"""What ``tune`` searches for each model family: edit the ranges here, in one place.

Each space suggests the estimator's own parameters (those of ESTIMATOR_PARAMS), so the
best trial's values are what ``train`` takes. Ranges are the usual ones for tabular data
of thousands to millions of rows; a log scale where the effect is multiplicative.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from .columns import Task
from .config import Family

if TYPE_CHECKING:
    from optuna import Trial

Params = dict[str, bool | int | float | str | None]


def _linear(trial: "Trial", task: Task) -> Params:
    if task == "regression":
        return {"alpha": trial.suggest_float("alpha", 1e-3, 1e3, log=True)}
    return {"C": trial.suggest_float("C", 1e-3, 1e2, log=True)}


def _forest(trial: "Trial", task: Task) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 400, step=100),
        "max_depth": trial.suggest_int("max_depth", 3, 20),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 50, log=True),
        "max_features": trial.suggest_float("max_features", 0.2, 1.0),
    }


def _hist_boosting(trial: "Trial", task: Task) -> Params:
    return {
        "max_iter": trial.suggest_int("max_iter", 100, 500, step=100),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 8, 128, log=True),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
        "l2_regularization": trial.suggest_float(
            "l2_regularization", 1e-8, 10.0, log=True
        ),
    }


def _lightgbm(trial: "Trial", task: Task) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, step=100),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 8, 128, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 5, 100, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "subsample_freq": 1,
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-8, 10.0, log=True),
    }


def _xgboost(trial: "Trial", task: Task) -> Params:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 100, 500, step=100),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
        "max_depth": trial.suggest_int("max_depth", 2, 10),
        "min_child_weight": trial.suggest_float(
            "min_child_weight", 1.0, 20.0, log=True
        ),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.5, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-8, 10.0, log=True),
    }


SPACES: dict[Family, Callable[["Trial", Task], Params]] = {
    "linear": _linear,
    "random_forest": _forest,
    "hist_gradient_boosting": _hist_boosting,
    "lightgbm": _lightgbm,
    "xgboost": _xgboost,
}
# The parameter that counts trees (boosting rounds): pruning scores the model as it grows.
GROWS_BY: dict[Family, str] = {
    "random_forest": "n_estimators",
    "hist_gradient_boosting": "max_iter",
    "lightgbm": "n_estimators",
    "xgboost": "n_estimators",
}
