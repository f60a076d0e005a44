"""What the demo's projects are about: their needs, designs, bidders and scores.

A ``ProjectSpec`` is the content of one project (title, need, community, bidders);
``project_rows`` designs its deliverables, indicators and budget lines; ``CRITERIA``,
``PRICE_WEIGHT`` and ``PARTY_SCORES`` are what the tender and the performance evaluation use.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile


@dataclass(frozen=True)
class ProjectSpec:
    """What one demo project is about and who takes part in it."""

    title: str
    need_title: str
    need_description: str
    category: str
    target_group: str
    objectives: str
    community: str  # community division name in the cast
    bidders: tuple  # social-org keys, the first one wins
    funding_source: str = "fiscal"
    budget: Decimal = Decimal("200000.00")
    duration_months: int = 3
    design_partners: tuple = ()
    committee_size: int | None = None  # None: the legal minimum for the method
    # The first two bidders offer the same price and get the same scores: a tie (并列) that the
    # tender's tie rule (随机抽签) leaves to the purchaser's recorded draw before the award.
    tie: bool = False
    # 采购方式: 竞争性磋商 for most; the fully walked project is a 公开招标 (its committee is five,
    # 87号令 47, and the pool must seat it before publication).
    method: str = "consultation"


PROJECTS = [
    ProjectSpec(
        title="龙泉社区“银龄乐享”居家养老服务项目",
        need_title="社区独居老人缺少日常照料和陪伴",
        need_description="龙泉社区60岁以上独居老人约120人，子女多在外地，希望有人定期上门探访、"
                         "陪同就医，并组织老年人文体活动。",
        category="elderly", target_group="60岁以上独居、空巢老人",
        objectives="为独居、空巢老人提供探访关怀、个案服务和社区文体活动，提升老人生活质量和社会参与。",
        community="龙泉社区", bidders=("yangguang", "hemei", "chunhui"),
    ),
    ProjectSpec(
        title="淮滨社区“七彩童年”困境儿童关爱项目",
        need_title="双职工家庭孩子放学后无人看护",
        need_description="淮滨社区双职工和困境家庭较多，孩子放学后无人辅导作业、缺少安全的活动场所。",
        category="children", target_group="6—14岁困境儿童和留守儿童",
        objectives="开展课后托管、成长小组和亲子活动，为困境儿童提供个案关爱。",
        community="淮滨社区", bidders=("hemei", "chunhui", "yilin"),
        funding_source="lottery", budget=Decimal("160000.00"),
    ),
    ProjectSpec(
        title="学院社区“邻里守望”社区治理项目",
        need_title="小区邻里关系淡漠，楼道公共事务无人管",
        need_description="学院社区老旧小区多，楼道堆物、停车纠纷频发，居民希望建立楼栋自治和志愿服务队伍。",
        category="governance", target_group="老旧小区居民、楼栋长和志愿者",
        objectives="培育楼栋自治组织和志愿服务队，开展议事协商和邻里互助活动。",
        community="学院社区", bidders=("chunhui", "yangguang", "yilin"),
    ),
    ProjectSpec(
        title="龙泉社区残疾人康复与就业支持项目",
        need_title="残疾人康复训练和就业信息缺乏",
        need_description="社区持证残疾人约80人，康复训练要到市里，就业信息获取困难。",
        category="disability", target_group="持证残疾人及其家庭",
        objectives="提供社区康复指导、就业能力小组和家庭支持个案服务。",
        community="龙泉社区", bidders=("yilin", "yangguang", "hemei"),
        budget=Decimal("180000.00"),
    ),
    ProjectSpec(
        title="学院社区“心灵驿站”心理健康服务项目",
        need_title="青少年和老年人心理疏导需求增多",
        need_description="学院社区居民希望有专业社工提供心理健康讲座、情绪疏导和危机干预转介。",
        category="health", target_group="青少年、老年人及其家庭",
        objectives="开展心理健康宣传、情绪支持小组和个案辅导，建立社区心理服务站。",
        community="学院社区", bidders=("yangguang", "yilin", "hemei"), method="open",
    ),
    ProjectSpec(
        title="淮滨社区“文化惠民”邻里节项目",
        need_title="社区缺少适合全年龄段的文化活动",
        need_description="淮滨社区新建小区入住率提高，居民希望举办邻里节、书画、广场舞等文化活动。",
        category="culture", target_group="社区全体居民",
        objectives="举办邻里文化节和常态化文体活动，培育社区文体骨干队伍。",
        community="淮滨社区", bidders=("hemei", "chunhui", "yangguang"),
        budget=Decimal("150000.00"), tie=True,
    ),
    ProjectSpec(
        title="学院社区“阳光少年”青少年成长支持项目",
        need_title="青少年课余缺少成长辅导",
        need_description="学院社区青少年课余时间多沉迷手机，家长希望有成长辅导和兴趣小组。",
        category="children", target_group="10—16岁青少年",
        objectives="开展成长小组、生涯探索和亲子沟通活动，提升青少年自我管理能力。",
        community="学院社区", bidders=("hemei", "yilin", "chunhui"), committee_size=7,
    ),
    ProjectSpec(
        title="龙泉社区志愿服务队伍培育项目",
        need_title="社区志愿者队伍不稳定、缺少培训",
        need_description="龙泉社区登记志愿者约300人，但常态参与者少，希望开展培训和激励。",
        category="governance", target_group="社区志愿者和居民骨干",
        objectives="建立志愿者培训、积分激励和服务对接机制，培育3支常态化志愿服务队。",
        community="龙泉社区", bidders=("yangguang", "hemei", "chunhui"),
    ),
    ProjectSpec(
        title="淮滨社区困难家庭帮扶项目",
        need_title="低保和困难家庭需要综合帮扶",
        need_description="淮滨社区低保、低边家庭约60户，除物质救助外还需要就业、教育和心理支持。",
        category="hardship", target_group="低保、低边及临时困难家庭",
        objectives="为困难家庭建立档案，提供资源链接、个案管理和能力提升服务。",
        community="淮滨社区", bidders=("chunhui", "yilin", "hemei"),
    ),
    ProjectSpec(
        title="学院社区慢病老人健康管理项目",
        need_title="高血压糖尿病老人缺少健康管理",
        need_description="学院社区慢病老人较多，希望有健康讲座、定期监测和用药提醒服务。",
        category="health", target_group="患慢性病的老年人",
        objectives="联合社区卫生服务站开展健康监测、健康教育和互助小组。",
        community="学院社区", bidders=("yilin", "hemei", "chunhui"),
    ),
    ProjectSpec(
        title="龙泉社区“书香龙泉”全民阅读项目",
        need_title="社区图书室利用率低",
        need_description="龙泉社区图书室藏书老旧、开放时间短，居民希望开展读书会和亲子阅读。",
        category="culture", target_group="社区儿童、家长和老年读者",
        objectives="盘活社区图书室，开展亲子阅读、读书会和志愿讲读。",
        community="龙泉社区", bidders=("hemei", "chunhui", "yilin"),
        budget=Decimal("120000.00"),
    ),
    ProjectSpec(
        title="淮滨社区高龄老人助餐服务项目",
        need_title="高龄老人做饭难、吃饭难",
        need_description="淮滨社区80岁以上老人约90人，多数行动不便，希望社区提供助餐、送餐和营养指导。",
        category="elderly", target_group="80岁以上高龄、失能老人",
        objectives="依托社区食堂开展助餐送餐、营养讲座和探访关怀，保障高龄老人吃饭问题。",
        community="淮滨社区", bidders=("chunhui", "yilin", "yangguang"),
        budget=Decimal("150000.00"),
    ),
]



def project_rows(spec: ProjectSpec) -> dict:
    """Return deliverables, indicators and budget lines for a project of spec's budget."""
    budget = spec.budget
    activities = (budget * Decimal("0.12")).quantize(Decimal("1"))
    supervision = (budget * Decimal("0.05")).quantize(Decimal("1"))
    management = (budget * Decimal("0.10")).quantize(Decimal("1"))
    tax = (budget * Decimal("0.03")).quantize(Decimal("1"))
    personnel = budget - activities - supervision - management - tax
    return {
        "deliverables": [
            {"activity_type": "large_event", "description": "大型社区主题活动", "quantity": 2,
             "unit": "场", "unit_price": Decimal("4000.00"), "min_quality": "每场不少于200人"},
            {"activity_type": "small_event", "description": "小型社区活动", "quantity": 6,
             "unit": "场", "unit_price": Decimal("2000.00"), "min_quality": "每场不少于25人"},
            {"activity_type": "case", "description": "个案服务", "quantity": 20, "unit": "个",
             "unit_price": Decimal("300.00"), "min_quality": "每个个案不少于6次跟进"},
            {"activity_type": "group", "description": "小组工作", "quantity": 4, "unit": "个",
             "unit_price": Decimal("1000.00"), "min_quality": "每个小组不少于6节"},
        ],
        "indicators": [
            {"category": "output", "name": "大型社区活动场次", "target": Decimal("2"), "unit": "场",
             "deliverable_index": 0},
            {"category": "output", "name": "小型社区活动场次", "target": Decimal("6"), "unit": "场",
             "deliverable_index": 1},
            {"category": "output", "name": "个案服务数", "target": Decimal("20"), "unit": "个",
             "deliverable_index": 2},
            {"category": "effect", "name": "服务对象问题改善率", "target": Decimal("80"), "unit": "%"},
            {"category": "satisfaction", "name": "服务对象满意度", "target": Decimal("90"),
             "unit": "%"},
            {"category": "budget", "name": "预算执行率", "target": Decimal("95"), "unit": "%"},
        ],
        "budget_lines": [
            {"category": "personnel", "amount": personnel, "note": "专职社工薪酬及社保"},
            {"category": "supervision", "amount": supervision, "note": "专业督导与培训"},
            {"category": "activities", "amount": activities, "note": "活动物料、场地"},
            {"category": "management", "amount": management, "note": "项目管理与宣传"},
            {"category": "tax", "amount": tax, "note": "税费"},
        ],
    }


# The documents every demo tender asks each bid for (Tender.required_documents).
BID_DOCUMENTS = ("投标函", "报价单", "服务方案", "资格证明文件")


def bid_documents(organization, kinds=BID_DOCUMENTS) -> list[tuple[str, object]]:
    """Return one small PDF upload per document kind, written for the organization (each bid's
    files differ, as real ones would: a shared file is a collusion signal)."""
    return [(kind, SimpleUploadedFile(
        f"{kind}.pdf", b"%PDF-1.4\n% " + f"{organization.name} {kind}".encode()
        + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"))
        for kind in kinds]


CRITERIA = [
    {"name": "服务方案", "kind": "technical", "max_score": Decimal("40"),
     "description": "需求分析、服务目标、服务计划的针对性和可行性"},
    {"name": "团队与资质", "kind": "technical", "max_score": Decimal("20"),
     "description": "持证社工人数、督导配备、同类项目经验"},
    {"name": "项目管理与保障", "kind": "commercial", "max_score": Decimal("20"),
     "description": "管理制度、风险预案、财务管理"},
    {"name": "价格", "kind": "price", "max_score": Decimal("20"),
     "description": "低价优先法：评标基准价÷投标报价×20"},
]
PRICE_WEIGHT = Decimal("20")

# Party scores by indicator category (budget ≤ 10, output ≤ 50, effect ≤ 30, satisfaction ≤ 10).
PARTY_SCORES = {
    "purchaser": {"budget": "9", "output": "46", "effect": "27", "satisfaction": "9"},
    "community": {"budget": "9", "output": "47", "effect": "28", "satisfaction": "9"},
    "self": {"budget": "10", "output": "48", "effect": "28", "satisfaction": "9"},
    "third_party": {"budget": "9", "output": "45", "effect": "26", "satisfaction": "9"},
}

