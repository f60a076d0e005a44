"""Factories of the planning app (plan targets, community profiles, volunteers)."""

import datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from planning.models import CommunityProfile, PlanTarget, Volunteer, VolunteerService

__all__ = ["CommunityProfileFactory", "PlanTargetFactory", "VolunteerFactory",
           "VolunteerServiceFactory"]


class CommunityProfileFactory(DjangoModelFactory):
    class Meta:
        model = CommunityProfile

    division = factory.SubFactory("tests.factories.accounts.DivisionFactory", community=True)
    area = "urban"
    population = 3000
    households = 1100


class VolunteerFactory(DjangoModelFactory):
    class Meta:
        model = Volunteer

    community = factory.SubFactory("tests.factories.accounts.DivisionFactory", community=True)
    name = factory.Sequence(lambda n: f"志愿者{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    registered_on = datetime.date(2026, 1, 5)
    registered_by = factory.SubFactory("tests.factories.accounts.UserFactory")


class VolunteerServiceFactory(DjangoModelFactory):
    class Meta:
        model = VolunteerService

    volunteer = factory.SubFactory(VolunteerFactory)
    served_on = datetime.date(2026, 3, 1)
    hours = Decimal("2.0")
    activity = "助老探访"
    recorded_by = factory.SubFactory("tests.factories.accounts.UserFactory")


class PlanTargetFactory(DjangoModelFactory):
    class Meta:
        model = PlanTarget

    plan = factory.Sequence(lambda n: f"测试规划{n}")
    year = 2030
    area = "all"
    indicator = "volunteer_rate"
    value = Decimal("15")
