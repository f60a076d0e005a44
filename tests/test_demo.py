"""`manage.py demo`: the 淮南 demo is complete, every login has real work, and a rerun adds nothing."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

def _counts() -> dict:
    from viewflow.workflow.models import Process, Task

    from accounts.models import ExpertProfile, ExpertRecusal, Membership, Organization, User
    from core.models import AuditEntry, Notification
    from delivery.models import MilestoneReport, ServiceRecord
    from evaluation.models import PartyScore, PerformanceEvaluation, ScoreSheet
    from finance.models import BudgetCommitment, BudgetEnvelope, Payment
    from planning.models import CommunityProfile, Volunteer, VolunteerService
    from procurement.models import Bid, Contract, Need, ServiceProject, Tender

    models = [CommunityProfile, Volunteer, VolunteerService, User, Organization, Membership, ExpertProfile, ExpertRecusal, BudgetEnvelope, Need,
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
    from demo.build import DEMO_PLAN
    from demo.projects import PROJECTS
    from finance.models import BudgetEnvelope
    from procurement.models import ServiceProject

    orgs = Organization.objects.filter(division__code__startswith="340403")
    assert orgs.get(kind="purchaser").name == "田家庵区民政局"
    assert orgs.filter(kind="finance").count() == 1
    assert orgs.filter(kind="community").count() == 3
    social_orgs = list(orgs.filter(kind="social_org", division__level="district"))
    assert len(social_orgs) == 4
    for org in social_orgs:
        validate_credit_code(org.credit_code)
        assert org.credit_code[:8] == "52340403"  # 民办非企业单位, 田家庵区
    assert ExpertRecusal.objects.count() == 1
    # Plan monitoring (demo/planning.py): every community has data; some targets met, some not.
    from accounts.models import User
    from planning.seed import SEED_PLAN, SEED_YEAR
    from planning.selectors import plan_monitoring
    rows = plan_monitoring(user=User.objects.get(username="mz_wang"), plan=SEED_PLAN, year=SEED_YEAR,
                           measured=timezone.localdate().year)
    assert len(rows) == 3 and all(r.profile for r in rows)
    marks = [m.met for r in rows for m in r.measures]
    assert True in marks and False in marks
    assert set(BudgetEnvelope.objects.values_list("funding_source", flat=True)) == {"fiscal", "lottery"}

    statuses = {p.title: p.status for p in ServiceProject.objects.all()}
    for stage, index in DEMO_PLAN:
        assert PROJECTS[index].title in statuses, stage
    closed = ServiceProject.objects.get(title=PROJECTS[DEMO_PLAN[0][1]].title)
    assert closed.status == ServiceProject.Status.CLOSED
    contract = closed.contract
    assert sum(t.payment.amount for t in contract.tranches.all()) == contract.amount
    # The fully walked project is a 公开招标: 20 days to the deadline (法35), a five-seat
    # committee (87号令 47), at least three bids (法36), scored by 综合评分.
    tender = closed.tenders.get()
    assert tender.method == "open" and tender.evaluation_method == "comprehensive"
    assert (tender.bid_deadline - tender.published_at).days >= 20
    assert tender.committee.members.count() == 5
    assert tender.bids.count() >= 3
    assert set(statuses.values()) >= {"closed", "performance_review", "in_delivery", "awarded",
                                      "evaluating", "tendering", "budget_confirmed", "approved",
                                      "submitted"}

    # A tie settled by the purchaser's recorded draw (87号令 57) before the award.
    from evaluation.models import TieDraw
    from evaluation.rules import draw_order

    tied = next(spec for spec in PROJECTS if spec.tie)
    draw = TieDraw.objects.get(tender__project__title=tied.title)
    group = draw.groups[0]
    assert group["rank"] == 1 and len(group["bids"]) == 2
    assert group["order"] == draw_order(group["bids"], seed=draw.seed, rank=1)
    assert draw.tender.award.bid_id == group["order"][0]

    # The only collusion signal is the one demo/integrity.py raises, and the committee decided
    # it: no other demo tender leaves an undecided flag (prices are not in a regular pattern).
    from procurement.models import BidFlag

    assert list(BidFlag.objects.values_list("kind", "decision")) == [("same_contact", "cleared")]

    # Revise and resubmit (issue 8 item 5): the project awaiting approval was returned once and
    # resubmitted with its activities line cut; the purchaser sees v2 against v1.
    from demo.revisions import RETURN_REASON, REVISED_INDEX
    from procurement.selectors.versions import project_version_diff

    revised = ServiceProject.objects.get(title=PROJECTS[REVISED_INDEX].title)
    assert revised.status == ServiceProject.Status.SUBMITTED
    v1, v2 = revised.versions.order_by("number")
    assert v2.return_reason == RETURN_REASON
    diff = project_version_diff(v1, v2)
    assert [(i.section, i.kind, i.label) for i in diff.items] == [("预算明细", "changed", "服务活动")]
    assert diff.totals[0].delta < 0

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


def _inbox(client) -> tuple[int, int, str]:
    """Return (待办 count shown, flow-task and work-item rows, html) of the /workspace/ inbox."""
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    shown = int(re.search(r'class="task-count" data-count="(\d+)"', html).group(1))
    rows = html.count('<tr class="inbox-task"') + html.count('<tr class="inbox-work"')
    return shown, rows, html


def test_every_demo_login_has_real_work(demo):
    from accounts.models import User
    from demo.build import demo_logins
    from demo.cast import cast_build

    logins = [row[0] for row in demo_logins(cast_build(district="tianjiaan"))]  # finds, adds nothing
    assert {"admin", "operator", "jm_chen", "sg_lin", "org_yilin", "zj_qian"} <= set(logins)
    empty = {}
    for username in logins:
        client = Client()
        client.force_login(User.objects.get(username=username))
        shown, rows, html = _inbox(client)
        assert shown == rows, username
        if rows == 0:
            empty[username] = html
        # Every work item links to a page the user may open.
        for url in re.findall(r'<tr class="inbox-work".*?href="([^"]+)"', html, re.S):
            assert client.get(url.replace("&amp;", "&")).status_code == 200, (username, url)
    assert not empty, f"empty demo inboxes: {sorted(empty)}"


def test_demo_shows_final_quote_round_and_invited_tender(demo):
    """Issue 7 item 10: a 磋商 whose final-quote round is done (磋商办法21) and an 邀请招标 with
    its invitation list (法34, 87号令14), both built through the services."""
    from demo.methods import FINAL_QUOTE_SPEC, INVITED_SPEC
    from procurement.models import FinalQuoteRound, Tender

    round_ = FinalQuoteRound.objects.get(tender__project__title=FINAL_QUOTE_SPEC.title)
    assert round_.closed_at is not None and round_.tender.method == "consultation"
    assert round_.quotes.count() == round_.tender.bids.filter(status="qualified").count() == 3
    assert all(q.price < q.bid.price for q in round_.quotes.all())
    invited = Tender.objects.get(project__title=INVITED_SPEC.title)
    assert invited.method == "invited" and invited.status == "published"
    assert invited.invitations.count() == 3
