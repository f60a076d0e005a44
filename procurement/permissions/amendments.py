"""Relationship rules for amendments (更正公告) and the bidders' re-confirmation.

Same shape as procurement.permissions: the purchaser (or its delegate) amends its tender; the
bidding organization's staff re-confirm its own bid. Platform admins and superusers get no
exception: they do not act in the chain.
"""

from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.authz import rule
from core.permissions import Decision, allow, deny
from procurement.permissions import _staff
from procurement.permissions.grants import purchaser_action


@rule("procurement.amend_tender")
def can_amend_tender(user, tender) -> Decision:
    """Return whether the user may publish an amendment of the tender (its purchaser's staff)."""
    return purchaser_action(user, tender.project, _("只有购买主体的工作人员可以发布更正公告。"))


@rule("procurement.reconfirm_bid")
def can_reconfirm_bid(user, bid) -> Decision:
    """Return whether the user may re-confirm the bid after an amendment (its bidder's staff)."""
    if _staff(user, Role.SOCIAL_ORG, bid.organization):
        return allow()
    return deny(_("只有投标机构的工作人员可以重新确认投标。"))
