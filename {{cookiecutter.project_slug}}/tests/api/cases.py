"""Requests made from the contract alone, for whatever columns it declares: valid rows
that reach every edge of it, and bad rows that each break one rule of one field.

Columns are chosen by kind (float, integer, categorical; nullable or not). A contract
may have no column of some kind: the cases that need one are skipped, saying so.
"""

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.columns import (
    Categorical,
    Numeric,
)
from {{ cookiecutter.package_name }}.contract import (
    EXAMPLE,
    FEATURES,
)
from {{ cookiecutter.package_name }}.schema import FEATURE_NAMES

Feature = Numeric | Categorical
ROW = ("body", "instances", 0)
# Stands for a raw value in a row, until the body is written: no contract holds it.
SENTINEL = "<raw value here>"


def features(kind: str, *, nullable: bool | None = None) -> list[Feature]:
    """The contract's features of a kind ("float", "integer", "categorical",
    "numeric" or "any"), nullable or not when ``nullable`` says."""
    chosen = [
        feature
        for feature in FEATURES
        if kind == "any"
        or (kind == "categorical" and isinstance(feature, Categorical))
        or (isinstance(feature, Numeric) and kind == "numeric")
        or (isinstance(feature, Numeric) and kind == "integer" and feature.integer)
        or (isinstance(feature, Numeric) and kind == "float" and not feature.integer)
    ]
    if nullable is None:
        return chosen
    return [feature for feature in chosen if feature.nullable == nullable]


def body(
    instance: dict[str, Any] | None = None,
    *,
    field: str | None = None,
    raw: str | None = None,
    rows: int = 1,
) -> bytes:
    """A body of ``rows`` copies of ``instance`` (EXAMPLE by default), where ``field``
    holds ``raw`` exactly as written, JSON or not (NaN, 1e999, a broken string)."""
    instance = dict(EXAMPLE if instance is None else instance)
    if field is not None:
        instance[field] = SENTINEL
    text = json.dumps({"instances": [instance] * rows})
    if raw is not None:
        text = text.replace(json.dumps(SENTINEL), raw)
    return text.encode()


def rows_that_fit(limit_bytes: int, instance: dict[str, Any] = EXAMPLE) -> int:
    """How many copies of ``instance`` a body of at most ``limit_bytes`` holds."""
    one, two = len(body(instance)), len(body(instance, rows=2))
    per_row = two - one
    return max(0, (limit_bytes - (one - per_row)) // per_row)


# The longest a JSON number gets: 17 significant digits, a sign and an exponent.
LONGEST_NUMBER = len(repr(-2.2250738585072014e-308))


def widest_row_bytes() -> int:
    """An upper bound on a valid row's size as JSON: every field with its longest value
    (the longest category, a number with the most digits, or null)."""
    size = 2  # {}
    for feature in FEATURES:
        if isinstance(feature, Categorical):
            longest = max(len(json.dumps(category)) for category in feature.categories)
        else:
            longest = LONGEST_NUMBER
        size += len(json.dumps(feature.name)) + 2 + max(longest, 4) + 2  # ": ", ", "
    return size


def unknown_category(feature: Categorical) -> str:
    """A text that is not one of the feature's categories."""
    text = "not-a-category"
    while text in feature.categories:
        text += "-really"
    return text


def unknown_column() -> str:
    name = "not_a_feature"
    while name in FEATURE_NAMES:
        name += "_really"
    return name


def above(feature: Numeric) -> float | int:
    """A value just out of the feature's range, above it."""
    if feature.integer:
        return math.floor(feature.maximum) + 1
    return feature.maximum + max(1.0, abs(feature.maximum) * 0.01)


def below(feature: Numeric) -> float | int:
    if feature.integer:
        return math.ceil(feature.minimum) - 1
    return feature.minimum - max(1.0, abs(feature.minimum) * 0.01)


def fraction_for(feature: Numeric) -> float:
    """A value in the integer feature's range that is not a whole number."""
    value = float(EXAMPLE[feature.name]) + 0.5
    return value if value <= feature.maximum else value - 1


# One case: a body, the location of the error it must get, and the error's type.
Case = tuple[bytes, list[str | int], str]


def _case(
    name: str,
    kind: str,
    make: Callable[[Any], bytes],
    error_type: str,
    *,
    nullable: bool | None = None,
    pick: int = 0,
) -> Any:
    """A pytest param for the first (or last, ``pick=-1``) feature of a kind, or a
    skipped one saying which kind the contract lacks."""
    found = features(kind, nullable=nullable)
    if not found:
        lacking = {True: "nullable ", False: "non-nullable ", None: ""}[nullable]
        return pytest.param(
            b"",
            [],
            "",
            id=name,
            marks=pytest.mark.skip(
                reason=f"the contract has no {lacking}{kind} feature"
            ),
        )
    feature = found[pick]
    return pytest.param(make(feature), [*ROW, feature.name], error_type, id=name)


def field_cases() -> list[Any]:
    """Bodies whose one row breaks one rule of one field, with the error each must get:
    (body, location, error type), as pytest params."""
    without_first = {k: v for k, v in EXAMPLE.items() if k != FEATURE_NAMES[0]}
    with_extra = {**EXAMPLE, unknown_column(): 1}
    return [
        # Types: JSON's own, as the contract states them.
        _case(
            "string-for-number",
            "float",
            lambda f: body(field=f.name, raw=json.dumps(str(EXAMPLE[f.name]))),
            "float_type",
        ),
        _case(
            "string-for-integer",
            "integer",
            lambda f: body(field=f.name, raw=json.dumps(str(EXAMPLE[f.name]))),
            "float_type",
        ),
        _case(
            "boolean-for-number",
            "float",
            lambda f: body(field=f.name, raw="true"),
            "float_type",
        ),
        _case(
            "boolean-for-integer",
            "integer",
            lambda f: body(field=f.name, raw="false"),
            "float_type",
        ),
        _case(
            "number-for-category",
            "categorical",
            lambda f: body(field=f.name, raw="1"),
            "literal_error",
        ),
        _case(
            "fraction-for-integer",
            "integer",
            lambda f: body(field=f.name, raw=json.dumps(fraction_for(f))),
            "int_from_float",
        ),
        # Values: ranges and categories.
        _case(
            "above-maximum",
            "numeric",
            lambda f: body(field=f.name, raw=json.dumps(above(f))),
            "less_than_equal",
        ),
        _case(
            "below-minimum",
            "numeric",
            lambda f: body(field=f.name, raw=json.dumps(below(f))),
            "greater_than_equal",
            pick=-1,
        ),
        _case(
            "integer-above-maximum",
            "integer",
            lambda f: body(field=f.name, raw=json.dumps(above(f))),
            "less_than_equal",
        ),
        _case(
            "unknown-category",
            "categorical",
            lambda f: body(field=f.name, raw=json.dumps(unknown_category(f))),
            "literal_error",
        ),
        # Not finite: JSON cannot write these, Python's parser (and pydantic's) reads them.
        _case("nan", "float", lambda f: body(field=f.name, raw="NaN"), "finite_number"),
        _case(
            "infinity",
            "float",
            lambda f: body(field=f.name, raw="Infinity"),
            "finite_number",
        ),
        _case(
            "minus-infinity",
            "float",
            lambda f: body(field=f.name, raw="-Infinity"),
            "finite_number",
            pick=-1,
        ),
        _case(
            "overflow",
            "float",
            lambda f: body(field=f.name, raw="1e999"),
            "finite_number",
        ),
        _case(
            "integer-overflow",
            "integer",
            lambda f: body(field=f.name, raw="1e999"),
            "finite_number",
        ),
        _case(
            "nan-for-integer",
            "integer",
            lambda f: body(field=f.name, raw="NaN"),
            "finite_number",
        ),
        # Null where the contract does not allow it, one per kind.
        _case(
            "null-for-number",
            "float",
            lambda f: body(field=f.name, raw="null"),
            "float_type",
            nullable=False,
        ),
        _case(
            "null-for-integer",
            "integer",
            lambda f: body(field=f.name, raw="null"),
            "float_type",
            nullable=False,
        ),
        _case(
            "null-for-category",
            "categorical",
            lambda f: body(field=f.name, raw="null"),
            "literal_error",
            nullable=False,
        ),
        # The set of fields: every feature, and nothing else.
        pytest.param(
            body(without_first), [*ROW, FEATURE_NAMES[0]], "missing", id="missing-field"
        ),
        pytest.param(
            body(with_extra),
            [*ROW, unknown_column()],
            "extra_forbidden",
            id="extra-field",
        ),
    ]


def edge_rows() -> list[dict[str, Any]]:
    """Valid rows that reach every edge of the contract: EXAMPLE, every numeric feature
    at its minimum and at its maximum, every category, and every nullable feature null.
    """
    lowest: dict[str, Any] = {}
    highest: dict[str, Any] = {}
    for feature in features("numeric"):
        assert isinstance(feature, Numeric)
        if feature.integer:
            lowest[feature.name] = math.ceil(feature.minimum)
            highest[feature.name] = math.floor(feature.maximum)
        else:
            lowest[feature.name] = feature.minimum
            highest[feature.name] = feature.maximum
    rows = [dict(EXAMPLE), {**EXAMPLE, **lowest}, {**EXAMPLE, **highest}]
    categorical = [f for f in features("categorical") if isinstance(f, Categorical)]
    most = max((len(f.categories) for f in categorical), default=0)
    for index in range(most):
        rows.append(
            {
                **EXAMPLE,
                **{
                    f.name: f.categories[index % len(f.categories)] for f in categorical
                },
            }
        )
    nullable = features("any", nullable=True)
    if nullable:
        rows.append({**EXAMPLE, **dict.fromkeys((f.name for f in nullable), None)})
    return rows
