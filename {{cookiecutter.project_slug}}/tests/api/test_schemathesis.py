"""Requests generated from the app's own OpenAPI document never get a server error."""

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from {{ cookiecutter.package_name }}.contract import EXAMPLE

EXAMPLES_PER_OPERATION = 40


def test_no_generated_request_gets_a_server_error(client: TestClient) -> None:
    # The client runs the lifespan, so the champion is loaded: a 503 would be a failure.
    assert client.post("/predict", json={"instances": [EXAMPLE]}).status_code == 200
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results), "the app's OpenAPI document is invalid"
    assert {op.path for op in operations} >= {"/predict", "/model", "/ready"}

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def never_5xx(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        never_5xx()
