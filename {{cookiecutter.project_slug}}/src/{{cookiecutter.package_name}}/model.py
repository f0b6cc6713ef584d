"""The one sklearn Pipeline (preprocessing + estimator) that is trained, logged and served."""

from typing import Any

from sklearn.base import ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from .config import Settings
from .contract import FEATURES, NUMERIC, Categorical


def model_params(settings: Settings, seed: int) -> dict[str, Any]:
    """The settings that shape the fitted model: logged with every run."""
    params: dict[str, Any] = {
        "estimator": settings.estimator,
        "seed": seed,
        "validation_fraction": settings.validation_fraction,
        "decision_threshold": settings.decision_threshold,
    }
    if settings.estimator == "logistic_regression":
        params["regularization_c"] = settings.regularization_c
    else:
        params["n_estimators"] = settings.n_estimators
    return params


def build_pipeline(settings: Settings, seed: int) -> Pipeline:
    """Impute and scale numbers, one-hot encode categories, then the chosen estimator."""
    categorical = [f for f in FEATURES if isinstance(f, Categorical)]
    preprocess = ColumnTransformer(
        [
            (
                "numeric",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="median")),
                        ("scale", StandardScaler()),
                    ]
                ),
                list(NUMERIC),
            ),
            (
                "categorical",
                # Categories come from the contract, so the encoding never depends on the data.
                OneHotEncoder(
                    categories=[list(f.categories) for f in categorical],
                    handle_unknown="ignore",
                    sparse_output=False,
                ),
                [f.name for f in categorical],
            ),
        ]
    )
    estimator: ClassifierMixin
    if settings.estimator == "logistic_regression":
        estimator = LogisticRegression(
            C=settings.regularization_c, max_iter=1000, random_state=seed
        )
    else:
        estimator = RandomForestClassifier(
            n_estimators=settings.n_estimators,
            min_samples_leaf=5,
            random_state=seed,
            n_jobs=1,  # one thread: the same result on every machine
        )
    return Pipeline([("preprocess", preprocess), ("model", estimator)])
