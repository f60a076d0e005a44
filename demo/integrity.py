"""Demo of a collusion signal (87号令第三十七条): two bids name the same contact phone, the opening
flags them for the committee, and a committee member records the finding, through the services.

``integrity_build(cast)`` walks one project to its budget with ``demo.stages``, then publishes
the tender, takes three bids (two of them giving one phone number), opens them, draws the
committee and records the finding; the experts are left scoring. Skipped when the project exists.
"""

import datetime
from decimal import Decimal

from django.db import transaction

from accounts.roles import Role
from demo.cast import Cast
from demo.projects import BID_DOCUMENTS, CRITERIA, PRICE_WEIGHT, ProjectSpec, bid_documents
from demo.stages import (
    BID_DEADLINE_DAYS,
    Clock,
    _flow,
    _flow_opened,
    build_project_at_stage,
    stage_start,
)
from evaluation.services.committees import committee_form
from procurement.models import BidFlag, ServiceProject, Tender
from procurement.services.bids import bid_submit, bids_open
from procurement.services.collusion import bid_flag_decide
from procurement.services.tenders import tender_publish

INTEGRITY_SPEC = ProjectSpec(
    title="学院社区“乐龄课堂”老年教育服务项目",
    need_title="老年人希望学习书法、智能手机等课程",
    need_description="学院社区退休教职工较多，希望社区常年开设书法、摄影、智能手机等老年课程。",
    category="elderly", target_group="60岁以上社区居民",
    objectives="开设老年课堂和兴趣小组，提升老年人数字素养和社会参与。",
    community="学院社区", bidders=("yilin", "chunhui", "hemei"),
)
# (bidder key, price, contact person, contact phone, project manager): the first two give the
# incubator's shared phone, which the opening flags (87号令 37(三)).
BIDS = [
    ("yilin", Decimal("187600.00"), "孙老师", "0554-6661234", "孙丽"),
    ("chunhui", Decimal("192300.00"), "赵老师", "0554-6661234", "赵强"),
    ("hemei", Decimal("196900.00"), "钱老师", "0554-6670001", "钱敏"),
]
FINDING = ("两家机构均入驻学院社区社会组织孵化基地，所留电话为孵化基地前台公共电话；经核实两家"
           "机构的联系人、项目负责人和投标文件编制人员均不相同，不构成串通投标。")


def integrity_build(cast: Cast) -> None:
    """Build the flagged tender once (see the module)."""
    if ServiceProject.objects.filter(title=INTEGRITY_SPEC.title).exists():
        return
    with transaction.atomic():
        start = stage_start("committee_formed")
        build = build_project_at_stage("budget_confirmed", cast=cast, spec=INTEGRITY_SPEC,
                                       start=start)
        with Clock(start) as clock:
            published = clock.at("tender_publish")
            build.tender = tender_publish(
                project=build.project, actor=build.purchaser_staff,
                method=Tender.Method.CONSULTATION,
                bid_deadline=published + datetime.timedelta(days=BID_DEADLINE_DAYS),
                price_weight=PRICE_WEIGHT, criteria=CRITERIA, required_documents=BID_DOCUMENTS,
                eligibility="依法登记的社会组织；上年度年检合格。", tie_rule=Tender.TieRule.TECHNICAL)
            _flow(build, "publish", build.purchaser_staff)
            for index, (key, price, person, phone, manager) in enumerate(BIDS):
                clock.at("bid_submit", minutes=45 * index)
                organization = cast.social_orgs[key]
                build.bids[key] = bid_submit(
                    tender=build.tender, actor=cast.one(Role.SOCIAL_ORG, organization),
                    organization=organization, price=price,
                    documents=bid_documents(organization),
                    proposal=f"{organization.name}服务方案：每周开设老年课堂两次，组建兴趣小组。",
                    contact_person=person, contact_phone=phone, project_manager=manager)
            clock.at("bids_open")
            build.tender = bids_open(tender=build.tender, actor=None)
            _flow_opened(build)
            clock.at("committee_form")
            build.committee = committee_form(tender=build.tender, actor=build.purchaser_staff,
                                             seed=f"demo-{build.project.code}")
            _flow(build, "form_committee", build.purchaser_staff)
            clock.at("committee_form", minutes=40)
            member = build.committee.members.order_by("-is_chair", "pk").first()
            for flag in BidFlag.objects.filter(tender=build.tender,
                                               kind=BidFlag.Kind.SAME_CONTACT):
                bid_flag_decide(flag=flag, actor=member.expert,
                                decision=BidFlag.Decision.CLEARED, note=FINDING)
