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

