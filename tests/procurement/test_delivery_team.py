"""The delivery team (issue 7 item 17): the bid names its 持证社工 (level and certificate
number), the contract copies them at drafting (合同法/民法典 470 合同内容; 政府采购法 46 — the
contract follows the bid and the award), changes need the purchaser's approval, and service
records are accepted only from the team's members. Audited throughout."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import SocialWorkerProfile
from core.exceptions import PermissionDenied, ServiceError
from core.models import AuditEntry, Notification
from delivery.services.records import service_record_add
from procurement.documents import contract_context
from procurement.models import ContractTeamChange, ContractTeamMember
from procurement.services.bids import bid_submit, bids_open
from procurement.services.teams import team_change_approve, team_change_refuse, team_change_request
from tests.factories import DEFAULT_PASSWORD, SocialWorkerProfileFactory
from tests.worlds import (
    CASE_AND_EVENTS,
    bid_files,
    contract_signed,
    project_budget_confirmed,
    social_worker_add,
    tender_published,
)

pytestmark = pytest.mark.django_db
PRICES = (Decimal("270000.00"), Decimal("280000.00"), Decimal("290000.00"))


def _profile(user) -> SocialWorkerProfile:
    return user.social_worker_profile


@pytest.fixture
def workers(world):
    """Three social workers of suppliers[0] (the lowest bidder, so the winner)."""
    levels = SocialWorkerProfile.Qualification
    users = [social_worker_add(world, 0, code=f"W1{i}") for i in range(3)]
    for user, level in zip(users, [levels.SENIOR, levels.INTERMEDIATE, levels.ASSISTANT],
                           strict=True):
        SocialWorkerProfile.objects.filter(user=user).update(qualification=level)
    return users


def _tender_with_team(world, team):
    tender = tender_published(world, project_budget_confirmed(world, design=CASE_AND_EVENTS))
    for i, price in enumerate(PRICES):
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[i], organization=world.suppliers[i],
                   price=price, proposal=f"服务方案{i}", team=team if i == 0 else ())
    with time_machine.travel(tender.bid_deadline + dt.timedelta(minutes=1)):
        bids_open(tender=tender, actor=None)
    tender.refresh_from_db()
    return tender


@pytest.fixture
def contract(world, workers):
    team = [_profile(u) for u in workers[:2]]
    return contract_signed(world, tender=_tender_with_team(world, team))


def test_contract_copies_the_team_the_winning_bid_promised(world, workers, contract):
    assert contract.supplier == world.suppliers[0]
    members = list(contract.team.order_by("pk"))
    assert [m.worker.user for m in members] == workers[:2]
    senior = members[0]
    assert senior.qualification == SocialWorkerProfile.Qualification.SENIOR
    assert senior.certificate_number == _profile(workers[0]).certificate_number
    assert senior.name == workers[0].display_name
    award = AuditEntry.objects.get(action="award.confirm")
    assert [m["certificate_number"] for m in award.after["team"]] == [
        _profile(u).certificate_number for u in workers[:2]]


def test_the_copy_keeps_what_was_promised_when_the_profile_changes_later(contract, workers):
    SocialWorkerProfile.objects.filter(user=workers[0]).update(certificate_number="CHANGED-1")
    assert contract.team.get(worker__user=workers[0]).certificate_number != "CHANGED-1"


def test_bid_team_only_from_the_bidders_own_social_workers(world, workers):
    tender = tender_published(world)
    stranger = SocialWorkerProfileFactory(organization=world.suppliers[1])
    with pytest.raises(ServiceError, match="只能由本机构的持证社工组成") as exc:
        bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                   price=PRICES[0], proposal="方案", team=[_profile(workers[0]), stranger])
    assert exc.value.code == "team"
    bid = bid_submit(files=bid_files(), tender=tender, actor=world.supplier_staff[0], organization=world.suppliers[0],
                     price=PRICES[0], proposal="方案", team=[_profile(workers[0]).pk])
    assert list(bid.team.all()) == [_profile(workers[0])]


def test_contract_pdf_lists_the_team(contract, workers, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        context = contract_context(contract)
    assert [m["certificate_number"] for m in context["team"]] == [
        _profile(u).certificate_number for u in workers[:2]]
    assert context["team"][0]["qualification"] == "高级社会工作师"


# --- Records only from the team ------------------------------------------------------------------


def _record(contract, user):
    return service_record_add(contract=contract, actor=user,
                              deliverable=contract.project.deliverables.first(),
                              served_on=timezone.localdate(), site="舜耕社区活动室",
                              participants=6, description="入户探访")


def test_records_accepted_only_from_team_members(contract, workers):
    assert _record(contract, workers[0]).social_worker == workers[0]
    with pytest.raises(ServiceError, match="只有本合同服务团队的成员可以填写服务台账") as exc:
        _record(contract, workers[2])  # the supplier's own social worker, not on the team
    assert exc.value.code == "team"


def test_contract_without_a_named_team_keeps_the_suppliers_rule(world):
    contract = contract_signed(world)  # bids named no team
    assert not contract.team.exists()
    worker = social_worker_add(world, world.suppliers.index(contract.supplier), code="W09")
    assert _record(contract, worker).pk


# --- Changes need the purchaser's approval ------------------------------------------------------


def test_adding_a_member_needs_the_purchasers_approval(world, workers, contract):
    staff = world.supplier_staff[0]
    change = team_change_request(contract=contract, actor=staff, action="add",
                                 worker=_profile(workers[2]), reason="新增个案社工")
    assert change.status == ContractTeamChange.Status.PENDING
    with pytest.raises(ServiceError):
        _record(contract, workers[2])  # not yet a member
    assert Notification.objects.filter(recipient=world.purchaser,
                                       title__contains="服务团队变更待审批").exists()
    team_change_approve(change=change, actor=world.purchaser, note="同意")
    change.refresh_from_db()
    assert change.status == ContractTeamChange.Status.APPROVED
    assert _record(contract, workers[2]).pk
    entry = AuditEntry.objects.get(action="contract.team_change_approve")
    assert len(entry.after["team"]) == 3 and entry.after["status"] == "approved"
    assert AuditEntry.objects.filter(action="contract.team_change_request").exists()


def test_removing_a_member_stops_its_records(world, workers, contract):
    change = team_change_request(contract=contract, actor=world.supplier_staff[0],
                                 action="remove", worker=_profile(workers[1]), reason="离职")
    team_change_approve(change=change, actor=world.purchaser)
    member = contract.team.get(worker__user=workers[1])
    assert member.left_at is not None
    with pytest.raises(ServiceError, match="服务团队的成员"):
        _record(contract, workers[1])
    # The contract keeps who left, and can take them back through a new approved request.
    again = team_change_request(contract=contract, actor=world.supplier_staff[0], action="add",
                                worker=_profile(workers[1]), reason="返岗")
    team_change_approve(change=again, actor=world.purchaser)
    assert ContractTeamMember.objects.filter(contract=contract, worker__user=workers[1]).count() == 2


def test_refusal_needs_a_reason_and_changes_nothing(world, workers, contract):
    change = team_change_request(contract=contract, actor=world.supplier_staff[0], action="remove",
                                 worker=_profile(workers[0]), reason="调岗")
    with pytest.raises(ServiceError, match="请填写不同意的理由"):
        team_change_refuse(change=change, actor=world.purchaser, note=" ")
    team_change_refuse(change=change, actor=world.purchaser, note="高级社工为投标承诺的核心人员")
    change.refresh_from_db()
    assert change.status == ContractTeamChange.Status.REFUSED
    assert contract.team.filter(worker__user=workers[0], left_at__isnull=True).exists()
    with pytest.raises(ServiceError, match="已处理"):
        team_change_approve(change=change, actor=world.purchaser)
    assert AuditEntry.objects.filter(action="contract.team_change_refuse").exists()


def test_request_refusals(world, workers, contract):
    staff = world.supplier_staff[0]
    with pytest.raises(ServiceError, match="已是本合同服务团队成员"):
        team_change_request(contract=contract, actor=staff, action="add",
                            worker=_profile(workers[0]), reason="x")
    with pytest.raises(ServiceError, match="不是本合同服务团队成员"):
        team_change_request(contract=contract, actor=staff, action="remove",
                            worker=_profile(workers[2]), reason="x")
    with pytest.raises(ServiceError, match="只能由本机构的持证社工组成"):
        team_change_request(contract=contract, actor=staff, action="add",
                            worker=SocialWorkerProfileFactory(organization=world.suppliers[1]),
                            reason="x")
    with pytest.raises(ServiceError, match="请填写变更理由"):
        team_change_request(contract=contract, actor=staff, action="add",
                            worker=_profile(workers[2]), reason="")
    team_change_request(contract=contract, actor=staff, action="add",
                        worker=_profile(workers[2]), reason="补充")
    with pytest.raises(ServiceError, match="已有待审批"):
        team_change_request(contract=contract, actor=staff, action="add",
                            worker=_profile(workers[2]), reason="再次")


def test_only_the_parties_request_and_decide(world, workers, contract):
    with pytest.raises(PermissionDenied):
        team_change_request(contract=contract, actor=world.purchaser, action="add",
                            worker=_profile(workers[2]), reason="x")
    with pytest.raises(PermissionDenied):
        team_change_request(contract=contract, actor=workers[0], action="add",
                            worker=_profile(workers[2]), reason="x")  # a social worker, not staff
    change = team_change_request(contract=contract, actor=world.supplier_staff[0], action="add",
                                 worker=_profile(workers[2]), reason="补充")
    for actor in (world.supplier_staff[0], world.outsiders["purchaser"], world.finance):
        with pytest.raises(PermissionDenied):
            team_change_approve(change=change, actor=actor)


# --- Pages -----------------------------------------------------------------------------------------


def test_team_on_the_contract_page_with_request_and_decision(client, world, workers, contract):
    url = reverse("procurement:contract-detail", args=[contract.pk])
    client.login(username=world.supplier_staff[0].username, password=DEFAULT_PASSWORD)
    page = client.get(url).content.decode()
    assert _profile(workers[0]).certificate_number in page and "高级社会工作师" in page
    response = client.post(reverse("procurement:contract-team-request", args=[contract.pk]),
                           {"action": "add", "worker": _profile(workers[2]).pk, "reason": "补充"})
    assert response.status_code == 302
    change = ContractTeamChange.objects.get()
    client.login(username=world.purchaser.username, password=DEFAULT_PASSWORD)
    decide = reverse("procurement:contract-team-decide", args=[change.pk])
    assert decide in client.get(url).content.decode()
    page = client.post(decide, {"decision": "approve", "note": ""})  # confirmation first
    assert page.status_code == 200 and "请确认：同意服务团队变更" in page.content.decode()
    change.refresh_from_db()
    assert change.status == ContractTeamChange.Status.PENDING
    client.post(decide, {"decision": "approve", "note": "", "confirmed": "1"})
    change.refresh_from_db()
    assert change.status == ContractTeamChange.Status.APPROVED


def test_outsiders_cannot_use_the_team_endpoints(client, world, workers, contract):
    change = team_change_request(contract=contract, actor=world.supplier_staff[0], action="add",
                                 worker=_profile(workers[2]), reason="补充")
    client.login(username=world.outsiders["purchaser"].username, password=DEFAULT_PASSWORD)
    assert client.post(reverse("procurement:contract-team-decide", args=[change.pk]),
                       {"decision": "approve"}).status_code == 404
    assert client.post(reverse("procurement:contract-team-request", args=[contract.pk]),
                       {"action": "add", "worker": _profile(workers[2]).pk,
                        "reason": "x"}).status_code == 404
    change.refresh_from_db()
    assert change.status == ContractTeamChange.Status.PENDING


def test_bidder_names_its_team_on_the_bid_form(client, world, workers):
    tender = tender_published(world)
    stranger = SocialWorkerProfileFactory(organization=world.suppliers[1])
    client.login(username=world.supplier_staff[0].username, password=DEFAULT_PASSWORD)
    url = reverse("procurement:bid-submit", args=[tender.pk])
    page = client.get(url).content.decode()
    assert _profile(workers[0]).certificate_number in page and "高级社会工作师" in page
    assert stranger.certificate_number not in page  # only the bidder's own social workers
    response = client.post(url, {"organization": world.suppliers[0].pk, "price": "270000.00",
                                 "proposal": "服务方案", "files": bid_files(),
                                 "team": [_profile(workers[0]).pk, _profile(workers[1]).pk]})
    assert response.status_code == 302
    bid = tender.bids.get(organization=world.suppliers[0])
    assert set(bid.team.all()) == {_profile(workers[0]), _profile(workers[1])}
    assert _profile(workers[1]).certificate_number in client.get(response.url).content.decode()


def test_the_bid_form_refuses_another_organizations_social_worker(client, world, workers):
    tender = tender_published(world)
    stranger = SocialWorkerProfileFactory(organization=world.suppliers[1])
    client.login(username=world.supplier_staff[0].username, password=DEFAULT_PASSWORD)
    response = client.post(reverse("procurement:bid-submit", args=[tender.pk]),
                           {"organization": world.suppliers[0].pk, "price": "270000.00",
                            "proposal": "服务方案", "files": bid_files(),
                            "team": [_profile(workers[0]).pk, stranger.pk]})
    assert response.status_code == 200
    assert response.context["form"].errors["team"]
    assert not tender.bids.exists()


def test_the_team_choices_are_built_only_when_used(world, workers):
    """TeamField.queryset_on_use: a bid without a team (every bid of a rush, mostly) never
    builds the choices; a chosen id, or the choices shown, does, once."""
    from procurement.forms import TeamField

    built = []

    def build():
        built.append(1)
        return SocialWorkerProfile.objects.filter(organization=world.suppliers[0])

    field = TeamField(queryset=SocialWorkerProfile.objects.none(), required=False)
    field.queryset_on_use(build)
    assert field.clean([]) == [] and field.clean(None) == [] and built == []
    chosen = _profile(workers[0])
    assert list(field.clean([str(chosen.pk)])) == [chosen] and built == [1]
    list(field.widget.choices)
    assert built == [1]  # built once, then kept

    shown = TeamField(queryset=SocialWorkerProfile.objects.none(), required=False)
    shown.queryset_on_use(build)
    assert {value.value for value, _label in shown.widget.choices} == {
        p.pk for p in SocialWorkerProfile.objects.filter(organization=world.suppliers[0])}
    assert built == [1, 1]


def test_team_endpoints_answer_ids_beyond_the_database_without_a_500(client, world, workers,
                                                                    contract):
    """A worker id beyond the database's range is an invalid choice, a change id beyond it no
    change (404); nothing is requested (issue 7 item 17)."""
    client.login(username=world.supplier_staff[0].username, password=DEFAULT_PASSWORD)
    response = client.post(reverse("procurement:contract-team-request", args=[contract.pk]),
                           {"action": "add", "worker": "9" * 20, "reason": "补充"})
    assert response.status_code == 302
    assert not ContractTeamChange.objects.exists()
    client.login(username=world.purchaser.username, password=DEFAULT_PASSWORD)
    assert client.post(reverse("procurement:contract-team-decide", args=[int("9" * 20)]),
                       {"decision": "approve"}).status_code == 404
