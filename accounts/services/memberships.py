"""Grant and revoke roles; keep each user's role and organization groups equal to their memberships."""

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import Membership, Organization
from accounts.roles import Role
from accounts.selectors import user_memberships_reset
from accounts.services.organization_groups import organization_groups_sync
from core import authz
from core.audit import audit_record


def membership_sync_groups(*, user) -> None:
    """Make the user's role groups exactly the roles of their active memberships."""
    active = set(
        Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)
    )
    role_names = [r.value for r in Role]
    current = set(user.groups.filter(name__in=role_names).values_list("name", flat=True))
    if current - active:
        user.groups.remove(*Group.objects.filter(name__in=current - active))
    if active - current:
        missing = active - current
        groups = list(Group.objects.filter(name__in=missing))
        for name in missing - {g.name for g in groups}:
            groups.append(Group.objects.create(name=name))
        user.groups.add(*groups)
    organization_groups_sync(user=user)
    user_memberships_reset(user)


def _check_actor(actor, organization, role) -> None:
    # actor=None is the system itself (data loading, management commands), never a request.
    if actor is None:
        return
    authz.require(actor, "accounts.grant_membership",
                  Membership(organization=organization, role=role))


@transaction.atomic
def membership_grant(
    *, user, organization: Organization | None, role: str, actor, is_head: bool = False
) -> Membership:
    """Give user role in organization (reactivating a revoked membership), audited.

    ``is_head`` marks the membership as the organization's head (负责人), to whom overdue tasks
    are escalated; granting an active membership again leaves the flag as it is.
    """
    _check_actor(actor, organization, role)
    membership = Membership.objects.filter(
        user=user, organization=organization, role=role
    ).first()
    created = membership is None
    if created:
        membership = Membership(user=user, organization=organization, role=role,
                                is_head=is_head)
    elif membership.is_active:
        return membership
    membership.is_active = True
    membership.full_clean(validate_unique=False, validate_constraints=False)
    if created:
        membership.save()
    else:
        membership.is_head = is_head
        membership.save(update_fields=["is_active", "is_head"])
    membership_sync_groups(user=user)
    audit_record(
        actor=actor, action="membership.grant", target=membership,
        after={"user": user.pk, "organization": membership.organization_id, "role": role,
               "is_head": membership.is_head},
    )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor) -> Membership:
    """Deactivate a membership and drop the role group if no other membership keeps it."""
    _check_actor(actor, membership.organization, membership.role)
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    membership_sync_groups(user=membership.user)
    audit_record(
        actor=actor, action="membership.revoke", target=membership,
        before={"is_active": True}, after={"is_active": False},
    )
    return membership


def membership_validate(*, user, organization, role) -> None:
    """Raise ValidationError when role cannot be held in organization."""
    Membership(user=user, organization=organization, role=role).clean()



@transaction.atomic
def membership_update(*, membership: Membership, actor) -> Membership:
    """Save an edited membership (role, organization, active and head flags), audited, groups
    in sync."""
    stored = Membership.objects.select_for_update().get(pk=membership.pk)
    _check_actor(actor, stored.organization, stored.role)
    _check_actor(actor, membership.organization, membership.role)
    membership.full_clean(validate_unique=False, validate_constraints=False)
    membership.save(update_fields=["organization", "role", "is_active", "is_head"])
    membership_sync_groups(user=membership.user)
    fields = ("organization_id", "role", "is_active", "is_head")
    audit_record(
        actor=actor, action="membership.update", target=membership,
        before={f: getattr(stored, f) for f in fields},
        after={f: getattr(membership, f) for f in fields},
    )
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor) -> None:
    """Delete a membership row (prefer revoking), audited, groups in sync."""
    _check_actor(actor, membership.organization, membership.role)
    user = membership.user
    audit_record(
        actor=actor, action="membership.delete", target=membership,
        before={"user": user.pk, "organization": membership.organization_id,
                "role": membership.role, "is_active": membership.is_active},
    )
    membership.delete()
    membership_sync_groups(user=user)
