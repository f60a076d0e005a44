"""Needs (需求征集): residents submit and support, community staff triage."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from procurement.models import Need, NeedCategory, NeedSupport
from procurement.services._common import link, staff_of
from procurement.states import NeedStates


def _need_url(need) -> str:
    return link("procurement:need-detail", need.pk, fallback=f"/procurement/needs/{need.pk}/")


@transaction.atomic
def need_submit(*, actor, community, title, category, target_group, description) -> Need:
    """Record a resident's need for the community and tell its staff."""
    authz.require(actor, "procurement.submit_need", Need(community=community))
    if community.kind != community.Kind.COMMUNITY:
        raise ServiceError(_("需求只能提交给社区。"), code="community")
    if category not in NeedCategory.values:
        raise ServiceError(_("请选择有效的需求类别。"), code="category")
    if not (title or "").strip() or not (description or "").strip():
        raise ServiceError(_("请填写需求标题和需求描述。"), code="required")
    need = Need.objects.create(
        title=title.strip(), category=category, target_group=target_group, community=community,
        description=description.strip(), submitted_by=actor,
    )
    audit_record(actor=actor, action="need.submit", target=need, before=None,
                 after={"status": need.status, "community": community.pk})
    notify(recipients=staff_of(community, Role.COMMUNITY),
           title=_("新的居民需求待处理：%(title)s") % {"title": need.title},
           body=need.description[:200], url=_need_url(need))
    return need


@transaction.atomic
def need_support(*, need, actor) -> NeedSupport:
    """Add the resident's support to the need (once per resident)."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    authz.require(actor, "procurement.support_need", need)
    if need.status not in (Need.Status.SUBMITTED, Need.Status.ACCEPTED):
        raise ServiceError(_("该需求已处理完毕，不能再支持。"), code="state")
    if NeedSupport.objects.filter(need=need, user=actor).exists():
        raise ServiceError(_("您已经支持过该需求。"), code="duplicate")
    try:
        with transaction.atomic():
            support = NeedSupport.objects.create(need=need, user=actor)
    except IntegrityError as exc:
        raise ServiceError(_("您已经支持过该需求。"), code="duplicate") from exc
    count = NeedSupport.objects.filter(need=need).count()
    audit_record(actor=actor, action="need.support", target=need,
                 before={"supporters": count - 1}, after={"supporters": count})
    return support


def _decide(*, need, actor, status, reason, merged_into=None, action) -> Need:
    before = {"status": need.status}
    transition = {Need.Status.ACCEPTED: "accept", Need.Status.MERGED: "merge",
                  Need.Status.DECLINED: "decline"}[status]
    getattr(NeedStates(need), transition)()
    need.decision_reason = (reason or "").strip()
    need.decided_by = actor
    need.decided_at = timezone.now()
    need.merged_into = merged_into
    need.save(update_fields=["status", "decision_reason", "decided_by", "decided_at",
                             "merged_into"])
    after = {"status": status, "reason": need.decision_reason}
    if merged_into is not None:
        after["merged_into"] = merged_into.pk
    audit_record(actor=actor, action=action, target=need, before=before, after=after)
    return need


def _locked_submitted(need) -> Need:
    need = Need.objects.select_for_update().select_related("community", "submitted_by").get(pk=need.pk)
    return need


def _require_submitted(need) -> None:
    if need.status != Need.Status.SUBMITTED:
        raise ServiceError(_("只有待处理的需求可以采纳、合并或不予采纳。"), code="state")


@transaction.atomic
def need_accept(*, need, actor, reason="") -> Need:
    """Accept a submitted need so it can be designed into a project."""
    need = _locked_submitted(need)
    authz.require(actor, "procurement.accept_need", need)
    _require_submitted(need)
    need = _decide(need=need, actor=actor, status=Need.Status.ACCEPTED, reason=reason,
                   action="need.accept")
    notify(recipients=[need.submitted_by],
           title=_("您提交的需求已被采纳：%(title)s") % {"title": need.title},
           body=need.decision_reason, url=_need_url(need))
    return need


@transaction.atomic
def need_merge(*, need, into, actor, reason="") -> Need:
    """Merge a submitted need into a duplicate need of the same community."""
    need = _locked_submitted(need)
    authz.require(actor, "procurement.merge_need", need)
    _require_submitted(need)
    into = Need.objects.select_for_update().get(pk=into.pk)
    if into.pk == need.pk:
        raise ServiceError(_("需求不能合并到自身。"), code="self")
    if into.community_id != need.community_id:
        raise ServiceError(_("只能合并到同一社区的需求。"), code="community")
    if into.status not in (Need.Status.SUBMITTED, Need.Status.ACCEPTED):
        raise ServiceError(_("只能合并到待处理或已采纳的需求。"), code="target_state")
    need = _decide(need=need, actor=actor, status=Need.Status.MERGED, reason=reason,
                   merged_into=into, action="need.merge")
    notify(recipients=[need.submitted_by],
           title=_("您提交的需求已与相同需求合并：%(title)s") % {"title": into.title},
           body=need.decision_reason, url=_need_url(into))
    return need


@transaction.atomic
def need_decline(*, need, actor, reason) -> Need:
    """Decline a submitted need with a public reason."""
    need = _locked_submitted(need)
    authz.require(actor, "procurement.decline_need", need)
    _require_submitted(need)
    if not (reason or "").strip():
        raise ServiceError(_("不予采纳须填写公开的理由。"), code="reason")
    need = _decide(need=need, actor=actor, status=Need.Status.DECLINED, reason=reason,
                   action="need.decline")
    notify(recipients=[need.submitted_by],
           title=_("您提交的需求未被采纳：%(title)s") % {"title": need.title},
           body=need.decision_reason, url=_need_url(need))
    return need
