"""The permission decision type shared by every app's predicates."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The answer of a permission predicate: whether it is allowed and, if not, why."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


def allow() -> Decision:
    """Return an allowing decision."""
    return Decision(True)


# accounts.roles.Role.ADMIN: core sits below accounts and imports nothing from it
# (tests/core/test_permissions.py holds the two equal).
PLATFORM_ADMIN_ROLE = "admin"


def deny(reason) -> Decision:
    """Return a denying decision with a user-facing reason."""
    return Decision(False, str(reason))


def is_platform_admin(user) -> bool:
    """Return whether the user is a superuser or holds the platform admin role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return (
        user.groups.filter(name=PLATFORM_ADMIN_ROLE).exists()
        or user.memberships.filter(role=PLATFORM_ADMIN_ROLE, is_active=True).exists()
    )
