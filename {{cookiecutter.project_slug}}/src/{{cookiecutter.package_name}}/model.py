"""The one sklearn Pipeline (preprocessing + estimator) that is trained, logged and served.

The estimator is a family (the ``estimator`` setting) made for the contract's task: a
classifier or a regressor. LightGBM and XGBoost come with the ``boosting`` extra.
"""

import importlib.util
from collections.abc import Callable
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from . import install_extra
from .columns import Categorical, Task
from .config import Family, Settings
from .contract import FEATURES
from .errors import ConfigurationError
from .schema import NUMERIC

# Each family's own defaults, for every task; ESTIMATOR_PARAMS overrides any of them.
DEFAULTS: dict[Family, dict[str, Any]] = {
    "linear": {},
    "random_forest": {"n_estimators": 200, "min_samples_leaf": 5},
    "hist_gradient_boosting": {"max_iter": 200, "learning_rate": 0.1},
    "lightgbm": {"n_estimators": 200, "learning_rate": 0.05, "num_leaves": 31},
    "xgboost": {"n_estimators": 200, "learning_rate": 0.1, "max_depth": 6},
}
# The extra a family needs: (import name, how to install it).
EXTRAS: dict[Family, str] = {"lightgbm": "lightgbm", "xgboost": "xgboost"}


def _linear(task: Task, seed: int, params: dict[str, Any]) -> BaseEstimator:
    from sklearn.linear_model import LogisticRegression, Ridge

    if task == "regression":
        return Ridge(**{"alpha": 1.0, **params})
    return LogisticRegression(**{"max_iter": 1000, "random_state": seed, **params})


def _forest(task: Task, seed: int, params: dict[str, Any]) -> BaseEstimator:
    from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

    kind = RandomForestRegressor if task == "regression" else RandomForestClassifier
    # One thread: the same trees on every machine.
    return kind(**{"random_state": seed, "n_jobs": 1, **params})


def _hist_boosting(task: Task, seed: int, params: dict[str, Any]) -> BaseEstimator:
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    if task == "regression":
        return HistGradientBoostingRegressor(**{"random_state": seed, **params})
    return HistGradientBoostingClassifier(**{"random_state": seed, **params})


def _lightgbm(task: Task, seed: int, params: dict[str, Any]) -> BaseEstimator:
    import lightgbm

    kind = lightgbm.LGBMRegressor if task == "regression" else lightgbm.LGBMClassifier
    # deterministic + one thread + col-wise histograms: the same model bytes each run.
    fixed = {"deterministic": True, "force_col_wise": True, "n_jobs": 1, "verbose": -1}
    model: BaseEstimator = kind(**{"random_state": seed, **fixed, **params})
    return model


def _xgboost(task: Task, seed: int, params: dict[str, Any]) -> BaseEstimator:
    import xgboost

    kind = xgboost.XGBRegressor if task == "regression" else xgboost.XGBClassifier
    fixed = {"tree_method": "hist", "n_jobs": 1}
    model: BaseEstimator = kind(**{"random_state": seed, **fixed, **params})
    return model


BUILDERS: dict[Family, Callable[[Task, int, dict[str, Any]], BaseEstimator]] = {
    "linear": _linear,
    "random_forest": _forest,
    "hist_gradient_boosting": _hist_boosting,
    "lightgbm": _lightgbm,
    "xgboost": _xgboost,
}


def estimator_params(settings: Settings) -> dict[str, Any]:
    """The family's defaults with the ESTIMATOR_PARAMS setting over them."""
    return {**DEFAULTS[settings.estimator], **settings.estimator_params}


def model_params(settings: Settings, seed: int) -> dict[str, Any]:
    """The settings that shape the fitted model: logged with every run."""
    return {
        "estimator": settings.estimator,
        "seed": seed,
        "validation_fraction": settings.validation_fraction,
        "decision_threshold": settings.decision_threshold,
        **{f"estimator.{k}": v for k, v in estimator_params(settings).items()},
    }


def require_family(family: Family) -> None:
    """Stop with the install command when a family's library is not installed.

    Raises:
        ConfigurationError: the ``boosting`` extra is missing.
    """
    module = EXTRAS.get(family)
    if module is not None and importlib.util.find_spec(module) is None:
        raise ConfigurationError(
            f"ESTIMATOR={family!r} needs {module}, which is not installed: install "
            f"the boosting extra with {install_extra('boosting')}"
        )


def build_estimator(settings: Settings, task: Task, seed: int) -> BaseEstimator:
    """The chosen family's classifier or regressor, seeded.

    Raises:
        ConfigurationError: the family's library is missing, or ESTIMATOR_PARAMS names
            a parameter the estimator does not take.
    """
    require_family(settings.estimator)
    params = estimator_params(settings)
    try:
        return BUILDERS[settings.estimator](task, seed, params)
    except TypeError as error:  # an unknown keyword argument
        raise ConfigurationError(
            f"ESTIMATOR_PARAMS={settings.estimator_params!r} does not fit "
            f"{settings.estimator} ({error}): use the estimator's own parameter names"
        ) from None


def build_pipeline(settings: Settings, task: Task, seed: int) -> Pipeline:
    """Impute numbers (and scale them for the linear model), one-hot encode categories,
    then the chosen estimator.

    Trees need no scaling, and without it they see the very float32 values ONNX Runtime
    gets, so that served scores match the fitted model's to the last bit.
    """
    categorical = [f for f in FEATURES if isinstance(f, Categorical)]
    numeric_steps: list[tuple[str, Any]] = [
        ("impute", SimpleImputer(strategy="median"))
    ]
    if settings.estimator == "linear":
        numeric_steps.append(("scale", StandardScaler()))
    parts: list[tuple[str, Any, list[str]]] = []
    if NUMERIC:
        parts.append(("numeric", Pipeline(numeric_steps), list(NUMERIC)))
    if categorical:
        # Categories come from the contract, so the encoding never depends on the
        # data; a missing or unknown value is all zeros.
        encoder = OneHotEncoder(
            categories=[list(f.categories) for f in categorical],
            handle_unknown="ignore",
            sparse_output=False,
        )
        parts.append(("categorical", encoder, [f.name for f in categorical]))
    preprocess = ColumnTransformer(parts)
    estimator = build_estimator(settings, task, seed)
    return Pipeline([("preprocess", preprocess), ("model", estimator)])
