"""Who may bid on an 邀请招标 or a 单一来源 (issue 7 item 10).

* 邀请招标: the purchaser names at least 3 suppliers at publication (87号令第14条: 从符合资格条件的
  供应商中…抽取3家以上供应商向其发出投标邀请书); only those invited may bid (法34).
* 单一来源: the purchaser names its one supplier at publication; the tender is the public notice
  (条例38: 公示期不少于5个工作日) and only that supplier may respond. The notice blocks the
  opening, hence the award: the deadline is at least 5 working days after publication
  (tenders.check_deadline, MIN_WORKING_DAYS) and can only move later; the supplier may submit
  its response during the notice.

The list is fixed at publication (``invitations_record``, called once from tender_publish) and
checked at each submission (``check_may_bid``, called once from bid_submit).
"""

from django.utils.translation import gettext as _

from accounts.models import Organization
from accounts.roles import Role
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Tender, TenderInvitation
from procurement.services._common import staff_of

Method = Tender.Method

# 87号令第14条: an invitation goes to at least 3 suppliers.
MIN_INVITED = 3
# Methods whose bidders are named at publication.
NAMED_METHODS = (Method.INVITED, Method.SINGLE_SOURCE)


def _organizations(organizations) -> list[Organization]:
    ids = []
    for org in organizations or ():
        try:
            pk = org.pk if isinstance(org, Organization) else int(org)
        except (TypeError, ValueError):
            raise ServiceError(_("受邀供应商无效。"), code="invited") from None
        if pk not in ids:
            ids.append(pk)
    found = {o.pk: o for o in Organization.objects.filter(pk__in=ids)}
    if len(found) != len(ids):
        raise ServiceError(_("受邀供应商无效。"), code="invited")
    return [found[pk] for pk in ids]


def invitations_record(*, tender, organizations, actor, at) -> list[TenderInvitation]:
    """Record the tender's invitation list (邀请招标) or its named supplier (单一来源).

    Refuses a list for another method, fewer than 3 invited for 邀请招标 (87号令14), other than
    exactly one supplier for 单一来源 (条例38), and any organization that is not an active social
    organization or that took part in the project's design (条例18). Notifies the invited.
    """
    orgs = _organizations(organizations)
    if tender.method not in NAMED_METHODS:
        if orgs:
            raise ServiceError(_("只有邀请招标和单一来源采购可以指定供应商。"), code="invited")
        return []
    if tender.method == Method.INVITED and len(orgs) < MIN_INVITED:
        raise ServiceError(
            _("邀请招标应当向%(n)d家以上符合资格条件的供应商发出投标邀请书"
              "（政府采购货物和服务招标投标管理办法第十四条），目前仅%(count)d家。")
            % {"n": MIN_INVITED, "count": len(orgs)}, code="invited_count")
    if tender.method == Method.SINGLE_SOURCE and len(orgs) != 1:
        raise ServiceError(_("单一来源采购应当在公示中载明唯一的供应商（政府采购法实施条例第三十八条）。"),
                           code="single_source_supplier")
    project = tender.project
    partners = set(project.design_partners.values_list("pk", flat=True)) | {project.community_id}
    for org in orgs:
        if org.kind != Organization.Kind.SOCIAL_ORG or not org.is_active:
            raise ServiceError(_("“%(name)s”不是有效的社会组织，不能受邀。") % {"name": org.name},
                               code="invited")
        if org.pk in partners:
            raise ServiceError(
                _("“%(name)s”参与了本项目的需求调研或项目设计，不得参加本项目采购"
                  "（政府采购法实施条例第十八条）。") % {"name": org.name}, code="design_partner")
    rows = TenderInvitation.objects.bulk_create(
        [TenderInvitation(tender=tender, organization=org, invited_at=at) for org in orgs])
    audit_record(actor=actor, action="tender.invite", target=tender,
                 after={"method": tender.method, "organizations": [o.pk for o in orgs]})
    recipients = []
    for org in orgs:
        recipients += list(staff_of(org, Role.SOCIAL_ORG))
    if tender.method == Method.INVITED:
        title = _("投标邀请书：%(code)s %(title)s") % {"code": tender.code, "title": tender.title}
    else:
        title = _("单一来源采购公示：%(code)s %(title)s") % {"code": tender.code,
                                                       "title": tender.title}
    from procurement.services.tenders import tender_url

    notify(recipients=recipients, title=title, url=tender_url(tender))
    return rows


def check_may_bid(tender, organization) -> None:
    """Refuse a bid from an organization the 邀请招标 did not invite (法34) or that is not the
    supplier named by the 单一来源 notice (条例38). Other methods are open to all."""
    if tender.method not in NAMED_METHODS:
        return
    if tender.invitations.filter(organization_id=organization.pk).exists():
        return
    if tender.method == Method.INVITED:
        raise ServiceError(_("本项目为邀请招标，只有收到投标邀请书的供应商可以投标（政府采购法第三十四条）。"),
                           code="not_invited")
    raise ServiceError(_("本项目为单一来源采购，只接受公示中载明的供应商的响应文件"
                         "（政府采购法实施条例第三十八条）。"), code="not_invited")


def invited_organizations(tender) -> list[Organization]:
    """Return the organizations invited (邀请招标) or named (单一来源) by the tender."""
    return [i.organization for i in tender.invitations.select_related("organization")]
