"""Schemathesis against the live OpenAPI schema, in-process (WSGI), per role.

``fuzz_run(role=…, credentials=…)`` loads ``/api/schema/?format=json`` from the running Django
application (so whatever the schema holds is fuzzed, new endpoints included), then for every
operation generates ``FUZZ_EXAMPLES`` positive and ``FUZZ_EXAMPLES`` negative cases with a
fixed seed (``FUZZ_SEED``), sends them as that role, and runs the response checks in
``CHECKS``. It returns a ``FuzzReport`` (operations, cases, failures) instead of raising, so a
role's run goes through every operation and prints one line of totals.

Who is signed in is decided in one place: ``AUTH_SCHEMES`` maps a scheme name to a factory
``user -> {"headers": {...}, "cookies": {...}}`` (the keyword arguments ``Case.call`` sends).
Today: the session cookie (+ CSRF token for writes). A bearer token is one more entry::

    AUTH_SCHEMES["token"] = lambda user: {"headers": {"Authorization": f"Bearer {make(user)}"}}

and ``tests/fuzz/test_fuzz.py`` runs every (scheme, role) pair.
"""

import os
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

SCHEMA_PATH = "/api/schema/?format=json"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
SEED = int(os.environ.get("FUZZ_SEED", "20261130"))

# Server errors, and responses the schema does not describe: status code, content type,
# headers, body; and negative (schema-violating) input must answer 4xx. Not
# positive_data_acceptance: a well-formed request may still be refused by a business rule
# (400 after the deadline, 404 for a tender the user may not see), which the schema documents.
CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]

CSRF_SECRET = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # 32 characters: Django's unmasked form


def session_credentials(user) -> dict:
    """Sign user in (a real session row) and return the cookies and CSRF header of a browser."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {"cookies": {settings.SESSION_COOKIE_NAME: session,
                        settings.CSRF_COOKIE_NAME: CSRF_SECRET},
            "headers": {"X-CSRFToken": CSRF_SECRET}}


# Scheme name -> factory(user) -> keyword arguments for Case.call (headers, cookies).
def token_credentials(user) -> dict:
    """Issue user an API token (api.services.token_issue, as a system would be given one) and
    return its bearer header."""
    from tests.api_tokens import token_headers

    return {"headers": token_headers(user)}


AUTH_SCHEMES: dict[str, Callable[[object], dict]] = {
    "session": session_credentials,
    "token": token_credentials,
}


@dataclass
class FuzzReport:
    role: str
    operations: int = 0
    cases: int = 0
    statuses: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)  # (operation label, error text)
    seconds: float = 0.0

    def line(self) -> str:
        codes = ", ".join(f"{k}×{v}" for k, v in sorted(self.statuses.items()))
        return (f"fuzz {self.role}: {self.operations} operations, {self.cases} cases, "
                f"{len(self.failures)} failures in {self.seconds:.1f}s (statuses {codes})")


def wsgi_app():
    """Return Django's WSGI application for in-process calls inside the test's transaction.

    Like django.test.Client, it keeps ``close_old_connections`` off the request signals while it
    answers: closing the database connection mid-test would lose the test's transaction.
    """
    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            body = list(response)
            response.close()
            return body
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


class _AnyScope(dict):
    """Every throttle scope at a rate no fuzz run reaches."""

    def __getitem__(self, scope):
        return "1000000/second"


@contextmanager
def unthrottled():
    """Lift the API throttles for a run: after 30 anonymous requests every case would answer
    429 (documented, tested in tests/core/test_api_throttle.py) and test nothing else. DRF
    reads the rates into the class at import: swap the class's copy (and not clear the cache,
    which may hold the sessions)."""
    from rest_framework.throttling import SimpleRateThrottle

    saved = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = _AnyScope()
    try:
        yield
    finally:
        SimpleRateThrottle.THROTTLE_RATES = saved


def load_schema(app, user):
    """Load the OpenAPI schema the application serves (to signed-in users) as user."""
    client = Client()
    client.force_login(user)
    response = client.get(SCHEMA_PATH)
    assert response.status_code == 200, response.content[:500]
    schema = schemathesis.openapi.from_dict(response.json())
    # The credentials are the harness's (AUTH_SCHEMES), not generated: a negative case must not
    # "remove" the session cookie the call then sends anyway.
    schema.config.generation.update(with_security_parameters=False)
    schema.app = app
    return schema


def _strategy(operation, mode, known_ids, known_fields):
    """Cases of the operation in mode. Positive cases also go where the data is: an {id} path
    on each id that exists, and body fields named in known_fields drawn from their strategies
    (an organization that exists, a price in the form the bid form takes)."""
    strategies = [operation.as_strategy(generation_mode=mode)]
    if mode is not GenerationMode.POSITIVE:
        return strategies[0]
    path_names = {p.name for p in operation.path_parameters}
    if path_names == {"id"} and known_ids:
        strategies += [operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})
                       for pk in known_ids]
    if known_fields and operation.body:
        fields = st.fixed_dictionaries(known_fields)
        strategies += [st.tuples(strategy, fields).map(_with_fields) for strategy in strategies]
    return st.one_of(strategies)


def _with_fields(case_and_fields):
    case, fields = case_and_fields
    if isinstance(case.body, dict):
        case.body = {**case.body, **{k: v for k, v in fields.items() if k in case.body}}
    return case


def fuzz_run(*, schema, role: str, credentials: dict, known_ids=(), known_fields=None,
             examples: int = EXAMPLES, seed: int = SEED,
             operations: Callable | None = None) -> FuzzReport:
    """Fuzz every operation of schema as the holder of credentials; return the report.

    known_ids: ids that exist (tried in {id} paths); known_fields: body field name -> hypothesis
    strategy of values that reach past validation (see ``_strategy``).
    """
    report = FuzzReport(role=role)
    start = time.monotonic()
    with unthrottled():
        for result in schema.get_all_operations():
            operation = result.ok()
            if operations is not None and not operations(operation):
                continue
            report.operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = _strategy(operation, mode, known_ids, known_fields or {})
                _fuzz_operation(operation, mode, strategy, report, credentials, examples, seed)
    report.seconds = time.monotonic() - start
    return report


def _fuzz_operation(operation, mode, strategy, report, credentials, examples, seed):
    @hypothesis.seed(seed)
    @hypothesis.settings(max_examples=examples, deadline=None, database=None,
                         derandomize=False, print_blob=False,
                         phases=[Phase.explicit, Phase.generate, Phase.shrink],
                         suppress_health_check=list(HealthCheck))
    @hypothesis.given(case=strategy)
    def run(case):
        report.cases += 1
        response = case.call(headers=dict(credentials.get("headers", {})),
                             cookies=dict(credentials.get("cookies", {})))
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        pass
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - reported, the role fails
        report.failures.append((f"{operation.label} [{mode.value}]", str(exc)))
