"""Schema-driven fuzzing: Schemathesis generates calls from the OpenAPI description of the
endpoints (valid and invalid ones, with and without a valid api_key) and runs them against
the WSGI application. No call may end in a server error, and valid JSON answers must match
the description."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wenming.open311.openapi import openapi_document

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = {"positive": 150, "negative": 100}
FUZZ_SETTINGS = dict(
    deadline=None,
    database=None,  # nothing written into the work tree
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def hypothesis_home(tmp_path_factory):
    """Hypothesis keeps its caches in a temporary folder, not in the work tree."""
    from hypothesis.configuration import set_hypothesis_home_dir

    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


@pytest.fixture
def application(settings, world):
    """The WSGI application, answering inside the test's transaction (as Django's test client does)."""
    from django.core.wsgi import get_wsgi_application

    settings.WENMING_OPEN311_ANONYMOUS_PER_MINUTE = 0
    world.app.per_minute = 0
    world.app.save()
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema(application):
    schema = schemathesis.openapi.from_dict(openapi_document())
    schema.app = application
    return schema


@pytest.mark.parametrize("mode", ["positive", "negative"])
def test_no_generated_call_makes_a_server_error(application, world, mode):
    from schemathesis import GenerationMode

    schema = _schema(application)
    generation = GenerationMode.POSITIVE if mode == "positive" else GenerationMode.NEGATIVE
    with_key = schema.as_strategy(generation_mode=generation, query={"api_key": world.key})
    without_key = schema.as_strategy(generation_mode=generation)
    seen = {"calls": 0, "statuses": set()}

    @hypothesis_settings(max_examples=EXAMPLES[mode], **FUZZ_SETTINGS)
    @given(case=st.one_of(with_key, without_key))
    def call(case):
        response = case.call()
        seen["calls"] += 1
        seen["statuses"].add(response.status_code)
        checks = [not_a_server_error]
        if mode == "positive":
            checks += [status_code_conformance, content_type_conformance]
            if response.headers.get("Content-Type", "").startswith("application/json"):
                checks.append(response_schema_conformance)
        case.validate_response(response, checks=checks)

    call()
    assert seen["calls"] >= EXAMPLES[mode] // 2
    assert all(status < 500 for status in seen["statuses"])


def test_valid_posts_from_the_schema_create_cases(application, world):
    """Valid posts with a location in the city: some must get through to the intake."""
    from wenming.cases.models import Case

    schema = _schema(application)
    operation = schema["/requests.{format}"]["POST"]
    body = st.fixed_dictionaries(
        {
            "service_code": st.sampled_from(["E0502", "E0501", "C0102", "E0101"]),
            "lat": st.floats(40.001, 40.099),
            "long": st.floats(111.001, 111.199),
        },
        optional={
            "description": st.text(max_size=300),
            "address_string": st.text(max_size=100),
            "first_name": st.text(max_size=20),
            "attribute[goods][]": st.lists(st.sampled_from(["fruit", "snack", "meat"]), max_size=3),
            "attribute[lamps]": st.sampled_from(["3", "-1.5", "x", ""]),
        },
    )
    statuses = []

    @hypothesis_settings(max_examples=25, **FUZZ_SETTINGS)
    @given(data=body, fmt=st.sampled_from(["json", "xml"]))
    def post(data, fmt):
        case = operation.Case(
            path_parameters={"format": fmt},
            query={"api_key": world.key},
            body=data,
            media_type="application/x-www-form-urlencoded",
        )
        response = case.call()
        statuses.append(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    post()
    assert 201 in statuses
    assert Case.objects.filter(source="open311").count() == statuses.count(201)
