"""Reads of the partner API that no page needs: the bidder's own bids, the tokens one may see."""

from django.db.models import Q, QuerySet

from accounts.roles import Role
from accounts.selectors import is_platform_admin, user_memberships
from api.models import ApiToken
from procurement.models import Bid


def own_bid_list(*, user) -> QuerySet[Bid]:
    """Return the bids of the user's social organizations (withdrawn ones too), newest first."""
    org_ids = {m.organization_id for m in user_memberships(user)
               if m.role == Role.SOCIAL_ORG and m.organization_id}
    # Only the user's own organizations' bids: decrypted for their bidder before opening.
    return (Bid.objects.unsealed().filter(organization_id__in=org_ids)
            .select_related("tender", "organization").order_by("-id"))


def token_list_for_user(*, user) -> QuerySet[ApiToken]:
    """Return the tokens the user may see (api.view_apitoken): all for platform admins, its
    organizations' for an organization head, and the user's own."""
    tokens = ApiToken.objects.select_related("user", "organization")
    if is_platform_admin(user):
        return tokens
    headed = [m.organization_id for m in user_memberships(user) if m.is_head and m.organization_id]
    return tokens.filter(Q(user_id=user.pk) | Q(organization_id__in=headed))
