"""Hostile raw bodies to /predict: each gets a small JSON 422 that names the field and
the problem, never a server error and never the body echoed back whole."""

import json
import math
from typing import Any

import pytest
from fastapi.testclient import TestClient

from {{ cookiecutter.package_name }}.api.invalid_request import MAX_ERRORS, echo
from {{ cookiecutter.package_name }}.contract import EXAMPLE

MAX_ANSWER_BYTES = 4_000
ROW = ["body", "instances", 0]


def with_value(field: str, raw: str) -> bytes:
    """A one-row body whose ``field`` holds ``raw`` exactly as written (JSON or not)."""
    body = json.dumps({"instances": [{**EXAMPLE, field: "@"}]})
    return body.replace('"@"', raw).encode()


HOSTILE = {
    "nan": (with_value("monthly_charges", "NaN"), [*ROW, "monthly_charges"], "finite"),
    "infinity": (
        with_value("monthly_charges", "Infinity"),
        [*ROW, "monthly_charges"],
        "finite",
    ),
    "minus-infinity": (
        with_value("total_charges", "-Infinity"),
        [*ROW, "total_charges"],
        "finite",
    ),
    "overflow": (
        with_value("monthly_charges", "1e999"),
        [*ROW, "monthly_charges"],
        "finite",
    ),
    "overflow-integer": (
        with_value("tenure_months", "1e999"),
        [*ROW, "tenure_months"],
        "finite",
    ),
    "boolean-number": (
        with_value("monthly_charges", "true"),
        [*ROW, "monthly_charges"],
        "valid number",
    ),
    "string-number": (
        with_value("monthly_charges", '"74.5"'),
        [*ROW, "monthly_charges"],
        "valid number",
    ),
    "boolean-integer": (
        with_value("support_calls", "false"),
        [*ROW, "support_calls"],
        "valid number",
    ),
    "fraction-integer": (
        with_value("tenure_months", "14.5"),
        [*ROW, "tenure_months"],
        "fractional part",
    ),
    "huge-integer": (with_value("tenure_months", "9" * 5000), ["body"], "Invalid JSON"),
    "bad-utf8": (b"\xff\xfe{}", ["body"], "Invalid JSON"),
    "bad-utf8-in-string": (
        with_value("contract", '"x"').replace(b'"x"', b'"month-\xff"'),
        ["body"],
        "invalid unicode code point",
    ),
    "lone-surrogate-escaped": (
        with_value("contract", '"\\ud800"'),
        ["body"],
        "Invalid JSON",
    ),
    "lone-surrogate-raw": (
        with_value("contract", '"x"').replace(b'"x"', b'"\xed\xa0\x80"'),
        ["body"],
        "invalid unicode code point",
    ),
    "deep-nesting": (b"[" * 100_000 + b"]" * 100_000, ["body"], "recursion limit"),
    "deep-row": (
        with_value("contract", '{"a":' * 5_000 + "1" + "}" * 5_000),
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
    client: TestClient,
) -> None:
    bad_row = dict.fromkeys(EXAMPLE, "bad")

    response = client.post("/predict", json={"instances": [bad_row] * 1000})

    assert response.status_code == 422
    errors = response.json()["detail"]
    assert len(errors) == MAX_ERRORS + 1
    assert errors[-1]["type"] == "too_many_errors"
    assert f"{1000 * len(EXAMPLE) - MAX_ERRORS} more errors" in errors[-1]["msg"]
    assert len(response.content) < MAX_ANSWER_BYTES


def test_an_integer_may_be_written_with_a_zero_fraction(client: TestClient) -> None:
    written = {**EXAMPLE, "tenure_months": 14.0, "support_calls": 3.0}

    as_float = client.post("/predict", json={"instances": [written]})
    as_int = client.post("/predict", json={"instances": [EXAMPLE]})

    assert as_float.status_code == 200
    assert as_float.json() == as_int.json()


def test_the_schema_states_the_types_the_api_holds_to(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    [instance_name] = [name for name in schemas if name.startswith("Instance")]
    fields = schemas[instance_name]["properties"]

    assert fields["tenure_months"]["type"] == "integer"
    assert fields["monthly_charges"]["type"] == "number"
    assert schemas[instance_name]["additionalProperties"] is False
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
