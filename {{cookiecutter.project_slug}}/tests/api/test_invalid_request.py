"""Hostile raw bodies to /predict: each gets a small JSON 422 that names the field and
the problem, never a server error and never the body echoed back whole."""

import json
import math
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api.invalid_request import (
    MAX_ERRORS,
    echo,
)
from {{ cookiecutter.package_name }}.columns import Categorical
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import (
    EXAMPLE,
    FEATURES,
)
from {{ cookiecutter.package_name }}.schema import FEATURE_NAMES

from .cases import body, features, rows_that_fit

MAX_ANSWER_BYTES = 4_000
# Any field will do for what breaks the body itself: the parser refuses it first.
FIELD = FEATURE_NAMES[0]


def with_value(raw: str) -> bytes:
    """A one-row body whose first field holds ``raw`` exactly as written."""
    return body(field=FIELD, raw=raw)


HOSTILE = {
    "huge-integer": (with_value("9" * 5000), ["body"], "Invalid JSON"),
    "bad-utf8": (b"\xff\xfe{}", ["body"], "Invalid JSON"),
    "bad-utf8-in-string": (
        with_value('"x"').replace(b'"x"', b'"month-\xff"'),
        ["body"],
        "invalid unicode code point",
    ),
    "lone-surrogate-escaped": (with_value('"\\ud800"'), ["body"], "Invalid JSON"),
    "lone-surrogate-raw": (
        with_value('"x"').replace(b'"x"', b'"\xed\xa0\x80"'),
        ["body"],
        "invalid unicode code point",
    ),
    "deep-nesting": (b"[" * 100_000 + b"]" * 100_000, ["body"], "recursion limit"),
    "deep-row": (
        with_value('{"a":' * 5_000 + "1" + "}" * 5_000),
        ["body"],
        "recursion limit",
    ),
    "top-level-list": (b"[]", ["body"], "object"),
    "top-level-string": (b'"instances"', ["body"], "object"),
    "top-level-null": (b"null", ["body"], "object"),
    "top-level-number": (b"1", ["body"], "object"),
    "empty": (b"", ["body"], "EOF"),
    "huge-string": (
        json.dumps({"instances": "x" * 900_000}).encode(),
        ["body", "instances"],
        "valid array",
    ),
    "huge-list": (b"[" + b"1," * 400_000 + b"1]", ["body"], "object"),
}


@pytest.mark.parametrize(
    ("body", "location", "problem"), HOSTILE.values(), ids=HOSTILE.keys()
)
def test_hostile_body_gets_a_small_json_422_naming_the_problem(
    client: TestClient, body: bytes, location: list[str | int], problem: str
) -> None:
    response = client.post(
        "/predict", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/json"
    assert len(response.content) < MAX_ANSWER_BYTES
    errors = response.json()["detail"]  # valid UTF-8 JSON, or this raises
    assert any(
        error["loc"] == location and problem in error["msg"] for error in errors
    ), errors


def test_a_huge_unknown_field_comes_back_cut_short(client: TestClient) -> None:
    name = "k" * 900_000

    response = client.post("/predict", json={"instances": [EXAMPLE], name: 1})

    assert response.status_code == 422
    assert len(response.content) < MAX_ANSWER_BYTES
    [error] = response.json()["detail"]
    assert error["loc"][1].startswith("kkk")
    assert error["loc"][1].endswith("(900000 characters in all)")
    assert "Extra inputs" in error["msg"]


def test_a_body_with_thousands_of_errors_lists_some_and_counts_the_rest(
    client: TestClient, api_settings: Settings
) -> None:
    bad_row: dict[str, Any] = {name: [] for name in EXAMPLE}  # no feature takes a list
    # As many rows as the limits let through, however wide the contract's rows are.
    rows = min(
        api_settings.api_max_batch,
        rows_that_fit(api_settings.api_max_body_bytes, bad_row),
        1000,
    )
    errors_in_all = rows * len(EXAMPLE)
    assert errors_in_all > MAX_ERRORS

    response = client.post("/predict", json={"instances": [bad_row] * rows})

    assert response.status_code == 422
    errors = response.json()["detail"]
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1]["type"] == "too_many_errors"
    assert f"{errors_in_all - MAX_ERRORS} more errors" in errors[-1]["msg"]
    assert len(response.content) < MAX_ANSWER_BYTES


@pytest.mark.parametrize(
    "name",
    [f.name for f in features("integer")]
    or [pytest.param("", marks=pytest.mark.skip(reason="no integer feature"))],
)
def test_an_integer_may_be_written_with_a_zero_fraction(
    client: TestClient, name: str
) -> None:
    written = {**EXAMPLE, name: float(EXAMPLE[name])}

    as_float = client.post("/predict", json={"instances": [written]})
    as_int = client.post("/predict", json={"instances": [EXAMPLE]})

    assert as_float.status_code == 200, as_float.text
    assert as_float.json() == as_int.json()


def test_the_schema_states_the_types_the_api_holds_to(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [instance_name] = [name for name in schemas if name.startswith("Instance")]
    instance = schemas[instance_name]
    fields = instance["properties"]

    def types(name: str) -> set[str]:
        """The JSON types a field's schema allows (one, or null besides)."""
        options = fields[name].get("anyOf", [fields[name]])
        return {option.get("type", "enum") for option in options}

    for feature in FEATURES:
        nullable = {"null"} if feature.nullable else set()
        if isinstance(feature, Categorical):
            assert types(feature.name) == {"string"} | nullable, feature
        else:
            kind = "integer" if feature.integer else "number"
            assert types(feature.name) == {kind} | nullable, feature
    assert set(instance["required"]) == set(FEATURE_NAMES)
    assert instance["additionalProperties"] is False
    assert instance["examples"] == [EXAMPLE]
    assert "never strings or booleans" in schemas["PredictRequest"]["description"]


@pytest.mark.parametrize(
    ("value", "echoed"),
    [
        (math.nan, "NaN"),
        (-math.inf, "-Infinity"),
        (10**100, "a 333-bit integer"),
        ("\ud800", "\\ud800"),
        (b"\xff", "\\xff"),
        ({"a": {"b": {"c": {"d": 1}}}}, {"a": {"b": {"c": "..."}}}),
        ((1, 2), [1, 2]),
        (ValueError("no"), "no"),
    ],
    ids=["nan", "infinity", "big-int", "surrogate", "bytes", "deep", "tuple", "object"],
)
def test_echo_makes_any_value_json_safe(value: Any, echoed: Any) -> None:
    assert echo(value) == echoed
    json.dumps(echo(value), allow_nan=False).encode("utf-8")  # raises if unsafe
