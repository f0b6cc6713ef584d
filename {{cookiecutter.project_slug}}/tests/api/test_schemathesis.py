"""Requests generated from the app's own OpenAPI document, in every phase schemathesis
has for one operation (its examples, coverage of each keyword's edges, fuzzing), valid
and invalid: none gets a server error, valid ones are accepted, invalid ones refused."""

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.schemas import BaseSchema

from {{ cookiecutter.package_name }}.contract import EXAMPLE

# Fuzzed cases per operation, valid and invalid together. The coverage phase adds some
# 110 for /predict, deterministic ones: each field null, of every wrong JSON type, just
# out of range... It cannot send what JSON cannot carry (NaN, bad UTF-8):
# test_invalid_request.py sends those.
FUZZED_PER_OPERATION = 50


@pytest.fixture
def app_schema(client: TestClient, request: pytest.FixtureRequest) -> BaseSchema:
    # The client ran the lifespan, so the champion is loaded: a 503 would be a failure.
    assert client.post("/predict", json={"instances": [EXAMPLE]}).status_code == 200
    # schemathesis 4.32's from_fixture reads this private attribute, gone in pytest 9.2.
    request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


schema = schemathesis.pytest.from_fixture("app_schema")


@schema.parametrize()
@settings(
    max_examples=FUZZED_PER_OPERATION,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_generated_requests_get_the_answer_the_schema_promises(
    case: schemathesis.Case[Any],
) -> None:
    case.call_and_validate()
