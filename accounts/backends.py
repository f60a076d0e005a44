"""Django's model permissions, with the role groups following the memberships."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class MembershipModelBackend(ModelBackend):
    """Count a role group's permissions only while the user holds an active membership of it.

    Role groups mirror the memberships (``membership_sync_groups``), but a user can be put in a
    group by hand; the membership is what makes a role, so a user only in the "admin" group is
    not an admin anywhere, the admin site included. Other groups count as in Django.
    """

    def has_perm(self, user_obj, perm, obj=None):
        """Leave a name that has a platform rule to the rules (core.authz.RuleBackend) alone.

        Otherwise a superuser would hold a ruled model-level name through Django's "all
        permissions", and every check would load the user's permission tables for nothing.
        """
        from core.authz import registered_rules

        if registered_rules(perm):
            return False
        return super().has_perm(user_obj, perm, obj)

    def get_user(self, user_id):
        """Return the session's user with its active memberships read in the same statement
        (accounts.selectors.user_with_memberships): nearly every request asks its roles."""
        from accounts.selectors import user_with_memberships

        user = user_with_memberships(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _get_group_permissions(self, user_obj):
        from accounts.roles import Role
        from accounts.selectors import user_roles

        not_held = {role.value for role in Role} - user_roles(user_obj)
        return Permission.objects.filter(group__in=user_obj.groups.exclude(name__in=not_held))


class LoginAttemptBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first among the backends; it logs nobody in.

    Every web login (the login page, the admin site) passes its request, and that is what is
    throttled. A call without a request (the test client's ``login()``, a shell) has no client
    address to lock and is left to the next backends instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
