"""Schemathesis fuzzes every operation of the OpenAPI schema (admin ones with the key):
no 5xx, and every answer has a documented status, content type and shape."""

from __future__ import annotations

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.service.api.conftest import ADMIN_KEY

AUTH = {"Authorization": f"Bearer {ADMIN_KEY}"}
# Valid by the schema is not always answerable (a question of punctuation only, a file of
# an unsupported type): those get a documented 4xx, which these checks accept.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 30
SAMPLE_IDS = {"ba-ria-vung-tau", "ben-tre", "binh-phuoc", "tien-giang", "vinh-long"}


def test_fuzzing_the_openapi_schema_finds_no_server_error(admin_client: TestClient) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", admin_client.app)
    fuzzed = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fuzzed.append(f"{operation.method.upper()} {operation.path}")

        # Schema-valid requests, then invalid ones (wrong types, missing fields, out of range).
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))

        @given(case=cases)
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  derandomize=True, suppress_health_check=list(HealthCheck))
        def no_server_error(case: schemathesis.Case) -> None:
            response = case.call(headers=AUTH)
            case.validate_response(response, checks=CHECKS, headers=AUTH)

        no_server_error()
    assert {"POST /api/chat", "GET /api/search", "POST /api/admin/documents",
            "DELETE /api/admin/documents/{doc_id}", "POST /api/admin/reindex"} <= set(fuzzed)
    documents = admin_client.get("/api/documents").json()["documents"]
    assert {d["doc_id"] for d in documents} >= SAMPLE_IDS
