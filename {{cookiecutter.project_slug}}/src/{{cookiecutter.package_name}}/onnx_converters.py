"""Teach skl2onnx the estimators it cannot convert alone, once per process (training only).

- LightGBM and XGBoost, through onnxmltools' converters, when the boosting extra is
  installed: inside the Pipeline, like any scikit-learn step.
- HistGradientBoosting: skl2onnx 1.20 hands onnx a Python ``False`` among the integer
  flags of a tree's leaves, which onnx 1.18 and later refuse ("Expected an int, got a
  boolean"); the same converter, with the flags made integers, gives the same trees.
"""

import functools
import importlib.util
from typing import Any

import numpy as np

CLASSIFIER_OPTIONS = {"nocl": [True, False], "zipmap": [True, False, "columns"]}


@functools.cache
def register_converters() -> None:
    from skl2onnx import update_registered_converter
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )

    _fix_hist_gradient_boosting()
    boosters: list[tuple[type, str, Any]] = []
    if importlib.util.find_spec("lightgbm") is not None:
        import lightgbm
        from onnxmltools.convert.lightgbm.operator_converters.LightGbm import (
            convert_lightgbm,
        )

        boosters += [
            (lightgbm.LGBMClassifier, "LightGbmLGBMClassifier", convert_lightgbm),
            (lightgbm.LGBMRegressor, "LightGbmLGBMRegressor", convert_lightgbm),
        ]
    if importlib.util.find_spec("xgboost") is not None:
        import xgboost
        from onnxmltools.convert.xgboost.operator_converters.XGBoost import (
            convert_xgboost,
        )

        boosters += [
            (xgboost.XGBClassifier, "XGBoostXGBClassifier", convert_xgboost),
            (xgboost.XGBRegressor, "XGBoostXGBRegressor", convert_xgboost),
        ]
    for kind, alias, converter in boosters:
        classifier = alias.endswith("Classifier")
        update_registered_converter(
            kind,
            alias,
            (
                calculate_linear_classifier_output_shapes
                if classifier
                else calculate_linear_regressor_output_shapes
            ),
            converter,
            options=CLASSIFIER_OPTIONS if classifier else None,
        )


class _IntegerFlags:
    """A converter's container whose nodes get integer flags where a list holds bools."""

    def __init__(self, container: Any) -> None:
        self._container = container

    def __getattr__(self, name: str) -> Any:
        return getattr(self._container, name)

    def add_node(self, *args: Any, **attributes: Any) -> Any:
        for key, value in attributes.items():
            if isinstance(value, list) and any(
                isinstance(v, bool | np.bool_) for v in value
            ):
                attributes[key] = [int(v) for v in value]
        return self._container.add_node(*args, **attributes)


def _fix_hist_gradient_boosting() -> None:
    from skl2onnx import update_registered_converter
    from skl2onnx._supported_operators import sklearn_operator_name_map
    from skl2onnx.common._registration import get_converter, get_shape_calculator
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        HistGradientBoostingRegressor,
    )

    for kind in (HistGradientBoostingClassifier, HistGradientBoostingRegressor):
        alias = sklearn_operator_name_map[kind]
        registered = get_converter(alias)
        update_registered_converter(
            kind,
            alias,
            get_shape_calculator(alias),
            _with_integer_flags(registered._fct),
            options=registered.get_allowed_options(),
            overwrite=True,
        )


def _with_integer_flags(convert: Any) -> Any:
    # skl2onnx checks that a converter takes exactly these three parameters.
    def converter(scope: Any, operator: Any, container: Any) -> Any:
        return convert(scope, operator, _IntegerFlags(container))

    return converter
