"""`manage.py demo`: the 淮南 demo is complete, every login has real work, and a rerun adds nothing."""

import pytest
from django.core.management import call_command

from accounts.roles import Role

pytestmark = pytest.mark.django_db

# Roles whose work is a viewflow task in the inbox; residents answer surveys and support needs,
# social workers record services, admins manage accounts (none of those are flow tasks).
INBOX_ROLES = {Role.PURCHASER, Role.FINANCE, Role.COMMUNITY, Role.SOCIAL_ORG, Role.EXPERT}


def _counts() -> dict:
    from viewflow.workflow.models import Process, Task

    from accounts.models import ExpertProfile, ExpertRecusal, Membership, Organization, User
    from core.models import AuditEntry, Notification
    from delivery.models import MilestoneReport, ServiceRecord
    from evaluation.models import PartyScore, PerformanceEvaluation, ScoreSheet
    from finance.models import BudgetCommitment, BudgetEnvelope, Payment
    from procurement.models import Bid, Contract, Need, ServiceProject, Tender

    models = [User, Organization, Membership, ExpertProfile, ExpertRecusal, BudgetEnvelope, Need,
              ServiceProject, Tender, Bid, Contract, ScoreSheet, ServiceRecord, MilestoneReport,
              PerformanceEvaluation, PartyScore, BudgetCommitment, Payment, AuditEntry,
              Notification, Process, Task]
    return {m.__name__: m.objects.count() for m in models}


@pytest.fixture
def demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("demo", stdout=open(tmp_path / "out.txt", "w", encoding="utf-8"))
    return tmp_path


def test_demo_is_complete_and_rerun_creates_nothing(demo):
    from accounts.models import ExpertRecusal, Organization
    from accounts.validators import validate_credit_code
    from core.audit import verify_chain
    from finance.models import BudgetEnvelope
    from portal.demo import DEMO_PLAN, PROJECTS
    from procurement.models import ServiceProject

    orgs = Organization.objects.filter(division__code__startswith="340403")
    assert orgs.get(kind="purchaser").name == "田家庵区民政局"
    assert orgs.filter(kind="finance").count() == 1
    assert orgs.filter(kind="community").count() == 3
    social_orgs = list(orgs.filter(kind="social_org"))
    assert len(social_orgs) == 4
    for org in social_orgs:
        validate_credit_code(org.credit_code)
        assert org.credit_code[:8] == "52340403"  # 民办非企业单位, 田家庵区
    assert ExpertRecusal.objects.count() == 1
    assert set(BudgetEnvelope.objects.values_list("funding_source", flat=True)) == {"fiscal", "lottery"}

    statuses = {p.title: p.status for p in ServiceProject.objects.all()}
    for stage, index in DEMO_PLAN:
        assert PROJECTS[index].title in statuses, stage
    closed = ServiceProject.objects.get(title=PROJECTS[DEMO_PLAN[0][1]].title)
    assert closed.status == ServiceProject.Status.CLOSED
    contract = closed.contract
    assert sum(t.payment.amount for t in contract.tranches.all()) == contract.amount
    assert set(statuses.values()) >= {"closed", "performance_review", "in_delivery", "awarded",
                                      "evaluating", "tendering", "budget_confirmed", "approved",
                                      "submitted"}

    logins = (demo / "demo_logins.txt").read_text(encoding="utf-8")
    for username in ("admin", "mz_wang", "cz_zhao", "sq_longquan", "jm_chen", "org_yangguang",
                     "sg_lin", "zj_qian"):
        assert username in logins
    assert "demo2026!" in logins

    before = _counts()
    call_command("demo", stdout=open(demo / "out2.txt", "w", encoding="utf-8"))
    assert _counts() == before
    assert "未重复创建" in (demo / "out2.txt").read_text(encoding="utf-8")
    assert verify_chain() == (True, None, "ok")


def test_every_demo_login_has_real_work(demo):
    from accounts.models import User
    from core.models import Notification
    from evaluation.models import PerformanceEvaluation
    from procurement.models import Contract, Need
    from workflows.selectors import task_inbox_for_user

    users = User.objects.prefetch_related("memberships").exclude(username__in=["admin", "operator"])
    for user in users:
        roles = {m.role for m in user.memberships.all()}
        if roles & INBOX_ROLES:
            assert task_inbox_for_user(user), f"{user.username} ({roles}) has an empty inbox"
        elif Role.SOCIAL_WORKER in roles:
            # A signed contract of the worker's organization to record services on.
            org = user.social_worker_profile.organization
            assert Contract.objects.filter(supplier=org, status=Contract.Status.SIGNED).exists(), user
        elif Role.RESIDENT in roles:
            community = user.memberships.get(role=Role.RESIDENT).organization
            survey = PerformanceEvaluation.objects.filter(
                contract__project__community=community,
                status=PerformanceEvaluation.Status.OPEN).exists()
            need_to_support = Need.objects.filter(status=Need.Status.SUBMITTED).exclude(
                submitted_by=user).exclude(supports__user=user).exists()
            assert survey or need_to_support, user
            assert Notification.objects.filter(recipient=user).exists(), user
        else:  # pragma: no cover - every demo login has one of the roles above
            pytest.fail(f"{user.username} has no chain role")
