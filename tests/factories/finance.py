"""Factories of the finance models (envelopes, commitments, tranches, payments)."""

from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Organization
from finance.models import BudgetCommitment, BudgetEnvelope, Payment, PaymentTranche
from procurement.models import FundingSource, ServiceProject
from tests.factories.accounts import OrganizationFactory, UserFactory, tianjiaan
from tests.factories.procurement import ContractFactory, ServiceProjectFactory


class BudgetEnvelopeFactory(DjangoModelFactory):
    """This year's fiscal envelope of a division (a fresh street by default: the key is unique)."""

    class Meta:
        model = BudgetEnvelope

    fiscal_year = factory.LazyFunction(lambda: timezone.localdate().year)
    funding_source = FundingSource.FISCAL
    division = factory.LazyFunction(tianjiaan)
    finance_bureau = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.FINANCE,
                                        division=factory.SelfAttribute("..division"))
    name = factory.LazyAttribute(lambda o: f"{o.fiscal_year}年社区服务购买预算")
    amount = Decimal("100000000.00")


class BudgetCommitmentFactory(DjangoModelFactory):
    class Meta:
        model = BudgetCommitment

    envelope = factory.SubFactory(BudgetEnvelopeFactory)
    project = factory.SubFactory(ServiceProjectFactory, status=ServiceProject.Status.BUDGET_CONFIRMED,
                                 fiscal_year=factory.SelfAttribute("..envelope.fiscal_year"))
    amount = factory.SelfAttribute("project.budget_amount")
    committed_by = factory.SubFactory(UserFactory)
    committed_at = factory.LazyFunction(timezone.now)


class PaymentTrancheFactory(DjangoModelFactory):
    """The first (on-signing, 30 %) tranche of a signed contract; ``paid=True`` once paid."""

    class Meta:
        model = PaymentTranche

    contract = factory.SubFactory(ContractFactory, signed=True)
    sequence = 1
    condition = PaymentTranche.Condition.ON_SIGNING
    percent = Decimal("30")
    amount = factory.LazyAttribute(lambda o: (o.contract.amount * o.percent / 100).quantize(Decimal("0.01")))

    class Params:
        due = factory.Trait(status=PaymentTranche.Status.DUE)
        paid = factory.Trait(status=PaymentTranche.Status.PAID, approved_by=factory.SubFactory(UserFactory),
                             approved_at=factory.LazyFunction(timezone.now))


class PaymentFactory(DjangoModelFactory):
    class Meta:
        model = Payment

    tranche = factory.SubFactory(PaymentTrancheFactory, paid=True)
    amount = factory.SelfAttribute("tranche.amount")
    voucher_number = factory.Sequence(lambda n: f"PZ{n:06d}")
    paid_by = factory.SubFactory(UserFactory)
    paid_at = factory.LazyFunction(timezone.now)
