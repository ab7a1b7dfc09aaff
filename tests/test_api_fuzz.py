"""The API as its description says, under generated input (schemathesis over /api/v1/openapi.json, in
process): with the tokens of three roles, no answer is a server error, every answer is a documented status
code and matches its documented schema. Bounded in time: a few examples per operation and role."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from crm.accounts.services import api_token_create
from crm.contacts.testing import make_company, make_contact
from crm.core.audit import SYSTEM

EXAMPLES = 15
ALL_CHECKS = list(HealthCheck)  # the examples are few and each is a request: hypothesis's checks don't fit


@pytest.fixture(params=["manager", "head", "admin"])
def caller(request, manager_a, head_a, admin):
    user = {"manager": manager_a, "head": head_a, "admin": admin}[request.param]
    _, token = api_token_create(actor=user, name="fuzz", source=SYSTEM)
    company = make_company(user, name="ООО Образец")
    make_contact(user, last_name="Образцов", phone="+79161234567", company_id=company.pk)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_schema(caller):
    # Like Django's test client: the requests run inside the test's transaction, so the handler must not
    # close the connection when a request starts or finishes.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), headers=caller)
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(api_schema, caller, mode):
    """Positive: values the description allows; negative: values it does not (each must be refused with
    a documented 4xx, never a 500)."""
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def answers_as_documented(case):
            case.call_and_validate(
                headers=caller,
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            )

        try:
            answers_as_documented()
        except (
            Exception,
            BaseExceptionGroup,
        ) as failure:  # every operation is tried, failures listed together
            failures.append(f"{operation.label}: {failure}")
    assert failures == []
