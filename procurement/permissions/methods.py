"""Rules for the final-quote round (最后报价) of 磋商 and 谈判 (issue 7 item 10).

The purchaser opens and closes the round for the committee; a responsive bidder's staff submit
its final quote; a quote is read by its bidder, and by the purchaser once the round is closed
(sealed until then; evaluation adds the committee).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from core.authz import rule, scope
from core.permissions import Decision, allow, deny
from procurement.permissions import _purchaser_staff, _staff, org_ids


@rule("procurement.open_finalquoteround", "procurement.close_finalquoteround")
def can_run_final_quote_round(user, tender) -> Decision:
    """Return whether the user may open or close the tender's final-quote round (purchaser)."""
    return _purchaser_staff(user, tender.project, _("只有购买主体的工作人员可以组织最后报价。"))


@rule("procurement.submit_finalquote")
def can_submit_final_quote(user, bid) -> Decision:
    """Return whether the user may submit the bid's final quote (its organization's staff)."""
    if _staff(user, Role.SOCIAL_ORG, bid.organization):
        return allow()
    return deny(_("只有该供应商的工作人员可以提交最后报价。"))


@scope("procurement.view_finalquote", reason=_("无权查看该最后报价。"))
def final_quote_scope(user) -> Q:
    """Select the final quotes of the user's organizations, and the purchaser's once unsealed."""
    return (Q(bid__organization_id__in=org_ids(user, Role.SOCIAL_ORG))
            | Q(round__closed_at__isnull=False,
                round__tender__project__purchaser_id__in=org_ids(user, Role.PURCHASER)))
