"""Who to notify: the active users holding a role in an organization."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.selectors import organization_members as members_of

__all__ = ["finance_staff_for_contract", "members_of"]


def finance_staff_for_contract(contract) -> QuerySet:
    """Return the finance staff of the bureau whose envelope funds the contract's project."""
    from accounts.roles import Role
    from finance.models import BudgetCommitment

    commitment = (
        BudgetCommitment.objects.select_related("envelope__finance_bureau")
        .filter(project_id=contract.project_id).first()
    )
    if commitment is None:
        return get_user_model().objects.none()
    return members_of(commitment.envelope.finance_bureau, Role.FINANCE)
