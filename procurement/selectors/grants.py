"""Reads about grants: what lists include through them, who holds them, who may receive them.

The lists a grant opens are filtered by scopes (``procurement.permissions.grants``:
``supervised_project_q``, ``evaluated_contract_q``), subqueries on guardian's tables inside the
list's own query, so a list asks no more queries with grants than without.
``project_grant_list`` and ``contract_grant_list`` answer the "who, what, since, by whom" of an
object page in four queries whatever the number of grants ("since" and "by whom" come from the
grant's audit row, the record of who gave it).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, QuerySet
from django.db.models.functions import Cast

from accounts.models import Organization
from accounts.roles import Role
from accounts.selectors import organization_members
from accounts.services.organization_groups import ORGANIZATION_GROUP_PREFIX
from procurement.models import Contract, ServiceProject
from procurement.permissions.grants import division_lineage_ids, project_delegate_id

# Audit actions written by procurement.services.grants, by granted codename.
GRANT_ACTIONS = {
    "handle_serviceproject": ("project.grant_delegate", "project.revoke_delegate"),
    "supervise_serviceproject": ("project.grant_supervision", "project.revoke_supervision"),
    "evaluate_contract": ("contract.grant_evaluation", "contract.revoke_evaluation"),
}


def project_purchaser_staff(project) -> QuerySet:
    """Return who hears for the purchaser about the project: its 经办人 while it has one.

    Every purchaser officer of the organization when the project is not delegated, or when the
    delegate no longer holds an active purchaser membership there (so that somebody notices and
    revokes the delegation).
    """
    staff = organization_members(project.purchaser, Role.PURCHASER)
    delegate_id = project_delegate_id(project)
    if delegate_id is not None:
        delegate = staff.filter(pk=delegate_id)
        if delegate.exists():
            return delegate
    return staff


def delegated_elsewhere_project_ids(user) -> QuerySet:
    """Return a subquery of the ids of projects delegated to someone other than the user."""
    from guardian.models import UserObjectPermission

    return (
        UserObjectPermission.objects.filter(
            content_type__app_label="procurement", content_type__model="serviceproject",
            permission__codename="handle_serviceproject",
        ).exclude(user_id=getattr(user, "pk", None))
        .annotate(project_id=Cast("object_pk", output_field=IntegerField())).values("project_id")
    )


# Who holds a grant ------------------------------------------------------------------------------

@dataclass
class GrantRow:
    """One current grant on an object page: who holds it, what it allows, since when, from whom."""

    codename: str
    label: str
    user: object = None  # the delegate
    organization: Organization | None = None  # the supervising or evaluating organization
    since: object = None
    granted_by: str = ""
    may_revoke: bool = False  # set by the page for the viewing user

    @property
    def holder(self) -> str:
        return str(self.organization or self.user)


def _grant_rows(obj, codenames: list[str]) -> list[GrantRow]:
    from guardian.models import GroupObjectPermission, UserObjectPermission

    from core.models import AuditEntry

    where = {
        "content_type__app_label": obj._meta.app_label,
        "content_type__model": obj._meta.model_name,
        "object_pk": str(obj.pk),
        "permission__codename__in": codenames,
    }
    user_rows = list(UserObjectPermission.objects.filter(**where)
                     .select_related("user", "permission").order_by("pk"))
    group_rows = list(GroupObjectPermission.objects.filter(
        group__name__startswith=ORGANIZATION_GROUP_PREFIX, **where,
    ).select_related("group", "permission").order_by("pk"))
    org_ids = [int(r.group.name[len(ORGANIZATION_GROUP_PREFIX):]) for r in group_rows]
    organizations = Organization.objects.in_bulk(org_ids)
    grant_actions = [GRANT_ACTIONS[c][0] for c in codenames if c in GRANT_ACTIONS]
    # The latest grant row of each (codename, holder): later ones supersede a revoked earlier one.
    audits = {}
    for entry in (AuditEntry.objects.filter(target_type=obj._meta.label_lower,
                                            target_id=str(obj.pk), action__in=grant_actions)
                  .order_by("id")):
        after = entry.after or {}
        audits[(after.get("permission"), after.get("user"), after.get("organization"))] = entry
    rows = []
    for r in user_rows:
        entry = audits.get((r.permission.codename, r.user_id, None))
        rows.append(GrantRow(codename=r.permission.codename, label=str(r.permission.name),
                             user=r.user, since=entry.created_at if entry else None,
                             granted_by=entry.actor_repr if entry else ""))
    for r, org_id in zip(group_rows, org_ids, strict=True):
        entry = audits.get((r.permission.codename, None, org_id))
        rows.append(GrantRow(codename=r.permission.codename, label=str(r.permission.name),
                             organization=organizations.get(org_id),
                             since=entry.created_at if entry else None,
                             granted_by=entry.actor_repr if entry else ""))
    return rows


def project_grant_list(*, project: ServiceProject) -> list[GrantRow]:
    """Return the project's current delegation and supervision grants (four queries)."""
    return _grant_rows(project, ["handle_serviceproject", "supervise_serviceproject"])


def contract_grant_list(*, contract: Contract) -> list[GrantRow]:
    """Return the contract's current third-party evaluation grants (four queries)."""
    return _grant_rows(contract, ["evaluate_contract"])


def _granted_organization_ids(obj, codename: str) -> list[int]:
    from guardian.models import GroupObjectPermission

    names = GroupObjectPermission.objects.filter(
        content_type__app_label=obj._meta.app_label, content_type__model=obj._meta.model_name,
        object_pk=str(obj.pk), permission__codename=codename,
        group__name__startswith=ORGANIZATION_GROUP_PREFIX,
    ).values_list("group__name", flat=True)
    return [int(name[len(ORGANIZATION_GROUP_PREFIX):]) for name in names]


# Who may receive one ----------------------------------------------------------------------------

def delegate_candidates(*, project: ServiceProject) -> QuerySet:
    """Return the users the project may be delegated to: active purchaser staff of its purchaser."""
    return organization_members(project.purchaser, Role.PURCHASER).order_by("real_name", "pk")


def supervisor_candidates(*, project: ServiceProject) -> QuerySet[Organization]:
    """Return the 纪检/审计 bodies over the purchaser's area not yet supervising the project."""
    return Organization.objects.filter(
        kind=Organization.Kind.SUPERVISOR, is_active=True,
        division_id__in=division_lineage_ids(project.purchaser.division),
    ).exclude(pk__in=_granted_organization_ids(project, "supervise_serviceproject")).order_by("name")


def evaluator_candidates(*, contract: Contract) -> QuerySet[Organization]:
    """Return the active third-party evaluation organizations not yet granted the contract."""
    return Organization.objects.filter(
        kind=Organization.Kind.EVALUATOR, is_active=True,
    ).exclude(pk__in=_granted_organization_ids(contract, "evaluate_contract")).order_by("name")


def organization_group_users(*, organization: Organization) -> QuerySet:
    """Return the active users of the organization (those its grants reach), to notify them."""
    return get_user_model().objects.filter(
        is_active=True, memberships__organization=organization, memberships__is_active=True,
    ).distinct()

