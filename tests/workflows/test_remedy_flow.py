"""After an upheld challenge the project's flow follows the remedy (94号令 16, 87号令 64).

The remedies void the award and its unsigned contract; the signing tasks that pointed at it
must leave the inboxes, and the step the remedy reopens must be there: the award again after a
re-evaluation, both signatures for the next ranked bid, the publication for a new procurement.
"""

import pytest
from django.test import Client
from django.urls import reverse
from viewflow.workflow.status import STATUS

from accounts.roles import Role
from demo.cast import cast_build
from demo.stages import build_project_at_stage
from procurement.models import Bid
from procurement.services.challenges import challenge_answer, challenge_submit
from procurement.services.remedies import remedy_next_ranked, remedy_reevaluate, remedy_retender
from workflows.flows import ServiceProjectFlow
from workflows.models import ServiceProjectProcess

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded(django_capture_on_commit_callbacks):
    cast = cast_build()
    build = build_project_at_stage("awarded", cast=cast)
    tender = build.tender
    loser = tender.bids.exclude(pk=build.award.bid_id).order_by("rank").first().organization
    challenge = challenge_submit(tender=tender, actor=cast.one(Role.SOCIAL_ORG, loser),
                                 organization=loser, subject="result",
                                 grounds="中标人资格证明文件与事实不符。")
    challenge = challenge_answer(challenge=challenge, actor=build.purchaser_staff,
                                 answer="经核实，质疑成立。", upheld=True, may_change_result=True)
    return cast, build, challenge


def _open_tasks(project):
    process = ServiceProjectProcess.objects.get(project=project)
    return process, {t.flow_task.name: t for t in process.task_set.filter(
        status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED], flow_task_type="HUMAN")}


def _inbox_titles(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_reevaluation_brings_the_award_task_back_87_64(awarded, django_capture_on_commit_callbacks):
    cast, build, challenge = awarded
    process, before = _open_tasks(build.project)
    assert set(before) == {"sign_purchaser", "sign_supplier"}
    with django_capture_on_commit_callbacks(execute=True):
        remedy_reevaluate(challenge=challenge, actor=build.purchaser_staff, ground="arithmetic",
                          reason="分值汇总计算错误。")
    process, after = _open_tasks(build.project)
    assert set(after) == {"award"} and process.finished is None
    assert after["award"].data["deadline"]  # the 5 working days start anew
    for old in before.values():
        old.refresh_from_db()
        assert old.status == STATUS.CANCELED  # on record, out of every inbox
    html = _inbox_titles(build.purchaser_staff)
    assert "确认中标结果" in html and "甲方签订合同" not in html
    supplier = cast.one(Role.SOCIAL_ORG, build.contract.supplier)
    assert "乙方签订合同" not in _inbox_titles(supplier)


def test_next_ranked_gets_both_signatures_anew_order94_16(awarded, django_capture_on_commit_callbacks):
    cast, build, challenge = awarded
    old_supplier = build.contract.supplier
    with django_capture_on_commit_callbacks(execute=True):
        new = remedy_next_ranked(challenge=challenge, actor=build.purchaser_staff,
                                 reason="中标人资格证明文件虚假。")
    process, after = _open_tasks(build.project)
    assert set(after) == {"sign_purchaser", "sign_supplier"}
    assert after["sign_supplier"].data["deadline"] == new.contract.sign_due.isoformat()
    assert "乙方签订合同" in _inbox_titles(cast.one(Role.SOCIAL_ORG, new.contract.supplier))
    assert "乙方签订合同" not in _inbox_titles(cast.one(Role.SOCIAL_ORG, old_supplier))
    assert Bid.objects.get(pk=build.award.bid_id).status == Bid.Status.DISQUALIFIED


def test_retender_brings_the_publication_task_back_order94_16(awarded, django_capture_on_commit_callbacks):
    cast, build, challenge = awarded
    with django_capture_on_commit_callbacks(execute=True):
        remedy_retender(challenge=challenge, actor=build.purchaser_staff, reason="重新采购。")
    process, after = _open_tasks(build.project)
    assert set(after) == {"publish"}
    client = Client()
    client.force_login(build.purchaser_staff)
    page = client.get(reverse("workflows:task", args=[after["publish"].pk]))
    assert page.status_code == 200
    assert build.tender.code in page.content.decode()  # the failed tender, offered for re-tender
    assert ServiceProjectFlow.publish.name == "publish"


def test_a_flow_that_cannot_move_leaves_the_committed_remedy_alone(awarded, monkeypatch, caplog):
    """The remedy is committed and audited first; a flow that cannot rewind is logged for an
    operator (the receiver runs on commit), never a failed page."""
    from viewflow.workflow.exceptions import FlowRuntimeError

    import workflows.services
    from procurement.models import Challenge
    from workflows.receivers import rewind_on_challenge_remedied

    cast, build, challenge = awarded

    def stuck(**kwargs):
        raise FlowRuntimeError("a task is being executed")

    monkeypatch.setattr(workflows.services, "process_rewind", stuck)
    remedy_retender(challenge=challenge, actor=build.purchaser_staff, reason="重新采购。")
    assert rewind_on_challenge_remedied(tender=build.tender, remedy="retender") == 0
    assert Challenge.objects.get(pk=challenge.pk).remedy == "retender"
    assert "Could not rewind process" in caplog.text
