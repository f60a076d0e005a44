"""Schemathesis against the live API schema, anonymous and as each role (issue 10, item 4).

Marked ``fuzz``: deselected in the normal run, run by ``scripts/ci-fuzz`` (a step of
``.ci/run``). Budget and seed: ``FUZZ_EXAMPLES`` and ``FUZZ_SEED`` (tests/fuzz/harness.py).
"""

import pytest
from django.db import transaction
from hypothesis import strategies as st

from accounts.models import Organization
from procurement.models import Bid, Tender
from tests.fuzz.harness import AUTH_SCHEMES, fuzz_run, load_schema, wsgi_app
from tests.worlds import (
    PAGE_WORLD,
    PRICES,
    bids_submitted,
    tender_opened,
    tender_published,
    world_build,
)

pytestmark = [pytest.mark.fuzz]

PRICES_TWO = PRICES[:2]  # PAGE_WORLD has two suppliers
ROLES = ["purchaser", "finance", "community", "social_org", "social_worker", "expert",
         "resident", "admin"]


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """One small world for every role's run: a sealed tender with bids and an opened one."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = world_build(**{**PAGE_WORLD, "experts": 5})  # a committee needs five
        opened = tender_opened(world, prices=PRICES_TWO)
        sealed = tender_published(world)
        tender_published(world)  # open for bids, none yet
        bids_submitted(world, sealed, prices=PRICES_TWO)
        known = sorted({*Tender.objects.values_list("pk", flat=True),
                        *Bid.objects.values_list("pk", flat=True)})
        fields = {
            "organization": st.sampled_from(
                sorted(Organization.objects.values_list("pk", flat=True))),
            "price": st.from_regex(r"\A[1-9][0-9]{0,5}\.[0-9]{2}\Z"),
            "tender_version": st.integers(1, 3),
        }
        yield world, (known, fields), (opened, sealed)
        transaction.set_rollback(True)


@pytest.fixture
def app(db):
    return wsgi_app()


def _run(request, app, world, known, role, credentials):
    schema = load_schema(app, world.admin)
    known_ids, known_fields = known
    report = fuzz_run(schema=schema, role=role, credentials=credentials, known_ids=known_ids,
                      known_fields=known_fields)
    request.node.user_properties.append(("fuzz", report.line()))
    failures = "\n\n".join(f"{label}:\n{text}" for label, text in report.failures)
    if report.failures:
        pytest.fail(f"{report.line()}\n\n{failures}", pytrace=False)


def test_fuzz_anonymous(request, app, fuzz_world):
    world, known, _ = fuzz_world
    _run(request, app, world, known, "anonymous", {})


@pytest.mark.parametrize("scheme", sorted(AUTH_SCHEMES))
@pytest.mark.parametrize("role", ROLES)
def test_fuzz_signed_in(request, app, fuzz_world, role, scheme):
    world, known, _ = fuzz_world
    user = world.users()[role]
    _run(request, app, world, known, f"{role} ({scheme})", AUTH_SCHEMES[scheme](user))
