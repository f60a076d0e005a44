"""One auth group per organization that receives object grants, its members kept in sync.

django-guardian grants object permissions to users or groups, never to an organization. A grant
to an organization (a project's supervision to a 纪检/审计 body, a contract to a third-party
evaluator) is stored on the organization's group ``organization:<pk>``; the group holds exactly
the users with an active membership in the organization, whatever their role. The group is
created by the first grant to the organization (with its current members) and kept equal to the
memberships by ``membership_sync_groups``, the same path that keeps the role groups.
"""

from django.contrib.auth.models import Group

from accounts.models import Membership, Organization

ORGANIZATION_GROUP_PREFIX = "organization:"


def organization_group_name(organization_id: int) -> str:
    """Return the name of the group that stands for the organization in object grants."""
    return f"{ORGANIZATION_GROUP_PREFIX}{organization_id}"


def organization_group(*, organization: Organization) -> Group:
    """Return the organization's group, creating it with the organization's active members."""
    group, created = Group.objects.get_or_create(name=organization_group_name(organization.pk))
    if created:
        members = (Membership.objects.filter(organization=organization, is_active=True,
                                             user__is_active=True)
                   .values_list("user_id", flat=True).distinct())
        group.user_set.add(*members)
    return group


def organization_groups_sync(*, user) -> None:
    """Make the user's organization groups exactly the existing groups of their organizations."""
    wanted = {
        organization_group_name(org_id)
        for org_id in Membership.objects.filter(user=user, is_active=True,
                                                organization__isnull=False)
        .values_list("organization_id", flat=True)
    }
    current = set(user.groups.filter(name__startswith=ORGANIZATION_GROUP_PREFIX)
                  .values_list("name", flat=True))
    if current - wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    if wanted - current:
        # Only groups that exist: an organization without grants needs none.
        user.groups.add(*Group.objects.filter(name__in=wanted - current))
