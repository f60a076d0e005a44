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


def deny(reason) -> Decision:
    """Return a denying decision with a user-facing reason."""
    return Decision(False, str(reason))


def is_platform_admin(user) -> bool:
    """Return whether the user is a superuser or holds the platform admin role."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from accounts.roles import Role

    return (
        user.groups.filter(name=Role.ADMIN).exists()
        or user.memberships.filter(role=Role.ADMIN, is_active=True).exists()
    )
