"""Grants: delegation to a 经办人, 纪检/审计 supervision, third-party evaluation of one contract.

Services (who may grant, what they refuse, the audit row), what each grantee reads and nothing
more, the grant panels of the project and contract pages, and the query counts of every list a
grantee reads, pinned with grants present.
"""

import datetime
from dataclasses import dataclass, fields

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import assign_perm

from accounts.models import Organization
from accounts.roles import Role
from accounts.services.memberships import membership_revoke
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from delivery import selectors as delivery_selectors
from evaluation import selectors as evaluation_selectors
from finance import selectors as finance_selectors
from procurement import selectors
from procurement.models import Bid, Contract, ServiceProject
from procurement.permissions import can_approve_project
from procurement.permissions.grants import acts_for_purchaser, project_delegate_id
from procurement.selectors import questions as question_selectors
from procurement.selectors.grants import contract_grant_list, project_grant_list
from procurement.services.bids import bids_open
from procurement.services.challenges import challenge_submit
from procurement.services.clarifications import question_ask
from procurement.services.grants import (
    contract_grant_evaluation,
    contract_revoke_evaluation,
    project_grant_delegate,
    project_grant_supervision,
    project_revoke_delegate,
    project_revoke_supervision,
)
from tests.factories import DEFAULT_PASSWORD, DivisionFactory, OrganizationFactory, user_with_role
from tests.pages.fakes import fake_builder
from tests.worlds import PAGE_WORLD, World, rows_at_stage, world_build

pytestmark = pytest.mark.django_db


@dataclass
class GrantWorld(World):
    """A page world plus a second purchaser officer, a 纪检/审计 body and a third party."""

    purchaser2: object = None
    auditor_org: Organization | None = None
    auditor: object = None
    evaluator_org: Organization | None = None
    evaluator: object = None

    def users(self) -> dict:
        """Return the users by name, the grantees and the purchaser's second officer included."""
        return {**super().users(), "purchaser2": self.purchaser2, "auditor": self.auditor,
                "evaluator": self.evaluator, "root": self.superuser}


@pytest.fixture
def world():
    base = world_build(**PAGE_WORLD)
    auditor_org = OrganizationFactory(supervisor=True, name="田家庵区审计局",
                                      division=base.purchaser_org.division)
    evaluator_org = OrganizationFactory(evaluator=True, name="淮南市众信社会服务评估中心")
    return GrantWorld(
        **{f.name: getattr(base, f.name) for f in fields(World)},
        purchaser2=user_with_role(Role.PURCHASER, base.purchaser_org),
        auditor_org=auditor_org, auditor=user_with_role(Role.SUPERVISOR, auditor_org),
        evaluator_org=evaluator_org, evaluator=user_with_role(Role.EVALUATOR, evaluator_org),
    )


def _state() -> dict:
    return {
        "audit": AuditEntry.objects.count(),
        "user_grants": sorted(UserObjectPermission.objects.values_list(
            "user_id", "object_pk", "permission__codename")),
        "group_grants": sorted(GroupObjectPermission.objects.values_list(
            "group__name", "object_pk", "permission__codename")),
        "notifications": Notification.objects.count(),
    }


def _refused(call, error=ServiceError):
    before = _state()
    with pytest.raises(error):
        call()
    assert _state() == before


def _fresh(user):
    # A new object, as the next request would load it (no cached memberships or grants).
    return type(user).objects.get(pk=user.pk)


# Delegation ------------------------------------------------------------------------------------

def test_delegate_alone_acts_others_keep_reading_revocation_restores(world):
    project = rows_at_stage(world, 1, "submitted")[0]
    officer, colleague = world.users()["purchaser2"], world.users()["purchaser"]
    assert can_approve_project(colleague, project)

    project_grant_delegate(project=project, user=officer, actor=colleague)
    project = ServiceProject.objects.get(pk=project.pk)
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.actor_id, entry.target_id) == (
        "project.grant_delegate", colleague.pk, str(project.pk))
    assert entry.after["user"] == officer.pk
    assert project_delegate_id(project) == officer.pk
    assert can_approve_project(_fresh(officer), project)
    decision = can_approve_project(_fresh(colleague), project)
    assert not decision and "经办人" in decision.reason
    # The colleague still reads the project.
    selectors.project_get_for_user(user=_fresh(colleague), project_id=project.pk)
    assert Notification.objects.filter(recipient=officer, title__contains="经办人").exists()

    project_revoke_delegate(project=project, user=officer, actor=colleague)
    project = ServiceProject.objects.get(pk=project.pk)
    assert AuditEntry.objects.latest("id").action == "project.revoke_delegate"
    assert project_delegate_id(project) is None
    assert can_approve_project(_fresh(colleague), project)
    assert can_approve_project(_fresh(officer), project)


def test_delegate_who_leaves_the_organization_acts_no_more(world):
    project = rows_at_stage(world, 1, "submitted")[0]
    officer = world.users()["purchaser2"]
    project_grant_delegate(project=project, user=officer, actor=world.users()["purchaser"])
    membership = officer.memberships.get()
    membership_revoke(membership=membership, actor=None)
    project = ServiceProject.objects.get(pk=project.pk)
    assert not acts_for_purchaser(_fresh(officer), project)
    # Any remaining staff takes the project back.
    project_revoke_delegate(project=project, user=officer, actor=world.users()["purchaser"])
    assert acts_for_purchaser(_fresh(world.users()["purchaser"]), project)


def test_delegation_refuses_nonsense_and_changes_nothing(world):
    project = rows_at_stage(world, 1, "submitted")[0]
    staff, officer = world.users()["purchaser"], world.users()["purchaser2"]
    other_purchaser = user_with_role(Role.PURCHASER)  # another purchaser organization
    _refused(lambda: project_grant_delegate(project=project, user=other_purchaser, actor=staff))
    _refused(lambda: project_grant_delegate(project=project, user=world.users()["social_org"],
                                            actor=staff))
    _refused(lambda: project_revoke_delegate(project=project, user=officer, actor=staff))
    project_grant_delegate(project=project, user=officer, actor=staff)
    _refused(lambda: project_grant_delegate(project=project, user=officer, actor=staff))
    # One delegate at a time: revoke before naming another.
    _refused(lambda: project_grant_delegate(project=project, user=staff, actor=officer))
    _refused(lambda: project_revoke_delegate(project=project, user=staff, actor=staff))


@pytest.mark.parametrize("who", ["community", "social_org", "finance", "auditor", "evaluator",
                                 "admin", "root"])
def test_only_purchaser_staff_delegate(world, who):
    project = rows_at_stage(world, 1, "submitted")[0]
    _refused(lambda: project_grant_delegate(project=project, user=world.users()["purchaser2"],
                                            actor=world.users()[who]), PermissionDenied)
    project_grant_delegate(project=project, user=world.users()["purchaser2"],
                           actor=world.users()["purchaser"])
    _refused(lambda: project_revoke_delegate(project=project, user=world.users()["purchaser2"],
                                             actor=world.users()[who]), PermissionDenied)


def test_closed_project_cannot_be_delegated(world):
    project = rows_at_stage(world, 1, "closed")[0]
    _refused(lambda: project_grant_delegate(project=project, user=world.users()["purchaser2"],
                                            actor=world.users()["purchaser"]))


# Supervision -----------------------------------------------------------------------------------

def test_supervisor_reads_every_stage_of_granted_projects_only(world):
    granted, other = rows_at_stage(world, 2, "closed")
    auditor = world.users()["auditor"]
    assert not selectors.project_list_for_user(user=auditor).exists()

    project_grant_supervision(project=granted, organization=world.auditor_org,
                              actor=world.users()["purchaser"])
    entry = AuditEntry.objects.latest("id")
    assert (entry.action, entry.after["organization"]) == (
        "project.grant_supervision", world.auditor_org.pk)
    assert Notification.objects.filter(recipient=auditor, title__contains="监督").exists()
    auditor = _fresh(auditor)
    contract = granted.contract
    assert list(selectors.project_list_for_user(user=auditor)) == [granted]
    assert list(selectors.contract_list_for_user(user=auditor)) == [contract]
    tender = selectors.tender_get_for_user(user=auditor, tender_id=granted.current_tender.pk)
    assert len(selectors.bid_list_for_user(user=auditor, tender=tender)) == 2
    assert {r.contract_id for r in delivery_selectors.service_record_list_for_user(user=auditor)} \
        == {contract.pk}
    assert {r.contract_id for r in delivery_selectors.milestone_report_list_for_user(user=auditor)} \
        == {contract.pk}
    assert {t.contract_id for t in finance_selectors.tranche_list_for_user(user=auditor)} \
        == {contract.pk}
    assert [e.contract_id for e in evaluation_selectors.performance_evaluation_list_for_user(
        user=auditor)] == [contract.pk]
    with pytest.raises(Http404):
        selectors.project_get_for_user(user=auditor, project_id=other.pk)
    with pytest.raises(Http404):
        selectors.contract_get_for_user(user=auditor, contract_id=other.contract.pk)


def test_supervisor_sees_bids_only_after_opening(world):
    sealed = rows_at_stage(world, 1, "published")[0]
    project_grant_supervision(project=sealed, organization=world.auditor_org,
                              actor=world.users()["purchaser"])
    auditor = _fresh(world.users()["auditor"])
    tender = sealed.current_tender
    assert tender.opened_at is None
    assert not selectors.bid_list_for_user(user=auditor, tender=tender).exists()
    bid = Bid.objects.filter(tender=tender).first()
    assert not auditor.has_perm("procurement.view_bid", bid)
    assert not auditor.has_perm("procurement.view_bid", bid)
    with pytest.raises(Http404):
        selectors.bid_get_for_user(user=auditor, bid_id=bid.pk)
    # Challenges and questions, with the asker's name, are part of the record it supervises.
    challenge = challenge_submit(tender=tender, actor=world.users()["rival"],
                                 organization=world.suppliers[1], subject="document",
                                 grounds="资格条件设置不合理。")
    question = question_ask(tender=tender, actor=world.users()["rival"], organization=world.suppliers[1],
                            question="是否含周末服务？")
    assert list(question_selectors.challenge_list_for_user(user=auditor)) == [challenge]
    assert list(question_selectors.question_list_for_user(user=auditor, tender=tender)) == [
        question]
    assert not question_selectors.challenge_list_for_user(user=world.users()["evaluator"]).exists()

    with time_machine.travel(tender.bid_deadline + datetime.timedelta(minutes=5), tick=False):
        bids_open(tender=tender, actor=world.users()["purchaser"])
    auditor = _fresh(auditor)
    tender = selectors.tender_get_for_user(user=auditor, tender_id=tender.pk)
    assert selectors.bid_list_for_user(user=auditor, tender=tender).count() == 2
    bid = selectors.bid_get_for_user(user=auditor, bid_id=bid.pk)
    assert auditor.has_perm("procurement.view_bid", bid)


def test_supervision_refuses_nonsense_and_only_the_supervisor_ends_it(world):
    project = rows_at_stage(world, 1, "signed")[0]
    staff = world.users()["purchaser"]
    street_auditor = OrganizationFactory(supervisor=True, division=DivisionFactory())
    _refused(lambda: project_grant_supervision(project=project, organization=street_auditor,
                                               actor=staff))
    _refused(lambda: project_grant_supervision(project=project, organization=world.evaluator_org,
                                               actor=staff))
    _refused(lambda: project_revoke_supervision(project=project, organization=world.auditor_org,
                                                actor=world.users()["auditor"]))
    for who in ("community", "social_org", "finance", "auditor", "evaluator", "admin", "root"):
        _refused(lambda who=who: project_grant_supervision(
            project=project, organization=world.auditor_org, actor=world.users()[who]),
            PermissionDenied)
    project_grant_supervision(project=project, organization=world.auditor_org, actor=staff)
    _refused(lambda: project_grant_supervision(project=project, organization=world.auditor_org,
                                               actor=staff))
    # The supervised purchaser (and anyone but the body's own staff) cannot end it.
    for who in ("purchaser", "purchaser2", "admin", "root", "evaluator"):
        _refused(lambda who=who: project_revoke_supervision(
            project=project, organization=world.auditor_org, actor=world.users()[who]),
            PermissionDenied)
    project_revoke_supervision(project=project, organization=world.auditor_org,
                               actor=world.users()["auditor"])
    assert AuditEntry.objects.latest("id").action == "project.revoke_supervision"
    assert not selectors.project_list_for_user(user=_fresh(world.users()["auditor"])).exists()


def test_organization_grant_follows_memberships(world):
    project = rows_at_stage(world, 1, "signed")[0]
    project_grant_supervision(project=project, organization=world.auditor_org,
                              actor=world.users()["purchaser"])
    newcomer = user_with_role(Role.SUPERVISOR, world.auditor_org)
    assert selectors.project_list_for_user(user=newcomer).get() == project
    leaver = world.users()["auditor"]
    membership_revoke(membership=leaver.memberships.get(), actor=None)
    assert not selectors.project_list_for_user(user=_fresh(leaver)).exists()


# Third-party evaluation ------------------------------------------------------------------------

def test_third_party_reads_exactly_one_contract(world):
    granted, other = rows_at_stage(world, 2, "closed")
    evaluator = world.users()["evaluator"]
    contract = granted.contract
    contract_grant_evaluation(contract=contract, organization=world.evaluator_org,
                              actor=world.users()["purchaser"])
    assert AuditEntry.objects.latest("id").action == "contract.grant_evaluation"
    evaluator = _fresh(evaluator)
    assert list(selectors.contract_list_for_user(user=evaluator)) == [contract]
    assert {r.contract_id for r in delivery_selectors.service_record_list_for_user(
        user=evaluator)} == {contract.pk}
    assert {r.contract_id for r in delivery_selectors.milestone_report_list_for_user(
        user=evaluator)} == {contract.pk}
    assert [e.contract_id for e in evaluation_selectors.performance_evaluation_list_for_user(
        user=evaluator)] == [contract.pk]
    # Nothing else: not the project, its bids, its payments, nor the other contract.
    assert not selectors.project_list_for_user(user=evaluator).exists()
    assert not finance_selectors.tranche_list_for_user(user=evaluator).exists()
    assert not selectors.bid_list_for_user(user=evaluator, tender=granted.current_tender).exists()
    assert not any(evaluator.has_perm("procurement.view_bid", b) for b in Bid.objects.all())
    with pytest.raises(Http404):
        selectors.contract_get_for_user(user=evaluator, contract_id=other.contract.pk)
    # Its contract page names the project without linking to a page that would answer 404.
    client = Client()
    client.force_login(evaluator)
    page = client.get(reverse("procurement:contract-detail", args=[contract.pk]))
    assert page.status_code == 200
    assert granted.title in page.content.decode()
    assert reverse("procurement:project-detail", args=[granted.pk]) not in page.content.decode()

    contract_revoke_evaluation(contract=contract, organization=world.evaluator_org,
                               actor=world.users()["purchaser2"])
    assert AuditEntry.objects.latest("id").action == "contract.revoke_evaluation"
    evaluator = _fresh(evaluator)
    assert not selectors.contract_list_for_user(user=evaluator).exists()
    assert not delivery_selectors.service_record_list_for_user(user=evaluator).exists()


def test_evaluation_grant_refuses_nonsense(world):
    contract = rows_at_stage(world, 1, "signed")[0].contract
    staff = world.users()["purchaser"]
    _refused(lambda: contract_grant_evaluation(contract=contract, organization=world.auditor_org,
                                               actor=staff))
    _refused(lambda: contract_grant_evaluation(contract=contract, organization=world.suppliers[0],
                                               actor=staff))
    _refused(lambda: contract_revoke_evaluation(contract=contract,
                                                organization=world.evaluator_org, actor=staff))
    for who in ("social_org", "community", "finance", "auditor", "evaluator", "admin", "root"):
        _refused(lambda who=who: contract_grant_evaluation(
            contract=contract, organization=world.evaluator_org, actor=world.users()[who]),
            PermissionDenied)
    contract_grant_evaluation(contract=contract, organization=world.evaluator_org, actor=staff)
    _refused(lambda: contract_grant_evaluation(contract=contract,
                                               organization=world.evaluator_org, actor=staff))


def test_delegate_alone_commissions_while_delegated(world):
    contract = rows_at_stage(world, 1, "signed")[0].contract
    project_grant_delegate(project=contract.project, user=world.users()["purchaser2"],
                           actor=world.users()["purchaser"])
    contract = Contract.objects.get(pk=contract.pk)
    _refused(lambda: contract_grant_evaluation(
        contract=contract, organization=world.evaluator_org,
        actor=_fresh(world.users()["purchaser"])), PermissionDenied)
    contract_grant_evaluation(contract=contract, organization=world.evaluator_org,
                              actor=world.users()["purchaser2"])


# Pages -----------------------------------------------------------------------------------------

def _login(client, user):
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client


def test_project_page_lists_grants_and_offers_forms_to_purchaser_staff(client, world):
    project = rows_at_stage(world, 1, "signed")[0]
    _login(client, world.users()["purchaser"])
    url = reverse("procurement:project-detail", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'id="grants"' in page
    assert reverse("procurement:project-delegate-grant", args=[project.pk]) in page
    assert reverse("procurement:project-supervision-grant", args=[project.pk]) in page
    # The selects offer only eligible holders.
    assert world.users()["social_org"].display_name not in page
    assert world.auditor_org.name in page and world.evaluator_org.name not in page

    client.post(reverse("procurement:project-supervision-grant", args=[project.pk]),
                {"organization": world.auditor_org.pk})
    response = client.post(reverse("procurement:project-delegate-grant", args=[project.pk]),
                           {"user": world.users()["purchaser2"].pk}, follow=True)
    assert "已指定经办人" in response.content.decode()
    rows = project_grant_list(project=project)
    assert {(r.codename, r.holder) for r in rows} == {
        ("handle_serviceproject", str(world.users()["purchaser2"])),
        ("supervise_serviceproject", world.auditor_org.name),
    }
    assert all(r.since is not None and r.granted_by == str(world.users()["purchaser"])
               for r in rows)
    page = client.get(url).content.decode()
    assert world.auditor_org.name in page and "确认撤销" in page
    # Delegated: the colleague may revoke the delegation but no longer grant supervision.
    assert f'action="{reverse("procurement:project-supervision-grant", args=[project.pk])}"' \
        not in page

    # Revoking needs the confirmation box; without it nothing changes.
    revoke = reverse("procurement:project-delegate-revoke", args=[project.pk])
    response = client.post(revoke, {"holder": world.users()["purchaser2"].pk}, follow=True)
    assert "确认撤销" in response.content.decode()
    assert project_delegate_id(ServiceProject.objects.get(pk=project.pk)) is not None
    client.post(revoke, {"holder": world.users()["purchaser2"].pk, "confirm": "on"})
    assert project_delegate_id(ServiceProject.objects.get(pk=project.pk)) is None


def test_grant_forms_refuse_other_organizations_and_outsiders(client, world):
    project = rows_at_stage(world, 1, "signed")[0]
    outsider = user_with_role(Role.PURCHASER)
    _login(client, world.users()["purchaser"])
    before = _state()
    response = client.post(reverse("procurement:project-delegate-grant", args=[project.pk]),
                           {"user": outsider.pk}, follow=True)
    assert "经办人必须是本项目购买主体的在岗工作人员" in response.content.decode()
    assert _state() == before
    # Those who may not grant get 404 (the community sees the project, the auditor does not).
    for who, status in (("community", 404), ("auditor", 404), ("admin", 404)):
        client.logout()
        _login(client, world.users()[who])
        response = client.post(
            reverse("procurement:project-delegate-grant", args=[project.pk]),
            {"user": world.users()["purchaser2"].pk})
        assert response.status_code == status
    assert _state() == before


def test_supervisor_ends_own_access_from_the_project_page(client, world):
    project = rows_at_stage(world, 1, "signed")[0]
    project_grant_supervision(project=project, organization=world.auditor_org,
                              actor=world.users()["purchaser"])
    _login(client, world.users()["auditor"])
    page = client.get(reverse("procurement:project-detail", args=[project.pk])).content.decode()
    assert "结束监督查看" in page
    assert f'action="{reverse("procurement:project-delegate-grant", args=[project.pk])}"' \
        not in page
    assert f'action="{reverse("procurement:project-supervision-grant", args=[project.pk])}"' \
        not in page
    response = client.post(reverse("procurement:project-supervision-revoke", args=[project.pk]),
                           {"holder": world.auditor_org.pk, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("procurement:project-list")
    assert client.get(reverse("procurement:project-detail", args=[project.pk])).status_code == 404


def test_contract_page_lists_evaluation_grant_and_third_party_reads_it(client, world):
    contract = rows_at_stage(world, 1, "closed")[0].contract
    _login(client, world.users()["purchaser"])
    url = reverse("procurement:contract-detail", args=[contract.pk])
    assert world.evaluator_org.name in client.get(url).content.decode()
    client.post(reverse("procurement:contract-evaluation-grant", args=[contract.pk]),
                {"organization": world.evaluator_org.pk})
    assert [r.holder for r in contract_grant_list(contract=contract)] == [world.evaluator_org.name]
    client.logout()
    _login(client, world.users()["evaluator"])
    page = client.get(url).content.decode()
    assert contract.code in page and "委托第三方评估" not in page and "确认撤销" not in page
    assert client.get(reverse("delivery:record-list")).status_code == 200
    assert client.get(reverse("procurement:project-detail",
                              args=[contract.project_id])).status_code == 404
    response = client.post(reverse("procurement:contract-evaluation-revoke", args=[contract.pk]),
                           {"holder": world.evaluator_org.pk, "confirm": "on"})
    assert response.status_code == 404
    assert GroupObjectPermission.objects.count() == 1


def test_supervisor_and_third_party_download_the_pdfs(client, world):
    contract = rows_at_stage(world, 1, "closed")[0].contract
    project_grant_supervision(project=contract.project, organization=world.auditor_org,
                              actor=world.users()["purchaser"])
    contract_grant_evaluation(contract=contract, organization=world.evaluator_org,
                              actor=world.users()["purchaser"])
    evaluation = contract.performance_evaluation
    with fake_builder("contract_pdf"), fake_builder("performance_report_pdf"):
        for who in ("auditor", "evaluator"):
            client.logout()
            _login(client, world.users()[who])
            assert client.get(reverse("evaluation:contract-pdf", args=[contract.pk])
                              ).status_code == 200
            assert client.get(reverse("evaluation:performance-report-pdf",
                                      args=[evaluation.pk])).status_code == 200


# Query counts ----------------------------------------------------------------------------------

GRANTEE_LISTS = [
    ("procurement:project-list", "auditor"),
    ("procurement:tender-list", "auditor"),
    ("procurement:contract-list", "auditor"),
    ("delivery:record-list", "auditor"),
    ("delivery:milestone-list", "auditor"),
    ("finance:tranche-list", "auditor"),
    ("evaluation:performance-list", "auditor"),
    ("procurement:contract-list", "evaluator"),
    ("delivery:record-list", "evaluator"),
    ("delivery:milestone-list", "evaluator"),
    ("evaluation:performance-list", "evaluator"),
    ("procurement:project-list", "purchaser2"),
    ("procurement:contract-list", "purchaser"),
]


def _grant_all(world, projects):
    for i, project in enumerate(projects):
        project_grant_supervision(project=project, organization=world.auditor_org,
                                  actor=world.users()["purchaser"])
        contract_grant_evaluation(contract=project.contract, organization=world.evaluator_org,
                                  actor=world.users()["purchaser"])
        if i % 2:
            # The rows rest closed, where the service refuses a delegation: store it directly.
            assign_perm("procurement.handle_serviceproject", world.users()["purchaser2"], project)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize(("name", "who"), GRANTEE_LISTS)
def test_grantee_list_query_count_is_pinned(client, world, django_assert_max_num_queries,
                                            name, who):
    _grant_all(world, rows_at_stage(world, 5, "closed"))
    _login(client, world.users()[who])
    url = reverse(name)
    small, response = _count(client, url)
    assert response.context["page"].paginator.count >= 5
    _grant_all(world, rows_at_stage(world, 45, "closed"))
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.context["page"].paginator.count >= 50


@pytest.mark.parametrize("who", ["purchaser", "auditor"])
def test_project_page_query_count_does_not_grow_with_grants(client, world,
                                                            django_assert_max_num_queries, who):
    project = rows_at_stage(world, 1, "closed")[0]
    project_grant_supervision(project=project, organization=world.auditor_org,
                              actor=world.users()["purchaser"])
    _login(client, world.users()[who])
    url = reverse("procurement:project-detail", args=[project.pk])
    small, _response = _count(client, url)
    for n in range(8):
        org = OrganizationFactory(supervisor=True, name=f"淮南市审计局{n}",
                                  division=world.purchaser_org.division.parent)
        project_grant_supervision(project=project, organization=org,
                                  actor=world.users()["purchaser"])
    with django_assert_max_num_queries(small):
        page = client.get(url).content.decode()
    assert page.count("监督查看项目") >= 9


def test_contract_page_query_count_does_not_grow_with_grants(client, world,
                                                             django_assert_max_num_queries):
    contract = rows_at_stage(world, 1, "closed")[0].contract
    contract_grant_evaluation(contract=contract, organization=world.evaluator_org,
                              actor=world.users()["purchaser"])
    _login(client, world.users()["purchaser"])
    url = reverse("procurement:contract-detail", args=[contract.pk])
    small, _response = _count(client, url)
    for n in range(8):
        org = OrganizationFactory(evaluator=True, name=f"第三方评估机构{n}")
        contract_grant_evaluation(contract=contract, organization=org,
                                  actor=world.users()["purchaser"])
    with django_assert_max_num_queries(small):
        client.get(url)
    assert Organization.objects.filter(kind="evaluator").count() == 9


# The grantees' inbox -----------------------------------------------------------------------------

def test_grantees_find_what_was_granted_in_their_inbox(world, django_assert_max_num_queries):
    from workflows.selectors import work_items_for_user

    projects = rows_at_stage(world, 3, "closed")
    auditor, evaluator = _fresh(world.auditor), _fresh(world.evaluator)
    assert work_items_for_user(auditor) == [] and work_items_for_user(evaluator) == []
    purchaser = world.users()["purchaser"]
    for project in projects[:2]:
        project_grant_supervision(project=project, organization=world.auditor_org, actor=purchaser)
    contract_grant_evaluation(contract=projects[2].contract, organization=world.evaluator_org,
                              actor=purchaser)
    auditor, evaluator = _fresh(world.auditor), _fresh(world.evaluator)
    with django_assert_max_num_queries(3):  # memberships, then one query for the projects
        items = work_items_for_user(auditor)
    assert [(i.kind, i.subject_code) for i in items] == [
        ("project_supervise", p.code) for p in reversed(projects[:2])]
    (item,) = work_items_for_user(evaluator)
    assert (item.kind, item.subject_code) == ("contract_evaluate", projects[2].contract.code)
    client = Client()
    client.force_login(evaluator)
    assert client.get(item.url).status_code == 200
    # Revoked, gone; other supervisors' and evaluators' inboxes never held them.
    project_revoke_supervision(project=projects[0], organization=world.auditor_org,
                               actor=auditor)
    assert [i.subject_code for i in work_items_for_user(_fresh(world.auditor))] == [
        projects[1].code]
    other_auditor = user_with_role(Role.SUPERVISOR, OrganizationFactory(supervisor=True))
    assert work_items_for_user(other_auditor) == []


def test_purchaser_notices_go_to_the_delegate_while_delegated(world):
    from procurement.selectors.grants import project_purchaser_staff
    from procurement.services.projects import project_submit
    from tests.worlds import project_draft

    project = project_draft(world)
    officer, colleague = world.users()["purchaser2"], world.users()["purchaser"]
    assert set(project_purchaser_staff(project)) == {officer, colleague}
    project_grant_delegate(project=project, user=officer, actor=colleague)
    project = ServiceProject.objects.get(pk=project.pk)
    assert list(project_purchaser_staff(project)) == [officer]

    Notification.objects.all().delete()
    project_submit(project=project, actor=world.community)
    assert set(Notification.objects.values_list("recipient", flat=True)) == {officer.pk}

    # A delegate who left: everyone hears again, so someone takes the project back.
    membership_revoke(membership=officer.memberships.get(), actor=None)
    assert list(project_purchaser_staff(ServiceProject.objects.get(pk=project.pk))) == [colleague]
