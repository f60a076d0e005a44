"""Which status changes exist for accounts' models: an organization's identity-change request.
Services move a status only through these transitions; docs/states.md is generated from them.
"""

from accounts.models import OrganizationIdentityChange
from core.states import StatusFlow, status_state

I = OrganizationIdentityChange.Status  # noqa: E741


class IdentityChangeStates(StatusFlow):
    """An organization asks to change its identity; a platform admin decides once."""

    model = OrganizationIdentityChange
    status = status_state(I)

    @status.transition(source=I.PENDING, target=I.APPROVED)
    def approve(self):
        """A platform admin other than the requester approves; the organization changes."""

    @status.transition(source=I.PENDING, target=I.REJECTED)
    def reject(self):
        """A platform admin rejects the request with a reason; nothing changes."""
