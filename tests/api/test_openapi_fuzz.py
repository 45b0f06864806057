"""Schemathesis against the service's own OpenAPI document, with a student's and an
instructor's token, on both databases: valid and invalid requests alike get no server error,
and every status code, content type, header and body is as declared. Bounded: a few examples
per operation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    allow_header_conformance,
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)
from schemathesis.generation import GenerationMode

from grader.config import Settings
from grader.main import create_app
from tests.api.helpers import copy_rubrics, token_headers

EXAMPLES = 15
# Also: a method a path does not have is a 405 with `Allow`. Not checked:
# positive_data_acceptance, since a schema-valid webhook URL whose host resolves to a private
# address is refused by design (its schema description says so); negative_data_rejection, since
# it counts an unknown query parameter or header as invalid data, which the API ignores, as
# HTTP services do (it passes or fails by the examples drawn).
CHECKS = (
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    unsupported_method,
    allow_header_conformance,
)


@pytest.fixture(scope="module")
def served(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Any, dict[str, dict[str, str]]]]:
    folder = copy_rubrics(tmp_path_factory.mktemp("rubrics"))
    settings_ = Settings(
        rubrics_dir=folder,
        cache_dir=None,
        database_url=database_url,
        lms_secret="whsec_" + "A" * 32,
    )
    app = create_app(settings_)
    with TestClient(app):  # runs the lifespan: model, rubrics, database
        tokens = {
            "student": token_headers(database_url, "student", f"fuzz-{id(app)}"),
            "instructor": token_headers(database_url, "instructor"),
        }
        yield schemathesis.openapi.from_asgi("/openapi.json", app), tokens


def test_every_operation_answers_as_declared(
    served: tuple[Any, dict[str, dict[str, str]]],
) -> None:
    """Each operation: a few generated requests, sent with each token; all failures listed."""
    schema, tokens = served
    failures: list[str] = []
    operations = 0
    calls = [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(
            case=operation.as_strategy(GenerationMode.POSITIVE)
            | operation.as_strategy(GenerationMode.NEGATIVE)
        )
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            calls[0] += 1
            for headers in tokens.values():
                case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as error:  # every operation is tried, all named
            failures.append(f"{operation.label}: {type(error).__name__}: {str(error)[:1500]}")
    assert operations >= 25 and calls[0] >= operations * 2
    assert not failures, "\n\n".join(failures)


def test_every_reference_in_the_api_document_resolves() -> None:
    """A schema written into the document by hand kept `#/$defs/...` references that resolved
    to nothing (ReDoc refused the whole document)."""
    import json
    import re

    from grader.config import Settings
    from grader.main import create_app

    spec = create_app(Settings(cache_dir=None)).openapi()
    text = json.dumps(spec)
    for ref in set(re.findall(r'"\$ref": "([^"]+)"', text)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in spec["components"]["schemas"], ref
