"""Schemathesis against the real server: generated requests for every operation of the
OpenAPI document; no answer may be a 5xx or break the document (status, body, headers).

On a server of its own: the generated requests erase customers and retire segments.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import serving
from tests.conftest import built_demo


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    folder = built_demo(
        tmp_path_factory,
        "fuzzed",
        customers=200,
        seed=9,
        as_of=dt.date(2026, 6, 30),
        examples=True,
    )
    with serving(folder) as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(fuzzed):
    return schemathesis.openapi.from_url(f"{fuzzed.url}/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_answer_is_a_server_error_or_off_the_document(case, fuzzed):
    """Every check but one: a request the document allows may still be refused by the data
    (a customer id that does not exist, rule text that does not read: 404, 422)."""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzzed.keys['admin']}"},
        excluded_checks=[positive_data_acceptance],
    )
