"""Ties (并列): the purchaser's recorded random draw for bids the ranking could not tell apart."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from accounts.selectors import organization_members as members_of
from core import authz
from core.audit import audit_record
from core.exceptions import ServiceError
from core.notifications import notify
from evaluation.bid_report import evaluation_report_request
from evaluation.models import TieDraw
from evaluation.rules import draw_order, tied_groups
from procurement.models import Bid, Tender

RANKED_BID_STATUSES = (Bid.Status.SUBMITTED, Bid.Status.QUALIFIED)


def tender_ties(tender: Tender) -> dict[int, list[int]]:
    """Return {rank: bid ids ascending} for every rank that more than one ranked bid shares."""
    ranks = dict(Bid.objects.filter(tender=tender, status__in=RANKED_BID_STATUSES,
                                    rank__isnull=False).values_list("pk", "rank"))
    return tied_groups(ranks)


@transaction.atomic
def tie_draw(*, tender: Tender, actor, seed: str | None = None) -> TieDraw:
    """Order every tie in the evaluated tender's ranking by a recorded, replayable random draw.

    The tender's tie rule (87号令 57) has already been applied by the ranking; what it left equal
    is drawn here: seed and result are stored and audited, ``draw_order`` replays them. Ranks
    inside each tied group become consecutive in drawn order; the tied bidders are told.
    """
    tender = (Tender.objects.select_for_update(of=("self",)).select_related("project__purchaser")
              .get(pk=tender.pk))
    authz.require(actor, "procurement.award_tender", tender)
    if tender.status != Tender.Status.EVALUATED:
        raise ServiceError(_("只有评审完成、待定标的采购项目可以抽签确定并列排名。"), code="state")
    if TieDraw.objects.filter(tender=tender).exists():
        raise ServiceError(_("本项目已进行过随机抽签，结果不能重抽。"), code="drawn")
    groups = tender_ties(tender)
    if not groups:
        raise ServiceError(_("排名中没有并列的投标，无需抽签。"), code="no_tie")
    seed = (seed or "").strip() or secrets.token_hex(16)
    if len(seed) > TieDraw._meta.get_field("seed").max_length:
        raise ServiceError(_("随机种子过长。"), code="seed")
    bids = {b.pk: b for b in Bid.objects.filter(pk__in=[k for keys in groups.values() for k in keys])
            .select_related("organization")}
    record = []
    for rank, keys in groups.items():
        order = draw_order(keys, seed=seed, rank=rank)
        for offset, bid_id in enumerate(order):
            bids[bid_id].rank = rank + offset
        record.append({"rank": rank, "bids": keys, "order": order})
    Bid.objects.bulk_update(bids.values(), ["rank"])
    draw = TieDraw.objects.create(tender=tender, seed=seed, groups=record, drawn_by=actor,
                                  drawn_at=timezone.now())
    evaluation_report_request(tender)  # the report records the draw and the drawn order
    audit_record(actor=actor, action="tie.draw", target=tender,
                 before={"ranks": {str(g["rank"]): g["bids"] for g in record}},
                 after={"seed": seed, "groups": record})
    lines = "；".join(
        _("并列第%(rank)s名：%(names)s") % {
            "rank": g["rank"],
            "names": "、".join(f"{bids[b].organization.name}（第{bids[b].rank}名）" for b in g["order"])}
        for g in record)
    recipients = [user for bid in bids.values() for user in members_of(bid.organization, Role.SOCIAL_ORG)]
    notify(recipients=recipients,
           title=_("并列排名随机抽签结果：%(code)s") % {"code": tender.code},
           body=_("随机种子 %(seed)s。%(lines)s") % {"seed": seed, "lines": lines})
    return draw
