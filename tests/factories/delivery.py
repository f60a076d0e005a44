"""Factories of the delivery models (service records, milestone reports)."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from delivery.models import MilestoneReport, ServiceRecord, ServiceUserOpinion
from tests.factories.accounts import UserFactory
from tests.factories.procurement import ContractFactory, DeliverableFactory


class ServiceRecordFactory(DjangoModelFactory):
    """A service recorded on a signed contract against one of its project's deliverables."""

    class Meta:
        model = ServiceRecord

    contract = factory.SubFactory(ContractFactory, signed=True)
    deliverable = factory.SubFactory(DeliverableFactory, project=factory.SelfAttribute("..contract.project"))
    code = factory.Sequence(lambda n: f"CASE-{n:06d}")
    served_on = factory.LazyFunction(timezone.localdate)
    site = "舜耕社区活动中心"
    participants = 1
    description = "入户探访"
    social_worker = factory.SubFactory(UserFactory)
    recorded_at = factory.LazyFunction(timezone.now)

    class Params:
        confirmed = factory.Trait(confirmed_by=factory.SubFactory(UserFactory),
                                  confirmed_at=factory.LazyFunction(timezone.now))


class MilestoneReportFactory(DjangoModelFactory):
    """A submitted mid-term report; ``final=True`` for the final one, ``accepted=True`` once accepted."""

    class Meta:
        model = MilestoneReport

    contract = factory.SubFactory(ContractFactory, signed=True)
    kind = MilestoneReport.Kind.MID_TERM
    summary = "已完成个案建档和2场小型活动。"
    submitted_by = factory.SubFactory(UserFactory)
    submitted_at = factory.LazyFunction(timezone.now)

    class Params:
        final = factory.Trait(kind=MilestoneReport.Kind.FINAL, summary="服务产出全部完成。")
        accepted = factory.Trait(status=MilestoneReport.Status.ACCEPTED,
                                 decided_by=factory.SubFactory(UserFactory),
                                 decided_at=factory.LazyFunction(timezone.now))


class ServiceUserOpinionFactory(DjangoModelFactory):
    """A resident's opinion on a submitted milestone report."""

    class Meta:
        model = ServiceUserOpinion

    report = factory.SubFactory(MilestoneReportFactory)
    resident = factory.SubFactory(UserFactory)
    score = 90
    comment = "服务很及时。"
    submitted_at = factory.LazyFunction(timezone.now)
