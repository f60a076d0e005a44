"""The demo's supplier registry (issue 7 item 9): each social organization's declared 评估等级
recorded as a registry rating, its 2025 年检 passed, a social-work qualification for the rated
ones — through accounts.services.registry, as the platform admin. Nothing here excludes a demo
bidder; safe to run again."""

import datetime as dt

from django.db import transaction

from accounts.models import AnnualInspection, Qualification
from accounts.services.registry import (
    registry_inspection_record,
    registry_qualification_record,
    registry_rating_record,
)
from demo.cast import Cast

RATED_ON = dt.date(2024, 6, 1)
INSPECTED = (2025, dt.date(2026, 5, 29))


@transaction.atomic
def registry_build(cast: Cast) -> None:
    """Record the cast's social organizations in the registry unless already there."""
    for key, organization in cast.social_orgs.items():
        if organization.ratings.exists() or organization.annual_inspections.exists():
            continue
        if organization.rating:
            registry_rating_record(organization=organization, actor=cast.admin,
                                   grade=organization.rating, rated_on=RATED_ON,
                                   assessor="淮南市民政局", document_number=f"淮民评〔2024〕{key}")
            registry_qualification_record(
                organization=organization, actor=cast.admin, kind=Qualification.Kind.SOCIAL_WORK,
                number=f"SG-2024-{organization.pk:04d}", valid_from=RATED_ON,
                issuer="淮南市民政局")
        year, concluded_on = INSPECTED
        registry_inspection_record(organization=organization, actor=cast.admin, year=year,
                                   result=AnnualInspection.Result.PASSED,
                                   concluded_on=concluded_on)
