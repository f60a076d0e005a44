"""Factories of the procurement models: field-level rows, consistent with every constraint.

Traits name the states a row can rest in (``NeedFactory(accepted=True)``,
``TenderFactory(opened=True)``, ``ContractFactory(signed=True)``). They set fields only: a test
that needs a state reached the way users reach it walks the real services (tests/worlds.py).
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Organization
from core import crypto
from procurement.models import (
    Award,
    Bid,
    BidDocument,
    BidFlag,
    BidIntake,
    BidReceipt,
    BudgetLine,
    Challenge,
    Contract,
    ContractTeamChange,
    ContractTeamMember,
    Deliverable,
    FinalQuote,
    FinalQuoteRound,
    FundingSource,
    Indicator,
    Need,
    NeedSupport,
    ProjectVersion,
    ServiceProject,
    Tender,
    TenderAmendment,
    TenderCriterion,
    TenderInvitation,
    TenderKey,
    TenderQuestion,
)
from procurement.selectors.versions import project_design_snapshot
from tests.factories.accounts import OrganizationFactory, SocialWorkerProfileFactory, UserFactory
from tests.factories.core import StoredFileFactory


class NeedFactory(DjangoModelFactory):
    class Meta:
        model = Need

    title = factory.Sequence(lambda n: f"老年人助餐需求{n}")
    category = "elderly"
    target_group = "独居老人"
    community = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.COMMUNITY)
    description = "希望社区提供助餐服务。"
    submitted_by = factory.SubFactory(UserFactory)

    class Params:
        accepted = factory.Trait(status=Need.Status.ACCEPTED, decided_at=factory.LazyFunction(timezone.now))
        declined = factory.Trait(status=Need.Status.DECLINED, decision_reason="不属于政府购买服务范围。",
                                 decided_at=factory.LazyFunction(timezone.now))
        merged = factory.Trait(
            status=Need.Status.MERGED, decided_at=factory.LazyFunction(timezone.now),
            merged_into=factory.SubFactory("tests.factories.procurement.NeedFactory",
                                           community=factory.SelfAttribute("..community")),
        )


class NeedSupportFactory(DjangoModelFactory):
    class Meta:
        model = NeedSupport

    need = factory.SubFactory(NeedFactory)
    user = factory.SubFactory(UserFactory)


class ServiceProjectFactory(DjangoModelFactory):
    """A project row at a status (trait), with no deliverables, indicators or budget lines."""

    class Meta:
        model = ServiceProject

    code = factory.Sequence(lambda n: f"XM{n:06d}")
    title = factory.Sequence(lambda n: f"舜耕社区居家养老服务项目{n}")
    category = "elderly"
    community = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.COMMUNITY)
    purchaser = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.PURCHASER)
    objectives = "为独居老人提供助餐和探访。"
    target_groups = "独居老人"
    fiscal_year = factory.LazyFunction(lambda: timezone.localdate().year)
    funding_source = FundingSource.FISCAL
    budget_amount = Decimal("100000.00")
    duration_months = 12
    created_by = factory.SubFactory(UserFactory)

    class Params:
        submitted = factory.Trait(status=ServiceProject.Status.SUBMITTED,
                                  submitted_at=factory.LazyFunction(timezone.now))
        approved = factory.Trait(status=ServiceProject.Status.APPROVED,
                                 submitted_at=factory.LazyFunction(timezone.now),
                                 approved_at=factory.LazyFunction(timezone.now))
        closed = factory.Trait(status=ServiceProject.Status.CLOSED,
                               submitted_at=factory.LazyFunction(timezone.now),
                               approved_at=factory.LazyFunction(timezone.now),
                               closed_at=factory.LazyFunction(timezone.now))


class DeliverableFactory(DjangoModelFactory):
    class Meta:
        model = Deliverable

    project = factory.SubFactory(ServiceProjectFactory)
    activity_type = "case"
    description = "个案服务"
    quantity = 20
    unit = "个"
    unit_price = Decimal("300.00")
    min_quality = "每个个案不少于6次跟进"


class IndicatorFactory(DjangoModelFactory):
    class Meta:
        model = Indicator

    project = factory.SubFactory(ServiceProjectFactory)
    category = "output"
    name = "个案服务数"
    target = Decimal("20")
    unit = "个"


class BudgetLineFactory(DjangoModelFactory):
    class Meta:
        model = BudgetLine

    project = factory.SubFactory(ServiceProjectFactory)
    category = "personnel"
    amount = Decimal("70000.00")
    note = "专职社工薪酬"


class ProjectVersionFactory(DjangoModelFactory):
    """A submitted version of a project (v1) whose snapshot is its project's design now."""

    class Meta:
        model = ProjectVersion

    project = factory.SubFactory(ServiceProjectFactory, submitted=True)
    number = 1
    submitted_at = factory.LazyFunction(timezone.now)
    submitted_by = factory.SubFactory(UserFactory)
    snapshot = factory.LazyAttribute(lambda o: project_design_snapshot(project=o.project))


class TenderFactory(DjangoModelFactory):
    """A published tender (deadline 20 days ahead); ``opened=True`` for one past its deadline."""

    class Meta:
        model = Tender

    project = factory.SubFactory(ServiceProjectFactory, status=ServiceProject.Status.TENDERING)
    code = factory.Sequence(lambda n: f"CG{n:06d}")
    title = factory.SelfAttribute("project.title")
    method = Tender.Method.CONSULTATION
    budget_amount = factory.SelfAttribute("project.budget_amount")
    price_weight = Decimal("10")
    bid_deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=20))
    status = Tender.Status.PUBLISHED
    published_at = factory.LazyAttribute(lambda o: o.bid_deadline - datetime.timedelta(days=20))
    published_by = factory.SubFactory(UserFactory)

    class Params:
        draft = factory.Trait(status=Tender.Status.DRAFT, published_at=None, published_by=None)
        opened = factory.Trait(
            status=Tender.Status.OPENED,
            bid_deadline=factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1)),
            opened_at=factory.SelfAttribute("bid_deadline"),
        )


class TenderCriterionFactory(DjangoModelFactory):
    class Meta:
        model = TenderCriterion

    tender = factory.SubFactory(TenderFactory)
    name = "服务方案"
    kind = "technical"
    max_score = Decimal("90")

    class Params:
        price = factory.Trait(name="价格", kind="price", max_score=Decimal("10"))


class BidFactory(DjangoModelFactory):
    class Meta:
        model = Bid

    tender = factory.SubFactory(TenderFactory)
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    price = Decimal("95000.00")
    proposal = "服务方案"
    submitted_by = factory.SubFactory(UserFactory)
    submitted_at = factory.LazyAttribute(lambda o: o.tender.bid_deadline - datetime.timedelta(days=2))

    class Params:
        qualified = factory.Trait(status=Bid.Status.QUALIFIED)


class BidDocumentFactory(DjangoModelFactory):
    """A bid file filed under a document kind (投标函 …)."""

    class Meta:
        model = BidDocument

    bid = factory.SubFactory(BidFactory)
    stored_file = factory.SubFactory(StoredFileFactory, owner=factory.SelfAttribute("..bid"))
    kind = "投标函"


class BidReceiptFactory(DjangoModelFactory):
    class Meta:
        model = BidReceipt

    bid = factory.SubFactory(BidFactory)
    number = factory.Sequence(lambda n: f"HZ-TEST-{n}")
    kind = BidReceipt.Kind.SUBMITTED
    issued_at = factory.LazyAttribute(lambda o: o.bid.submitted_at)
    issued_to = factory.LazyAttribute(lambda o: o.bid.submitted_by)
    price_sha256 = "0" * 64
    proposal_sha256 = "0" * 64


class BidFlagFactory(DjangoModelFactory):
    class Meta:
        model = BidFlag

    tender = factory.SubFactory(TenderFactory)
    kind = BidFlag.Kind.SAME_LEGAL_REPRESENTATIVE
    reason = "两家投标机构的法定代表人均为张伟"
    created_at = factory.LazyAttribute(lambda o: o.tender.bid_deadline)


class TenderInvitationFactory(DjangoModelFactory):
    """An organization invited to an 邀请招标 (or named by a 单一来源)."""

    class Meta:
        model = TenderInvitation

    tender = factory.SubFactory(TenderFactory, method=Tender.Method.INVITED)
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    invited_at = factory.LazyAttribute(lambda o: o.tender.published_at or timezone.now())


class FinalQuoteRoundFactory(DjangoModelFactory):
    """An open final-quote round (最后报价) of an opened 磋商."""

    class Meta:
        model = FinalQuoteRound

    tender = factory.SubFactory(TenderFactory, opened=True)
    opened_by = factory.SubFactory(UserFactory)
    opened_at = factory.LazyAttribute(lambda o: o.tender.bid_deadline + datetime.timedelta(hours=1))
    deadline = factory.LazyAttribute(lambda o: o.opened_at + datetime.timedelta(days=1))


class FinalQuoteFactory(DjangoModelFactory):
    """A qualified bid's final quote in its tender's round."""

    class Meta:
        model = FinalQuote

    round = factory.SubFactory(FinalQuoteRoundFactory)
    bid = factory.SubFactory(BidFactory, tender=factory.SelfAttribute("..round.tender"),
                             qualified=True)
    price = Decimal("90000.00")
    submitted_by = factory.SelfAttribute("bid.submitted_by")
    submitted_at = factory.LazyAttribute(lambda o: o.round.opened_at + datetime.timedelta(hours=1))


class AwardFactory(DjangoModelFactory):
    class Meta:
        model = Award

    tender = factory.SubFactory(TenderFactory, opened=True, status=Tender.Status.AWARDED)
    bid = factory.SubFactory(BidFactory, tender=factory.SelfAttribute("..tender"), qualified=True)
    amount = factory.SelfAttribute("bid.price")
    confirmed_by = factory.SubFactory(UserFactory)
    confirmed_at = factory.LazyFunction(timezone.now)


class ContractFactory(DjangoModelFactory):
    """A contract drafted from an award; ``signed=True`` for one both parties signed."""

    class Meta:
        model = Contract

    award = factory.SubFactory(AwardFactory)
    project = factory.SelfAttribute("award.tender.project")
    code = factory.Sequence(lambda n: f"HT{n:06d}")
    purchaser = factory.SelfAttribute("project.purchaser")
    supplier = factory.SelfAttribute("award.bid.organization")
    amount = factory.SelfAttribute("award.amount")
    start_date = factory.LazyFunction(timezone.localdate)
    end_date = factory.LazyAttribute(lambda o: o.start_date + datetime.timedelta(days=360))

    class Params:
        signed = factory.Trait(
            status=Contract.Status.SIGNED,
            purchaser_signed_by=factory.SubFactory(UserFactory),
            purchaser_signed_at=factory.LazyFunction(timezone.now),
            supplier_signed_by=factory.SubFactory(UserFactory),
            supplier_signed_at=factory.LazyFunction(timezone.now),
        )


class ContractTeamMemberFactory(DjangoModelFactory):
    """A member of a contract's service team, copied from the supplier's social worker."""

    class Meta:
        model = ContractTeamMember

    contract = factory.SubFactory(ContractFactory)
    worker = factory.SubFactory(SocialWorkerProfileFactory,
                                organization=factory.SelfAttribute("..contract.supplier"))
    name = factory.LazyAttribute(lambda o: o.worker.user.display_name)
    qualification = factory.SelfAttribute("worker.qualification")
    certificate_number = factory.SelfAttribute("worker.certificate_number")
    joined_at = factory.LazyFunction(timezone.now)


class ContractTeamChangeFactory(DjangoModelFactory):
    """A pending request to add one of the supplier's social workers to the contract's team."""

    class Meta:
        model = ContractTeamChange

    contract = factory.SubFactory(ContractFactory, signed=True)
    action = ContractTeamChange.Action.ADD
    worker = factory.SubFactory(SocialWorkerProfileFactory,
                                organization=factory.SelfAttribute("..contract.supplier"))
    reason = "原社工离职，补充同等级社工"
    requested_by = factory.SubFactory(UserFactory)
    requested_at = factory.LazyFunction(timezone.now)


class TenderQuestionFactory(DjangoModelFactory):
    class Meta:
        model = TenderQuestion

    tender = factory.SubFactory(TenderFactory)
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    asked_by = factory.SubFactory(UserFactory)
    question = "服务对象是否包括外来务工人员家庭？"
    asked_at = factory.LazyFunction(timezone.now)

    class Params:
        answered = factory.Trait(answer="包括。", answered_by=factory.SubFactory(UserFactory),
                                 answered_at=factory.LazyFunction(timezone.now))
        public = factory.Trait(answered=True, published=True)


class ChallengeFactory(DjangoModelFactory):
    class Meta:
        model = Challenge

    tender = factory.SubFactory(TenderFactory)
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    submitted_by = factory.SubFactory(UserFactory)
    subject = Challenge.Subject.DOCUMENT
    grounds = "资格条件限定本地注册，排斥外地供应商。"
    submitted_at = factory.LazyFunction(timezone.now)
    answer_due = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=7))

    class Params:
        rejected = factory.Trait(status=Challenge.Status.REJECTED, answer="资格条件符合规定。",
                                 answered_by=factory.SubFactory(UserFactory),
                                 answered_at=factory.LazyFunction(timezone.now))


class TenderAmendmentFactory(DjangoModelFactory):
    """A published amendment (更正公告) that does not affect bids and keeps the deadline."""

    class Meta:
        model = TenderAmendment

    tender = factory.SubFactory(TenderFactory)
    version = 2
    content = "更正采购需求中的服务地点表述。"
    affects_bids = False
    old_deadline = factory.LazyAttribute(lambda o: o.tender.bid_deadline)
    new_deadline = factory.LazyAttribute(lambda o: o.tender.bid_deadline)
    published_at = factory.LazyFunction(timezone.now)
    published_by = factory.LazyAttribute(lambda o: o.tender.published_by)


class TenderKeyFactory(DjangoModelFactory):
    """A tender's data key for sealed bids, wrapped by the current key-encryption key."""

    class Meta:
        model = TenderKey

    tender = factory.SubFactory(TenderFactory)
    kek_id = factory.LazyAttribute(lambda o: o.wrapped[0])
    wrapped_key = factory.LazyAttribute(lambda o: o.wrapped[1])

    class Params:
        wrapped = factory.LazyFunction(lambda: crypto.wrap_key(crypto.generate_key()))


class BidIntakeFactory(DjangoModelFactory):
    """A bid waiting in intake: its submission (no files) sealed under the current KEK."""

    class Meta:
        model = BidIntake

    tender = factory.SubFactory(TenderFactory, status=Tender.Status.PUBLISHED)
    organization = factory.SubFactory(OrganizationFactory, kind=Organization.Kind.SOCIAL_ORG)
    submitted_by = factory.SubFactory(UserFactory)
    arrived_at = factory.LazyFunction(timezone.now)
    content_type = "application/x-bid-intake"
    kek_id = factory.LazyAttribute(lambda o: o.sealed[0])
    sealed_body = factory.LazyAttribute(lambda o: o.sealed[1])

    class Params:
        sealed = factory.LazyAttribute(lambda o: _intake_sealed(o))


def _intake_sealed(o) -> tuple[str, bytes]:
    from procurement.services.intake import PURPOSE, _label, _pack

    kek_id, key = crypto.purpose_key(PURPOSE)
    body = _pack({"price": "280000.00", "proposal": "服务方案"}, [])
    return kek_id, crypto.seal(key, body, _label(o.tender.pk, o.organization.pk,
                                                   o.submitted_by.pk))
