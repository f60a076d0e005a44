"""The social-work team a bid promises and the contract names (issue 7 item 17).

The bidder names its team from its own 持证社工 (SocialWorkerProfile: level and certificate
number) when it submits; the contract copies the winning bid's team when it is drafted
(award_confirm), keeping name, level and certificate number as promised. The team changes only
when the supplier asks (team_change_request) and the purchaser approves (team_change_approve) or
refuses (team_change_refuse), each audited. delivery accepts service records only from the
contract's current team members (delivery.services.records.service_record_add).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import SocialWorkerProfile
from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Contract, ContractTeamChange, ContractTeamMember
from procurement.selectors.grants import project_purchaser_staff
from procurement.services._common import link, staff_of
from procurement.states import ContractTeamChangeStates

OPEN_CONTRACT_STATUSES = (Contract.Status.DRAFT, Contract.Status.SIGNED)


def _url(contract) -> str:
    return link("procurement:contract-detail", contract.pk,
                fallback=f"/procurement/contracts/{contract.pk}/")


def check_bid_team(organization, team) -> list[SocialWorkerProfile]:
    """Return the bid's promised team: the bidder's own social workers, each once."""
    workers = list(dict.fromkeys(team or []))
    workers = [w if isinstance(w, SocialWorkerProfile) else SocialWorkerProfile.objects.get(pk=w)
               for w in workers]
    foreign = [w for w in workers if w.organization_id != organization.pk]
    if foreign:
        raise ServiceError(_("服务团队只能由本机构的持证社工组成。"), code="team")
    return workers


def member_snapshot(member: ContractTeamMember) -> dict:
    return {"worker": member.worker_id, "name": member.name,
            "qualification": member.qualification,
            "certificate_number": member.certificate_number}


def _join(contract, worker: SocialWorkerProfile, at) -> ContractTeamMember:
    return ContractTeamMember.objects.create(
        contract=contract, worker=worker, name=worker.user.display_name,
        qualification=worker.qualification, certificate_number=worker.certificate_number,
        joined_at=at)


def contract_team_copy(*, contract: Contract, bid, at) -> list[ContractTeamMember]:
    """Copy the winning bid's promised team into the contract being drafted (in its transaction)."""
    return [_join(contract, worker, at)
            for worker in bid.team.select_related("user").order_by("pk")]


def active_team(contract: Contract):
    """Return the contract's current team members (not left)."""
    return contract.team.filter(left_at__isnull=True).select_related("worker__user")


def is_team_member(contract: Contract, user) -> bool:
    """Return whether user is one of the contract's current team members."""
    return contract.team.filter(left_at__isnull=True, worker__user=user).exists()


@transaction.atomic
def team_change_request(*, contract: Contract, actor, action: str, worker: SocialWorkerProfile,
                        reason: str) -> ContractTeamChange:
    """Ask the purchaser to add one of the supplier's social workers to, or remove one from, the
    contract's service team; nothing changes until the purchaser approves."""
    contract = Contract.objects.select_for_update().select_related(
        "project", "purchaser", "supplier").get(pk=contract.pk)
    change = ContractTeamChange(contract=contract, action=action, worker=worker,
                                reason=(reason or "").strip())
    authz.require(actor, "procurement.request_contractteamchange", change)
    if contract.status not in OPEN_CONTRACT_STATUSES:
        raise ServiceError(_("合同已履约完毕或已解除，不能变更服务团队。"), code="state")
    if action not in ContractTeamChange.Action.values:
        raise ServiceError(_("请选择变更类型。"), code="action")
    if not change.reason:
        raise ServiceError(_("请填写变更理由。"), code="reason")
    member = contract.team.filter(left_at__isnull=True, worker=worker).exists()
    if action == ContractTeamChange.Action.ADD:
        if worker.organization_id != contract.supplier_id:
            raise ServiceError(_("服务团队只能由本机构的持证社工组成。"), code="team")
        if member:
            raise ServiceError(_("该社工已是本合同服务团队成员。"), code="member")
    elif not member:
        raise ServiceError(_("该社工不是本合同服务团队成员。"), code="member")
    if contract.team_changes.filter(worker=worker,
                                    status=ContractTeamChange.Status.PENDING).exists():
        raise ServiceError(_("该社工已有待审批的变更申请。"), code="pending")
    change.requested_by = actor
    change.requested_at = timezone.now()
    change.save()
    audit_record(actor=actor, action="contract.team_change_request", target=contract,
                 after={"change": change.pk, "action": action, "worker": worker.pk,
                        "certificate_number": worker.certificate_number,
                        "reason": change.reason})
    notify(recipients=project_purchaser_staff(contract.project),
           title=_("服务团队变更待审批：%(code)s") % {"code": contract.code},
           body=_("%(action)s：%(name)s（%(level)s，证书编号%(cert)s）。理由：%(reason)s") % {
               "action": change.get_action_display(), "name": worker.user.display_name,
               "level": worker.get_qualification_display(), "cert": worker.certificate_number,
               "reason": change.reason},
           url=_url(contract))
    return change


def _locked_change(change: ContractTeamChange) -> ContractTeamChange:
    return (ContractTeamChange.objects.select_for_update(of=("self",))
            .select_related("contract__project", "contract__supplier", "worker__user")
            .get(pk=change.pk))


def _decided(change, actor, note, action):
    change.decided_by = actor
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    notify(recipients=staff_of(change.contract.supplier, Role.SOCIAL_ORG),
           title=_("服务团队变更%(result)s：%(code)s") % {
               "result": change.get_status_display(), "code": change.contract.code},
           body=_("%(action)s：%(name)s。%(note)s") % {
               "action": change.get_action_display(), "name": change.worker.user.display_name,
               "note": note},
           url=_url(change.contract))
    audit_record(actor=actor, action=action, target=change.contract,
                 before={"change": change.pk, "status": ContractTeamChange.Status.PENDING},
                 after={"change": change.pk, "status": change.status, "note": note,
                        "team": [member_snapshot(m) for m in active_team(change.contract)]})


@transaction.atomic
def team_change_approve(*, change: ContractTeamChange, actor, note: str = "") -> ContractTeamChange:
    """Approve the request: the social worker joins the team, or leaves it (the purchaser)."""
    change = _locked_change(change)
    authz.require(actor, "procurement.decide_contractteamchange", change)
    if change.status != ContractTeamChange.Status.PENDING:
        raise ServiceError(_("该变更申请已处理。"), code="state")
    contract = change.contract
    if contract.status not in OPEN_CONTRACT_STATUSES:
        raise ServiceError(_("合同已履约完毕或已解除，不能变更服务团队。"), code="state")
    now = timezone.now()
    current = contract.team.filter(left_at__isnull=True, worker=change.worker).first()
    if change.action == ContractTeamChange.Action.ADD:
        if current is None:
            _join(contract, change.worker, now)
    elif current is not None:
        current.left_at = now
        current.save(update_fields=["left_at"])
    ContractTeamChangeStates(change).approve()
    _decided(change, actor, (note or "").strip(), "contract.team_change_approve")
    return change


@transaction.atomic
def team_change_refuse(*, change: ContractTeamChange, actor, note: str) -> ContractTeamChange:
    """Refuse the request with a reason; the team stays as it is (the purchaser)."""
    change = _locked_change(change)
    authz.require(actor, "procurement.decide_contractteamchange", change)
    if change.status != ContractTeamChange.Status.PENDING:
        raise ServiceError(_("该变更申请已处理。"), code="state")
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("请填写不同意的理由。"), code="note")
    ContractTeamChangeStates(change).refuse()
    _decided(change, actor, note, "contract.team_change_refuse")
    return change
