"""Service records (服务台账) written by the supplier's social workers."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from delivery.models import ServiceRecord
from delivery.permissions import social_worker_profile
from procurement.models import Contract, Deliverable
from procurement.services.teams import is_team_member

TYPE_PREFIX = {
    Deliverable.ActivityType.LARGE_EVENT: "LEV",
    Deliverable.ActivityType.SMALL_EVENT: "SEV",
    Deliverable.ActivityType.CASE: "CASE",
    Deliverable.ActivityType.GROUP: "GRP",
    Deliverable.ActivityType.VOLUNTEER: "VOL",
    Deliverable.ActivityType.OTHER: "OTH",
}


def record_deadline(served_on: dt.date) -> dt.datetime:
    """Return the aware moment after which a record for served_on is late (end of day + N hours)."""
    tz = timezone.get_default_timezone()  # Asia/Shanghai
    end_of_day = dt.datetime.combine(served_on + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return end_of_day + dt.timedelta(hours=settings.PLATFORM_RULES["SERVICE_RECORD_DEADLINE_HOURS"])


def site_code(contract: Contract, site: str) -> str:
    """Return the contract-local site number (S01, S02, … in order of first use)."""
    seen: list[str] = []
    for name in contract.service_records.order_by("id").values_list("site", flat=True):
        if name not in seen:
            seen.append(name)
    index = seen.index(site) + 1 if site in seen else len(seen) + 1
    return f"S{index:02d}"


def record_code(*, contract: Contract, deliverable: Deliverable, served_on: dt.date, site: str, user) -> str:
    """Return a fresh record code like CASE-C001-20260302-S01-W01 (suffixed -2, -3 … if taken)."""
    profile = social_worker_profile(user)
    worker = (profile.code if profile and profile.code else f"U{user.pk}")
    base = "-".join([TYPE_PREFIX.get(deliverable.activity_type, "OTH"), f"C{contract.pk:03d}",
                     served_on.strftime("%Y%m%d"), site_code(contract, site), worker])
    taken = set(ServiceRecord.objects.filter(code__startswith=base).values_list("code", flat=True))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


@transaction.atomic
def service_record_add(*, contract: Contract, actor, deliverable: Deliverable, served_on: dt.date, site: str,
                       participants: int, description: str) -> ServiceRecord:
    """Record one service delivered under a signed contract."""
    contract = Contract.objects.select_for_update(of=("self",)).select_related("supplier", "project").get(
        pk=contract.pk)
    authz.require(actor, "delivery.add_servicerecord", ServiceRecord(contract=contract))
    if contract.status != Contract.Status.SIGNED:
        raise ServiceError(_("合同签订后、履约完成前才能填写服务台账。"), code="state")
    # The contract names its social-work team (issue 7 item 17): only its current members
    # record. A contract drafted from a bid that named no team keeps the supplier's rule above.
    if contract.team.exists() and not is_team_member(contract, actor):
        raise ServiceError(_("只有本合同服务团队的成员可以填写服务台账；"
                             "团队变更须经采购人同意。"), code="team")
    if deliverable.project_id != contract.project_id:
        raise ServiceError(_("该服务产出不属于本合同。"), code="deliverable")
    now = timezone.now()
    today = timezone.localdate(now)
    if served_on > today:
        raise ServiceError(_("服务日期不能晚于今天。"), code="served_on")
    if served_on < contract.start_date:
        raise ServiceError(_("服务日期早于合同服务开始日期。"), code="served_on")
    site = (site or "").strip()
    if not site:
        raise ServiceError(_("请填写服务地点。"), code="site")
    if int(participants) <= 0:
        raise ServiceError(_("服务人数应大于0。"), code="participants")
    record = ServiceRecord.objects.create(
        contract=contract, deliverable=deliverable,
        code=record_code(contract=contract, deliverable=deliverable, served_on=served_on, site=site, user=actor),
        served_on=served_on, site=site, participants=int(participants), description=description,
        social_worker=actor, recorded_at=now, is_late=now > record_deadline(served_on),
    )
    audit_record(actor=actor, action="service_record.add", target=record,
                 after={"code": record.code, "deliverable": deliverable.pk, "is_late": record.is_late})
    return record


@transaction.atomic
def service_record_confirm(*, record: ServiceRecord, actor) -> ServiceRecord:
    """Confirm a service record as community staff (optional check of delivery)."""
    record = ServiceRecord.objects.select_for_update(of=("self",)).select_related(
        "contract__project__community").get(pk=record.pk)
    authz.require(actor, "delivery.confirm_servicerecord", record)
    if record.confirmed_at is not None:
        raise ServiceError(_("该台账已确认。"), code="state")
    record.confirmed_by, record.confirmed_at = actor, timezone.now()
    record.save(update_fields=["confirmed_by", "confirmed_at"])
    audit_record(actor=actor, action="service_record.confirm", target=record, after={"confirmed": True})
    return record

