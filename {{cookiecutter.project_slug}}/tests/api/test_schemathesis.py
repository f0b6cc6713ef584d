"""Requests generated from the app's own OpenAPI document, in every phase schemathesis
has for one operation (its examples, coverage of each keyword's edges, fuzzing), valid
and invalid: none gets a server error, valid ones are accepted, invalid ones refused."""

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES
from schemathesis.schemas import BaseSchema

from {{ cookiecutter.package_name }}.api import create_app
from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import EXAMPLE

from .cases import widest_row_bytes

# Fuzzed cases per operation, valid and invalid together. The coverage phase adds some
# 110 for /predict, deterministic ones: each field null, of every wrong JSON type, just
# out of range... It cannot send what JSON cannot carry (NaN, bad UTF-8):
# test_invalid_request.py sends those.
FUZZED_PER_OPERATION = 50
# A body over API_MAX_BODY_BYTES is refused with 413 before it is read, as documented:
# an invalid body can be that big (a long string, one row more than API_MAX_BATCH).
# The Open Inference Protocol's and MLflow's bodies are documented by their envelope
# only (the contract's columns are checked inside it), so a schema-valid body may still
# be refused there: on those routes no request may get a server error, that is all.
CHECKS = SchemathesisConfig.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
            }
        },
        "operations": [
            {
                "include-path-regex": "^/(v2/models/.*/infer|invocations)$",
                "checks": {"positive_data_acceptance": {"enabled": False}},
            }
        ],
    }
)


@pytest.fixture
def fuzzed(api_settings: Settings) -> Iterator[TestClient]:
    """The app, with a batch cap that the widest valid batch fits under the body limit:
    a valid body is then never refused for its size (wide contracts come close)."""
    rows = api_settings.api_max_body_bytes // (widest_row_bytes() + 2) - 1
    capped = api_settings.model_copy(
        update={"api_max_batch": max(1, min(api_settings.api_max_batch, rows))}
    )
    with TestClient(create_app(capped)) as client:
        yield client


@pytest.fixture
def app_schema(fuzzed: TestClient, request: pytest.FixtureRequest) -> BaseSchema:
    # The client ran the lifespan, so the champion is loaded: a 503 would be a failure.
    assert fuzzed.post("/predict", json={"instances": [EXAMPLE]}).status_code == 200
    # schemathesis 4.32's from_fixture reads this private attribute, gone in pytest 9.2.
    request.node._nodeid = request.node.nodeid
    return schemathesis.openapi.from_asgi("/openapi.json", fuzzed.app, config=CHECKS)


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
