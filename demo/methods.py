"""Procurement methods in the demo (issue 7 item 10), built through the services:

* a 竞争性磋商 whose final-quote round (最后报价, 磋商办法21) is done: opened by the purchaser
  after the committee was drawn, every responsive bidder quoted, the quotes unsealed; the
  experts score next, with the final quotes as prices;
* an 邀请招标 published with its invitation list (three suppliers, 法34, 87号令14), bids ahead.
"""

import dataclasses
import datetime
from decimal import Decimal

import time_machine
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from demo.cast import Cast
from demo.projects import CRITERIA, PRICE_WEIGHT, PROJECTS
from demo.stages import build_project_at_stage, flow_task_complete, stage_start
from procurement.models import ServiceProject, Tender
from procurement.services.final_quotes import final_quote_round_open, final_quote_submit
from procurement.services.tenders import tender_publish

FINAL_QUOTE_SPEC = dataclasses.replace(
    PROJECTS[6], title="学院社区“阳光少年”暑期成长营项目（竞争性磋商·最后报价）",
    need_title="青少年暑期缺少安全有益的去处")
INVITED_SPEC = dataclasses.replace(
    PROJECTS[7], title="龙泉社区志愿者骨干培训项目（邀请招标）",
    need_title="社区志愿者骨干缺少系统培训")
# Each bidder's final quote as a share of its response price: the second bidder comes down most.
FINAL_QUOTE_SHARES = (Decimal("0.97"), Decimal("0.93"), Decimal("0.99"))


def methods_build(cast: Cast) -> None:
    """Build the 磋商 with its final-quote round and the 邀请招标; skip what already exists."""
    if not ServiceProject.objects.filter(title=FINAL_QUOTE_SPEC.title).exists():
        with transaction.atomic():
            _final_quote_consultation(cast)
    if not ServiceProject.objects.filter(title=INVITED_SPEC.title).exists():
        with transaction.atomic():
            _invited_tender(cast)


def _final_quote_consultation(cast: Cast) -> None:
    # Two days earlier than a plain "committee_formed" build, so the round fits before now.
    start = stage_start("committee_formed") - datetime.timedelta(days=2)
    build = build_project_at_stage("committee_formed", cast=cast, spec=FINAL_QUOTE_SPEC,
                                   start=start)
    opened = timezone.localtime(build.tender.opened_at).replace(hour=15, minute=0)
    with time_machine.travel(opened, tick=False) as traveller:
        round_ = final_quote_round_open(tender=build.tender, actor=build.purchaser_staff,
                                        deadline=opened + datetime.timedelta(days=1))
        for index, (key, bid) in enumerate(build.bids.items()):
            traveller.move_to(opened + datetime.timedelta(hours=1, minutes=20 * index))
            share = FINAL_QUOTE_SHARES[index % len(FINAL_QUOTE_SHARES)]
            organization = cast.social_orgs[key]
            final_quote_submit(round=round_, actor=cast.one(Role.SOCIAL_ORG, organization),
                               organization=organization,
                               price=str((bid.price * share).quantize(Decimal("1.00"))))


def _invited_tender(cast: Cast) -> None:
    build = build_project_at_stage("budget_confirmed", cast=cast, spec=INVITED_SPEC)
    now = timezone.localtime()
    invited = [cast.social_orgs[key] for key in INVITED_SPEC.bidders]
    tender_publish(
        project=build.project, actor=build.purchaser_staff, method=Tender.Method.INVITED,
        bid_deadline=(now + datetime.timedelta(days=21)).replace(hour=9, minute=30, second=0,
                                                                 microsecond=0),
        price_weight=PRICE_WEIGHT, criteria=CRITERIA,
        eligibility="依法登记的社会组织；收到投标邀请书。", invited=invited,
    )
    flow_task_complete(node_name="publish", user=build.purchaser_staff, project=build.project)

