"""The city-scale generator (benchmarks/citygen.py) at a tiny scale: the rows it makes respect
the models' rules, and its counts follow the scale (so the benchmark's generator cannot rot)."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Count, F, Max, Sum

from accounts.models import Division, Membership, Organization, User
from benchmarks import citygen
from delivery.models import ServiceRecord
from finance.models import BudgetCommitment, Payment, PaymentTranche
from planning.models import CommunityProfile
from procurement.models import Award, Bid, Contract, ServiceProject, Tender

TODAY = datetime.date(2026, 11, 30)

pytestmark = pytest.mark.django_db


def _full_clean_sample(queryset, n=5):
    for obj in queryset[:n]:
        obj.full_clean(validate_unique=True, validate_constraints=True)


def test_tiny_city_respects_the_models_and_scales():
    city = citygen.generate(scale=0.004, today=TODAY, records_per_month=4)

    # The geography is the whole city whatever the scale; projects follow the scale.
    assert Division.objects.filter(level="street").count() == 60
    communities = Division.objects.filter(level="community")
    assert communities.count() == citygen.URBAN_COMMUNITIES + citygen.RURAL_COMMUNITIES == 600
    assert CommunityProfile.objects.filter(area="urban").count() == 245
    assert not communities.exclude(code__startswith=F("parent__code")).exists()
    assert ServiceProject.objects.count() == 8 == city.counts["procurement.ServiceProject"]
    years = set(ServiceProject.objects.values_list("fiscal_year", flat=True))
    assert years == set(range(2022, 2027))

    # Every model row passes its own validation and constraints (a sample of each).
    for model in (Division, Organization, Membership, ServiceProject, Tender, Bid, Award,
                  Contract, PaymentTranche, Payment, ServiceRecord, BudgetCommitment):
        _full_clean_sample(model.objects.all())

    # Money adds up: tranches sum to the contract amount, payments never exceed the tranche.
    for contract in Contract.objects.annotate(planned=Sum("tranches__amount")):
        assert contract.planned == contract.amount
        assert contract.amount == contract.award.amount
        assert contract.supplier_id == contract.award.bid.organization_id
    assert not Payment.objects.filter(amount__gt=F("tranche__amount")).exists()
    assert not Contract.objects.filter(status="signed", supplier_signed_at__isnull=True).exists()
    # Records belong to their contract's deliverables, dated within the contract, not after today.
    assert ServiceRecord.objects.exists()
    assert not ServiceRecord.objects.exclude(deliverable__project=F("contract__project")).exists()
    assert not ServiceRecord.objects.filter(served_on__lt=F("contract__start_date")).exists()
    assert not ServiceRecord.objects.filter(served_on__gt=TODAY).exists()
    assert BudgetCommitment.objects.aggregate(s=Sum("amount"))["s"] > Decimal(0)
    # Sample viewers exist and hold their roles.
    for role, username in city.users.items():
        user = User.objects.get(username=username)
        assert Membership.objects.filter(user=user, role=role).exists(), role
        assert user.groups.filter(name=role).exists()


def test_counts_follow_the_scale_and_a_second_run_is_refused():
    small = citygen.generate(scale=0.002, today=TODAY, records_per_month=2)
    assert small.counts["procurement.ServiceProject"] == 4 == ServiceProject.objects.count()
    assert small.counts["delivery.ServiceRecord"] == ServiceRecord.objects.count()
    # Tenders only for projects that reached tendering; one live tender per project at most.
    live = Tender.objects.exclude(status__in=["failed", "cancelled"])
    assert live.values("project").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    with pytest.raises(RuntimeError):  # never twice in the same database
        citygen.generate(scale=0.002, today=TODAY)


def _fingerprint() -> tuple:
    projects = list(ServiceProject.objects.order_by("code").values_list(
        "code", "status", "budget_amount", "community__name", "purchaser__name"))
    records = ServiceRecord.objects.aggregate(n=Count("id"), people=Sum("participants"),
                                              last=Max("served_on"))
    bids = list(Bid.objects.order_by("tender__code", "organization__name").values_list(
        "tender__code", "organization__name", "price"))
    return projects, records, bids


def test_the_same_seed_makes_the_same_city_and_another_seed_another():
    from django.db import transaction

    prints = []
    for seed in (9, 9, 10):
        with transaction.atomic():
            citygen.generate(scale=0.002, seed=seed, today=TODAY, records_per_month=2)
            prints.append(_fingerprint())
            transaction.set_rollback(True)
    assert prints[0] == prints[1]
    assert prints[0] != prints[2]
